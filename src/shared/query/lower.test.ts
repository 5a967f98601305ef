import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowerQuery, parseQuery } from './index.js';

test('lowering reports the text every match contains: top-level substrings and regex literals, never those under OR or NOT', () => {
  const contains = (q: string) => lowerQuery(parseQuery(q)).contains;
  assert.deepEqual(contains('~"ECONN" level:error'), ['econn']);
  assert.deepEqual(contains('/module \\w+vortex/'), ['module ', 'vortex']);
  assert.deepEqual(contains('(?i)x'), []);
  assert.deepEqual(contains('~"a" OR ~"b"'), []);
  assert.deepEqual(contains('-~"gone"'), []);
  assert.deepEqual(contains('/a|b/'), []);
  assert.deepEqual(contains('payment timeout'), [], 'words are lowered into q already');
});
