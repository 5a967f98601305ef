import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistogramResponse } from '../../../src/shared/api.js';
import type { LogRecord } from '../../../src/shared/record.js';
import { addRecords, findBucket, levelTotals, normalizeHistogram, stackSeries, STACK_ORDER, type HistogramData } from './histogramData.js';

const zero = () => [0, 0, 0];
const h: HistogramData = {
  from: 0, to: 3000, step: 1000, buckets: [0, 1000, 2000], view: { from: 0, to: 3000 },
  counts: { trace: zero(), debug: zero(), info: [5, 1, 0], warn: [1, 0, 0], error: [0, 2, 0], fatal: zero(), unknown: zero() },
  totals: { trace: 0, debug: 0, info: 6, warn: 1, error: 2, fatal: 0, unknown: 0 },
  lastId: 0,
};

test('stacked series are cumulative in stack order and skip hidden levels', () => {
  const s = stackSeries(h, ['info', 'warn', 'error']);
  assert.deepEqual(s[STACK_ORDER.indexOf('error')], [0, 2, 0]);
  assert.deepEqual(s[STACK_ORDER.indexOf('warn')], [1, 2, 0]);
  assert.deepEqual(s[STACK_ORDER.indexOf('info')], [6, 3, 0]);
  assert.deepEqual(s[STACK_ORDER.length - 1], [6, 3, 0]);
  assert.deepEqual(stackSeries(h, ['error'])[STACK_ORDER.length - 1], [0, 2, 0]);
});

test('live records land in their bucket and the totals, outside ones are ignored', () => {
  const r = (ts: number, level: LogRecord['level']): LogRecord => ({ id: ts, ts, level, source: 's', host: 'h', message: 'm', attrs: null });
  const h2 = addRecords(h, [r(2500, 'error'), r(2999, 'error'), r(3000, 'error'), r(-1, 'info')]);
  assert.deepEqual(h2.counts.error, [0, 2, 2]);
  assert.equal(h2.totals.error, 4);
  assert.deepEqual(h.counts.error, [0, 2, 0], 'input untouched');
  assert.equal(levelTotals(h2)!.info, 6);
});

test('bucket starts are derived from the counts, whatever the server listed', () => {
  const odd = { ...h, buckets: [0, 1000, 2000, 3000, 4000], counts: { ...h.counts, fatal: [1] } } as HistogramResponse;
  const n = normalizeHistogram(odd);
  assert.deepEqual(n.buckets, [0, 1000, 2000]);
  assert.deepEqual(n.counts.fatal, [1, 0, 0]);
  assert.equal(n.to, 3000);
});

test('a live histogram grows to count lines past its end; one of a fixed range does not', () => {
  const r = (ts: number): LogRecord => ({ id: ts, ts, level: 'error', source: 's', host: 'h', message: 'm', attrs: null });
  const grown = addRecords(h, [r(3500), r(4200)], { extend: true });
  assert.deepEqual(grown.buckets, [0, 1000, 2000, 3000, 4000]);
  assert.deepEqual(grown.counts.error, [0, 2, 0, 1, 1]);
  assert.deepEqual(grown.counts.info, [5, 1, 0, 0, 0]);
  assert.equal(grown.totals.error, 4);
  assert.equal(grown.view.to, 4201);
  assert.equal(addRecords(h, [r(3500)]), h);
  // Lines before the asked-for start are not in the list, so they are not counted either.
  const narrow = { ...h, view: { from: 500, to: 3000 } };
  assert.equal(addRecords(narrow, [r(100)]), narrow);
});

test('the bucket under a time: the one holding it, the first labelled with the range start', () => {
  // One-minute buckets aligned to the minute, a range from 10 s past it.
  const first = 120_000;
  const from = 130_000;
  assert.deepEqual(findBucket(first, 60_000, 3, from, 130_000), { index: 0, start: 130_000 });
  assert.deepEqual(findBucket(first, 60_000, 3, from, 179_999), { index: 0, start: 130_000 });
  // Past the middle of a bucket is still that bucket, not the next one's start.
  assert.deepEqual(findBucket(first, 60_000, 3, from, 230_000), { index: 1, start: 180_000 });
  assert.deepEqual(findBucket(first, 60_000, 3, from, 299_999), { index: 2, start: 240_000 });
  assert.equal(findBucket(first, 60_000, 3, from, 300_000), null);
  assert.equal(findBucket(first, 60_000, 3, from, 125_000), null, 'before the range');
  assert.deepEqual(findBucket(from, 60_000, 3, from, from), { index: 0, start: from }, 'aligned: the bucket start itself');
});
