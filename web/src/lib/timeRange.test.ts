import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromDatetimeLocal, histogramBounds, resolveRange, toDatetimeLocal } from './timeRange.js';

test('quick ranges resolve relative to now, all time has no bounds', () => {
  assert.deepEqual(resolveRange({ kind: 'quick', key: '15m' }, 1_000_000_000), { from: 1_000_000_000 - 900_000 });
  assert.deepEqual(resolveRange({ kind: 'quick', key: 'all' }, 5), {});
  assert.deepEqual(resolveRange({ kind: 'absolute', from: 1, to: 2 }, 5), { from: 1, to: 2 });
});

test('datetime-local values round-trip in local time', () => {
  const t = new Date(2026, 10, 28, 4, 5, 6).getTime();
  assert.equal(toDatetimeLocal(t), '2026-11-28T04:05:06');
  assert.equal(fromDatetimeLocal('2026-11-28T04:05:06'), t);
  assert.equal(fromDatetimeLocal('2026-11-28T04:05'), t - 6000);
  assert.ok(Number.isNaN(fromDatetimeLocal('')));
});

test('live histogram bounds are aligned to a round step and include now', () => {
  const now = Date.UTC(2026, 10, 28, 4, 17, 31, 500);
  const b = histogramBounds({ kind: 'quick', key: '1h' }, now, 60);
  assert.equal(b.step, 60_000);
  assert.equal(b.to % b.step, 0);
  assert.ok(b.to > now && b.to - b.step <= now);
  assert.equal(b.to - b.from, 60 * b.step);
  const abs = histogramBounds({ kind: 'absolute', from: 0, to: 6000 }, now, 60);
  assert.deepEqual(abs, { from: 0, to: 6000, step: 100 });
});
