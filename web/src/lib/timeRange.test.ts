import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInstant, fromDatetimeLocal, histogramBounds, LIVE_AHEAD_MS, rangePhrase, resolveRange, toDatetimeLocal, zoomOut } from './timeRange.js';

test('quick ranges resolve relative to now, all time has no bounds', () => {
  assert.deepEqual(resolveRange({ kind: 'quick', key: '15m' }, 1_000_000_000), { from: 1_000_000_000 - 900_000, to: 1_000_000_000 + LIVE_AHEAD_MS });
  assert.deepEqual(resolveRange({ kind: 'quick', key: 'all' }, 5), { to: 5 + LIVE_AHEAD_MS });
  assert.deepEqual(resolveRange({ kind: 'absolute', from: 1, to: 2 }, 5), { from: 1, to: 2 });
});

test('datetime-local values round-trip in local time', () => {
  const t = new Date(2026, 10, 28, 4, 5, 6).getTime();
  assert.equal(toDatetimeLocal(t), '2026-11-28T04:05:06');
  assert.equal(fromDatetimeLocal('2026-11-28T04:05:06'), t);
  assert.equal(fromDatetimeLocal('2026-11-28T04:05'), t - 6000);
  assert.ok(Number.isNaN(fromDatetimeLocal('')));
});

test('histogram bounds are the bounds of the list, for every quick range', () => {
  const now = Date.UTC(2026, 10, 28, 4, 17, 31, 500);
  for (const key of ['5m', '1h', '6h', '24h', '7d', '30d'] as const) {
    const range = { kind: 'quick' as const, key };
    const b = histogramBounds(range, now, 60);
    const list = resolveRange(range, now);
    assert.equal(b.from, list.from, key);
    assert.equal(b.to, list.to, key);
    assert.equal(b.to, now + LIVE_AHEAD_MS, key);
  }
  const abs = histogramBounds({ kind: 'absolute', from: 0, to: 6000 }, now, 60);
  assert.deepEqual(abs, { from: 0, to: 6000, step: 100 });
  const all = histogramBounds({ kind: 'quick', key: 'all' }, now, 60, now - 86_400_000);
  assert.equal(all.from, now - 86_400_000);
});

test('zooming out doubles a fixed range around its centre and widens a live one', () => {
  assert.deepEqual(zoomOut({ kind: 'absolute', from: 1000, to: 2000 }), { kind: 'absolute', from: 500, to: 2500 });
  assert.deepEqual(zoomOut({ kind: 'quick', key: '1h' }), { kind: 'quick', key: '6h' });
  assert.equal(zoomOut({ kind: 'quick', key: 'all' }), null);
});

test('a range ends a sentence: in the last …, at any time (not "in at any time"), between …', () => {
  assert.equal(rangePhrase({ kind: 'quick', key: '24h' }), 'in the last 24 hours');
  assert.equal(rangePhrase({ kind: 'quick', key: '1h' }), 'in the last hour');
  assert.equal(rangePhrase({ kind: 'quick', key: 'all' }), 'at any time');
  const from = new Date(2026, 10, 28, 4, 0, 0).getTime();
  assert.equal(rangePhrase({ kind: 'absolute', from, to: from + 3_600_000 }), `between ${formatInstant(from)} – ${formatInstant(from + 3_600_000)}`);
});
