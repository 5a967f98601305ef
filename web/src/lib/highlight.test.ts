import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMatches, parseSearch, splitByMatches, mergeRanges } from './highlight.js';

const marked = (text: string, q: string) =>
  splitByMatches(text, parseSearch(q)).filter((p) => p.match).map((p) => p.text);

test('words match whole tokens, case-insensitively', () => {
  assert.deepEqual(marked('Connection refused by Conn pool', 'conn'), ['Conn']);
  assert.deepEqual(marked('ERROR timeout; error again', 'error'), ['ERROR', 'error']);
});

test('a trailing star matches a prefix', () => {
  assert.deepEqual(marked('Connection refused, connecting again', 'connect*'), ['Connection', 'connecting']);
});

test('quoted phrases match consecutive tokens across separators', () => {
  assert.deepEqual(marked('failed to connect: connection reset by peer', '"reset by peer"'), ['reset by peer']);
  assert.deepEqual(marked('reset the peer by hand', '"reset by peer"'), []);
});

test('several terms each highlight, overlapping ranges merge', () => {
  assert.deepEqual(marked('disk full on /var, disk quota', 'disk full'), ['disk', 'full', 'disk']);
  assert.deepEqual(mergeRanges([[5, 8], [0, 3], [2, 6]]), [[0, 8]]);
});

test('accents fold like the unicode61 tokenizer', () => {
  assert.deepEqual(marked('Café fermé à 18h', 'cafe'), ['Café']);
});

test('punctuation-only queries fall back to substring matches', () => {
  assert.deepEqual(marked('a -> b -> c', '->'), ['->', '->']);
  assert.deepEqual(findMatches('x', parseSearch('   ')), []);
});

test('parts always reassemble into the original text, markup stays text', () => {
  const line = '<img src=x onerror=alert(1)> <script>alert("x")</script>';
  for (const q of ['img', 'script', 'alert', '"src x"', '<', '', 'nothing']) {
    const parts = splitByMatches(line, parseSearch(q));
    assert.equal(parts.map((p) => p.text).join(''), line);
  }
  assert.deepEqual(marked(line, 'script'), ['script', 'script']);
});

test('a bare word with punctuation is one phrase of its tokens', () => {
  assert.deepEqual(marked('host db-01.example.com is down', 'db-01.example'), ['db-01.example']);
});

test('a query marks its positive words only: not field values, not negated words', async () => {
  const { patternOfQuery } = await import('./highlight.js');
  const p = patternOfQuery('source:billing charge -timeout');
  assert.deepEqual(p?.terms.map((t) => t.tokens), [['charge']]);
  assert.equal(patternOfQuery('level:error'), null);
  assert.equal(patternOfQuery('a ('), null);
  assert.equal(patternOfQuery('~"ECONN"')?.substring, 'ECONN');
});
