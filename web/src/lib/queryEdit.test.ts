import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addFieldFilter } from './queryEdit.js';
import { colourQuery } from './querySyntax.js';
import { parseQuery } from '../../../src/shared/query/parse.js';

test('adding a field filter appends it, quotes when needed, and replaces its opposite', () => {
  assert.equal(addFieldFilter('', 'level', 'error', false), 'level:error');
  assert.equal(addFieldFilter('timeout', 'source', 'billing', true), 'timeout -source:billing');
  assert.equal(addFieldFilter('timeout -source:billing', 'source', 'billing', false), 'timeout source:billing');
  assert.equal(addFieldFilter('a source:billing', 'source', 'billing', false), 'a source:billing');
  assert.equal(addFieldFilter('x | top 5 host', 'host', 'web 1', false), 'x host:"web 1" | top 5 host');
  for (const v of ['a b', 'x*', 'a,b', 'q"uote', '5', 'api/v1', '-lead']) {
    const q = addFieldFilter('', 'f', v, false);
    const f = parseQuery(q).filter;
    assert.equal(f?.type, 'field', q);
    assert.deepEqual(f?.type === 'field' && f.values, [{ text: v, prefix: false }], q);
  }
});

test('colouring follows the parser and marks where a bad query stops', () => {
  const runs = colourQuery('level:error -timeout');
  assert.deepEqual(runs, [
    { text: 'level:', kind: 'field' },
    { text: 'error', kind: 'value' },
    { text: ' ', kind: 'plain' },
    { text: '-', kind: 'operator' },
    { text: 'timeout', kind: 'term' },
  ]);
  const bad = colourQuery('a (b');
  assert.equal(bad.map((r) => r.text).join(''), 'a (b');
  assert.ok(bad.some((r) => r.kind === 'error'));
});

test('attrs open into dotted paths; only scalars can be filtered on', async () => {
  const { attrEntries } = await import('./queryEdit.js');
  assert.deepEqual(attrEntries({ http: { status: 503, route: '/a' }, tags: ['x'], n: null, ok: true }), [
    { path: 'http.status', value: 503, filterText: '503' },
    { path: 'http.route', value: '/a', filterText: '/a' },
    { path: 'tags', value: ['x'], filterText: null },
    { path: 'n', value: null, filterText: null },
    { path: 'ok', value: true, filterText: 'true' },
  ]);
});
