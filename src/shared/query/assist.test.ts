import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionAt, highlightsOf } from './assist.js';
import { parseQuery } from './parse.js';

test('highlights are the positive words, phrases, substrings and regexes; negated ones are left out', () => {
  const h = highlightsOf(parseQuery('(charge OR "card declined"*) -timeout ~"ECONN" /\\d+ms/ level:error -~"debug" NOT /x/'));
  assert.deepEqual(h, {
    terms: [{ tokens: ['charge'], prefix: false }, { tokens: ['card', 'declined'], prefix: true }],
    substrings: ['ECONN'],
    regexes: ['\\d+ms'],
  });
  assert.deepEqual(highlightsOf(parseQuery('')), { terms: [], substrings: [], regexes: [] });
});

test('completion knows whether the cursor is on a field name, a value (after commas too) or a pipe keyword', () => {
  const at = (q: string) => completionAt(q, q.length);
  assert.deepEqual(at('error http.st'), { kind: 'field', prefix: 'http.st', start: 6 });
  assert.deepEqual(at('error -us'), { kind: 'field', prefix: 'us', start: 7 });
  assert.deepEqual(at('(so'), { kind: 'field', prefix: 'so', start: 1 });
  assert.deepEqual(at('a '), { kind: 'field', prefix: '', start: 2 });
  assert.deepEqual(at('level:er'), { kind: 'value', field: 'level', prefix: 'er', start: 6 });
  assert.deepEqual(at('x level:error,fa'), { kind: 'value', field: 'level', prefix: 'fa', start: 14 });
  assert.deepEqual(at('-k8s.pod.name:'), { kind: 'value', field: 'k8s.pod.name', prefix: '', start: 14 });
  assert.deepEqual(at('error | st'), { kind: 'pipe', prefix: 'st', start: 8 });
  assert.deepEqual(at('error |'), { kind: 'pipe', prefix: '', start: 7 });
  assert.deepEqual(at('| stats count() by (sou'), { kind: 'field', prefix: 'sou', start: 20 });
  for (const q of ['msg:"a b', '"disk fu', '~ECO', '/api', 'status:>5', 'http://x', '12:3']) assert.deepEqual(at(q), { kind: 'none' }, q);
  assert.deepEqual(completionAt('level:error source:bil host:x', 22), { kind: 'value', field: 'source', prefix: 'bil', start: 19 });
});
