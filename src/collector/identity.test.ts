import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressionOf, decideResume } from './identity.js';
import type { FileState } from './checkpoint.js';

const entry: FileState = { key: '1:2:3', path: '/l/app.log', fingerprint: 'fp', generation: 2, offset: 1000, window: 'w1', size: 1200, updated: 0 };

test('a file never seen starts at the given place, generation 0', () => {
  assert.deepEqual(decideResume(undefined, { fingerprint: 'fp', size: 50, windowHash: null }, 0), { kind: 'new', generation: 0, offset: 0 });
  assert.deepEqual(decideResume(undefined, { fingerprint: 'fp', size: 50, windowHash: null }, 40), { kind: 'new', generation: 0, offset: 40 });
});

test('same first line, same window, not shorter: the same content goes on at the offset', () => {
  assert.deepEqual(decideResume(entry, { fingerprint: 'fp', size: 1000, windowHash: 'w1' }, 0), { kind: 'same', generation: 2, offset: 1000 });
  assert.deepEqual(decideResume(entry, { fingerprint: 'fp', size: 5000, windowHash: 'w1' }, 0), { kind: 'same', generation: 2, offset: 1000 });
});

test('a truncation, a new first line, or a rewrite under the same first line is a new generation from 0', () => {
  const shorter = decideResume(entry, { fingerprint: 'fp', size: 999, windowHash: null }, 0);
  assert.equal(shorter.kind, 'replaced');
  assert.deepEqual({ g: shorter.generation, o: shorter.offset }, { g: 3, o: 0 });
  assert.equal(decideResume(entry, { fingerprint: 'other', size: 5000, windowHash: 'w1' }, 0).kind, 'replaced');
  // Rewritten in place with the same header and grown past the offset: only the window tells.
  const rewritten = decideResume(entry, { fingerprint: 'fp', size: 5000, windowHash: 'w2' }, 0);
  assert.equal(rewritten.kind, 'replaced');
  assert.match((rewritten as { why: string }).why, /rewritten/);
  assert.equal((rewritten as { previous: FileState }).previous, entry);
});

test('an entry from an older state file (no window) is judged by first line and size only', () => {
  const old = { ...entry, window: undefined };
  assert.equal(decideResume(old, { fingerprint: 'fp', size: 5000, windowHash: null }, 0).kind, 'same');
});

test('compressed rotated copies are recognised by extension', () => {
  assert.equal(compressionOf('/l/app.log.1.gz'), 'gzip');
  assert.equal(compressionOf('/l/app.log-20261130.zst'), 'other');
  assert.equal(compressionOf('/l/app.log.2.bz2'), 'other');
  assert.equal(compressionOf('/l/app.log.3.xz'), 'other');
  assert.equal(compressionOf('/l/app.log.1'), null);
  assert.equal(compressionOf('/l/app.log'), null);
});

test('the window may end past the offset (read, not yet batched): a file shorter than that was truncated', () => {
  const e = { ...entry, offset: 1000, windowAt: 1100 };
  assert.equal(decideResume(e, { fingerprint: 'fp', size: 1100, windowHash: 'w1' }, 0).kind, 'same');
  assert.equal(decideResume(e, { fingerprint: 'fp', size: 1050, windowHash: null }, 0).kind, 'replaced');
});
