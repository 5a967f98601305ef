import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineCheck } from './stream-check.js';

test('lineCheck is 16 hex digits, stable, and tells lines apart (order, length, non-ASCII)', () => {
  assert.match(lineCheck('2026-11-30 seq=1 hello'), /^[0-9a-f]{16}$/);
  assert.equal(lineCheck('seq=1 hello'), lineCheck('seq=1 hello'));
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(lineCheck(`seq=${i} order accepted`));
  assert.equal(seen.size, 20_000);
  assert.notEqual(lineCheck('ab'), lineCheck('ba'));
  assert.notEqual(lineCheck(''), lineCheck('\u0000'));
  assert.notEqual(lineCheck('caf\u00e9'), lineCheck('cafe'));
});
