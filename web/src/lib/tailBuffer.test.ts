import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '../../../src/shared/record.js';
import { TailBuffer } from './tailBuffer.js';

const recs = (a: number, b: number): LogRecord[] => Array.from({ length: b - a + 1 }, (_, i) => ({ id: a + i, ts: 0, level: 'info', source: 's', host: '', message: '', attrs: null }));

test('records queue and are handed over once, in order', () => {
  const b = new TailBuffer(0, 100);
  assert.equal(b.push(recs(1, 10)), null);
  assert.deepEqual(b.take().map((r) => r.id), recs(1, 10).map((r) => r.id));
  assert.deepEqual(b.take(), []);
});

test('past the cap the oldest half is dropped and reported as a gap after the last handed over', () => {
  const b = new TailBuffer(5, 10);
  b.push(recs(6, 8));
  b.take();
  assert.equal(b.push(recs(9, 18)), null);
  assert.deepEqual(b.push(recs(19, 20)), { from: 8, to: 15 });
  assert.deepEqual(b.take().map((r) => r.id), [16, 17, 18, 19, 20]);
  // The next drop starts after what was handed over.
  b.push(recs(21, 31));
  assert.deepEqual(b.push([]), null);
  const b2 = new TailBuffer(0, 4);
  b2.skip(50);
  assert.deepEqual(b2.push(recs(51, 55)), { from: 50, to: 53 });
});
