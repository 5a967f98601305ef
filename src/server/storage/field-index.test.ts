import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesField, type FieldFilter } from '../../shared/fields.js';
import { mulberry32 } from '../../shared/random.js';
import { entriesMatch, flattenFields, flattenFieldsText } from './field-index.js';

const KEYS = ['a', 'b', 'a.b', 'http', 'status', 'http.status', '', '.', 'a.', '.b', 'x.y.z', 'tags', 'é'];
const SCALARS: unknown[] = ['503', 503, 5.03e2, '5e2', ' 5', '', 'abc', 'ab', true, false, 0, -1.5, '-1.5', '0x10', 'Infinity', null, '50%', 'a_b'];

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 0 && k < 0.25) return randomObject(r, depth - 1);
  if (depth > 0 && k < 0.4) return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth - 1));
  return SCALARS[Math.floor(r() * SCALARS.length)];
}

function randomObject(r: () => number, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]] = randomValue(r, depth);
  return o;
}

function randomPath(r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  return Array.from({ length: n }, () => KEYS[Math.floor(r() * KEYS.length)]).join('.');
}

function randomFilter(r: () => number, path: string): FieldFilter {
  const negate = r() < 0.3;
  const op = Math.floor(r() * 4);
  const v = SCALARS[Math.floor(r() * SCALARS.length)];
  const text = v === null ? 'null' : String(v);
  if (op === 0) return { path, op: 'eq', value: text, negate };
  if (op === 1) return { path, op: 'prefix', value: text.slice(0, Math.floor(r() * 3)), negate };
  if (op === 2) return { path, op: 'exists', negate };
  const lo = Math.floor(r() * 10) * 100 - 300;
  return r() < 0.5 ? { path, op: 'range', gte: lo, lt: lo + 600, negate } : { path, op: 'range', gt: lo, negate };
}

test('flattened entries select exactly what matchesField selects (random nested attrs, dotted and empty keys, arrays)', () => {
  const seed = 1130;
  const r = mulberry32(seed);
  let hits = 0;
  for (let i = 0; i < 3000; i++) {
    const attrs = r() < 0.05 ? null : randomObject(r, 3);
    const entries = flattenFields(attrs);
    for (let j = 0; j < 8; j++) {
      const f = randomFilter(r, r() < 0.6 && entries.length ? entries[Math.floor(r() * entries.length)].path : randomPath(r));
      const want = matchesField(attrs, f);
      if (want && !f.negate) hits++;
      assert.equal(entriesMatch(entries, f), want, `seed ${seed} attrs ${JSON.stringify(attrs)} filter ${JSON.stringify(f)}`);
    }
  }
  assert.ok(hits > 1000, `only ${hits} positive cases: the generator no longer exercises matches`);
});

test('flattenFields: nested and flat dotted keys meet on one path, numbers keep their JSON text', () => {
  const e = flattenFields({ http: { status: 503 }, 'http.status': '503', tags: ['a', ['b']], obj: {}, gone: null, '': { x: 1 } });
  assert.deepEqual(e, [
    { path: 'http', text: null, num: null },
    { path: 'http.status', text: '503', num: 503 },
    { path: 'tags', text: 'a', num: null },
    { path: 'tags', text: 'b', num: null },
    { path: 'obj', text: null, num: null },
    { path: '', text: null, num: null },
  ]);
  assert.deepEqual(flattenFieldsText('{"x":1.50,"big":1e400}'), [{ path: 'x', text: '1.5', num: 1.5 }, { path: 'big', text: null, num: null }]);
  assert.deepEqual(flattenFieldsText('not json'), []);
  assert.deepEqual(flattenFieldsText(null), []);
});
