import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSearch, splitTerms, termMatches, tokenize } from './search.js';

test('words, "phrases", prefixes and unbalanced quotes', () => {
  assert.deepEqual(splitTerms('disk  full'), [{ text: 'disk', prefix: false }, { text: 'full', prefix: false }]);
  assert.deepEqual(splitTerms('"disk full" conn*'), [{ text: 'disk full', prefix: false }, { text: 'conn', prefix: true }]);
  assert.deepEqual(splitTerms('"upstream err"*'), [{ text: 'upstream err', prefix: true }]);
  assert.deepEqual(splitTerms('a "b c'), [{ text: 'a', prefix: false }, { text: 'b c', prefix: false }]);
  assert.deepEqual(splitTerms('x"y"'), [{ text: 'x', prefix: false }, { text: 'y', prefix: false }]);
});

test('tokens follow unicode61: case-folded, accents removed, punctuation separates', () => {
  assert.deepEqual(tokenize('Café-Crème at /api/v1/users?id=42'), ['cafe', 'creme', 'at', 'api', 'v1', 'users', 'id', '42']);
  assert.deepEqual(tokenize('error_count=0'), ['error', 'count', '0']);
  assert.deepEqual(tokenize('🙂 — ***'), []);
});

test('hostile text parses into plain terms or nothing', () => {
  for (const q of ['"', '*', 'NEAR(', 'AND OR NOT', "'; DROP TABLE logs; --", 'message:foo', '^', '((((', '""""', 'a"b*c', '\u0000', 'x'.repeat(5000)]) {
    const terms = parseSearch(q);
    for (const t of terms) assert.ok(t.tokens.every((tk) => /^[\p{L}\p{N}\p{Co}]+$/u.test(tk)), q);
  }
  assert.deepEqual(parseSearch('NEAR(a b)').map((t) => t.tokens), [['near', 'a'], ['b']]);
});

test('a term matches consecutive tokens, the last as a prefix when asked', () => {
  const tokens = tokenize('POST /api/payments/charge 502 upstream error: connection reset');
  const [phrase] = parseSearch('"upstream error"');
  assert.ok(termMatches(phrase, tokens));
  assert.ok(!termMatches(parseSearch('"error upstream"')[0], tokens));
  assert.ok(termMatches(parseSearch('conn*')[0], tokens));
  assert.ok(!termMatches(parseSearch('conn')[0], tokens));
  assert.ok(termMatches(parseSearch('"connection res"*')[0], tokens));
});
