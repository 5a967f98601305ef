import { test } from 'node:test';
import assert from 'node:assert/strict';
import { includesText, parseSearch, PREFILTER_CHARS, prefilterNeedle, splitTerms, termMatches, tokenize } from './search.js';

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

test('includesText answers as String.prototype.includes does, long needles included', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const word = (n: number, abc: string) => Array.from({ length: n }, () => abc[rnd(abc.length)]).join('');
  for (let i = 0; i < 400; i++) {
    const abc = i % 2 ? 'ab' : 'aab\u00e9\ud83d\ude00';
    const text = word(rnd(400), abc);
    // Half the needles are cut from the text (so they occur), half are random.
    const at = rnd(Math.max(1, text.length));
    const needle = i % 2 ? text.slice(at, at + 1 + rnd(200)) : word(1 + rnd(150), abc);
    assert.equal(includesText(text, needle), text.includes(needle), JSON.stringify({ text, needle }));
  }
  assert.equal(includesText('x'.repeat(100) + 'a'.repeat(70) + 'b', 'a'.repeat(70) + 'b'), true);
  assert.equal(includesText('a'.repeat(1000), 'a'.repeat(500) + 'b'), false);
  assert.equal(includesText('', 'a'.repeat(80)), false);
});

test('prefilterNeedle keeps at most PREFILTER_CHARS characters and never half a surrogate pair', () => {
  assert.equal(prefilterNeedle('short'), 'short');
  assert.equal(prefilterNeedle('a'.repeat(40)).length, PREFILTER_CHARS);
  const cut = prefilterNeedle('a'.repeat(PREFILTER_CHARS - 1) + '\ud83d\ude00' + 'b');
  assert.equal(cut, 'a'.repeat(PREFILTER_CHARS - 1));
});
