import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '../../../src/shared/record.js';
import { appendLive, EMPTY_WINDOW, LATE_MS, lastKnownId, prependOlder, windowFromNewestPage, type LogWindow } from './logWindow.js';

const rec = (id: number): LogRecord => ({ id, ts: id * 1000, level: 'info', source: 's', host: 'h', message: `line ${id}`, attrs: null });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => rec(a + i));
const ids = (w: LogWindow) => w.items.map((it) => it.id);

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

test('a line arriving late is inserted at its place in time and marked late', () => {
  // ids 1..5 at ts 1000..5000; id 6 carries a ts 10 s older than id 1's neighbour 2.
  let w = windowFromNewestPage(range(1, 5).reverse(), false);
  const late: LogRecord = { ...rec(6), ts: 1500 };
  w = appendLive(w, [late, rec(7)], 100, true);
  assert.deepEqual(ids(w), [1, 6, 2, 3, 4, 5, 7]);
  assert.equal(w.items[1].late, undefined, 'only 3.5 s older than the newest: within LATE_MS');
  const veryLate: LogRecord = { ...rec(8), ts: 7000 - LATE_MS - 1000 };
  w = appendLive(w, [veryLate], 100, true);
  assert.equal(w.items.find((r) => r.id === 8)?.late, true);
  assert.equal(w.items.at(-1)?.id, 7);
  assert.equal(lastKnownId(w), 8);
});

test('a replay of lines already held adds nothing; one of a skipped line fills the hole', () => {
  let w = windowFromNewestPage([rec(1), rec(2), rec(5)].reverse(), false);
  w = appendLive(w, range(1, 5), 100, true);
  assert.deepEqual(ids(w), [1, 2, 3, 4, 5]);
  w = appendLive(w, range(1, 5), 100, true);
  assert.deepEqual(ids(w), [1, 2, 3, 4, 5]);
});

test('a late line older than the window is left to scroll-back when older pages exist', () => {
  let w = windowFromNewestPage(range(3, 5).reverse(), true);
  w = appendLive(w, [{ ...rec(6), ts: 1000 }], 100, true);
  assert.deepEqual(ids(w), [3, 4, 5]);
  assert.equal(lastKnownId(w), 6);
  const { window: w2 } = prependOlder(w, [{ ...rec(6), ts: 1000 }, rec(2)], false, 100);
  assert.deepEqual(ids(w2), [6, 2, 3, 4, 5]);
});

test('pages sort by time, not by id', () => {
  const w = windowFromNewestPage([{ ...rec(9), ts: 2500 }, rec(3), rec(2)], false);
  assert.deepEqual(ids(w), [2, 9, 3]);
  assert.equal(lastKnownId(w), 9);
});
