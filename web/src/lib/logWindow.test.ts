import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '../../../src/shared/record.js';
import { addGap, appendLive, EMPTY_WINDOW, fillGap, isGap, lastKnownId, prependOlder, windowFromNewestPage, type LogWindow } from './logWindow.js';

const rec = (id: number): LogRecord => ({ id, ts: id * 1000, level: 'info', source: 's', host: 'h', message: `line ${id}`, attrs: null });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => rec(a + i));
const ids = (w: LogWindow) => w.items.map((it) => (isGap(it) ? `gap(${it.from},${it.to}]` : it.id));

test('the newest page becomes an ascending window', () => {
  const w = windowFromNewestPage(range(1, 5).reverse(), true);
  assert.deepEqual(ids(w), [1, 2, 3, 4, 5]);
  assert.equal(w.hasOlder, true);
  assert.equal(lastKnownId(w), 5);
});

test('live records append once: repeats and reordering are absorbed', () => {
  let w = windowFromNewestPage(range(1, 3).reverse(), false);
  w = appendLive(w, [rec(2), rec(3), rec(5), rec(4)], 100, true);
  w = appendLive(w, [rec(5), rec(6)], 100, true);
  assert.deepEqual(ids(w), [1, 2, 3, 4, 5, 6]);
});

test('following trims the oldest lines to the cap and remembers there are older ones', () => {
  let w = appendLive(EMPTY_WINDOW, range(1, 8), 5, true);
  assert.deepEqual(ids(w), [4, 5, 6, 7, 8]);
  assert.equal(w.hasOlder, true);
  w = appendLive(w, range(9, 20), 5, true);
  assert.equal(w.items.length, 5);
});

test('not following never trims: overflow is counted and the head is left', () => {
  let w = appendLive(EMPTY_WINDOW, range(1, 3), 5, false);
  w = appendLive(w, range(4, 9), 5, false);
  assert.deepEqual(ids(w), [1, 2, 3, 4, 5]);
  assert.equal(w.atHead, false);
  assert.equal(w.droppedNewer, 4);
  w = appendLive(w, range(10, 11), 5, true);
  assert.equal(w.droppedNewer, 6);
  assert.equal(w.items.length, 5);
});

test('older pages prepend without overlap and trim the bottom past the cap', () => {
  const w0 = windowFromNewestPage(range(6, 8).reverse(), true);
  const { window: w1, added } = prependOlder(w0, range(3, 7).reverse(), true, 100);
  assert.equal(added, 3);
  assert.deepEqual(ids(w1), [3, 4, 5, 6, 7, 8]);
  const { window: w2 } = prependOlder(w1, range(1, 2).reverse(), false, 4);
  assert.deepEqual(ids(w2), [1, 2, 3, 4]);
  assert.equal(w2.atHead, false);
  assert.equal(w2.hasOlder, false);
});

test('a gap becomes a marker that refills in place, partially then completely', () => {
  let w = appendLive(EMPTY_WINDOW, range(1, 3), 100, true);
  w = addGap(w, 3, 10);
  w = appendLive(w, range(11, 12), 100, true);
  assert.deepEqual(ids(w), [1, 2, 3, 'gap(3,10]', 11, 12]);
  // records at or below the gap end are not appended again by the tail
  assert.deepEqual(ids(appendLive(w, [rec(9)], 100, true)), ids(w));
  w = fillGap(w, 'gap-3-10', range(4, 6), false);
  assert.deepEqual(ids(w), [1, 2, 3, 4, 5, 6, 'gap(6,10]', 11, 12]);
  w = fillGap(w, 'gap-6-10', [rec(8), rec(7), rec(9), rec(10), rec(11)], true);
  assert.deepEqual(ids(w), range(1, 12).map((r) => r.id));
});
