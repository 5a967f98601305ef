import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldText } from '../../shared/fields.js';
import { mulberry32 } from '../../shared/random.js';
import { tokenize } from '../../shared/search.js';
import { encodeBlock } from './block.js';
import { BloomItems, buildBloom, emptyBloom, hashAfter, hashPrefix, itemHashes } from './bloom.js';
import type { Row } from './row.js';

test('hashAfter(hashPrefix(a), b) is the hash of a + b, and BloomItems fills the filter buildBloom builds from the distinct texts', () => {
  const r = mulberry32(5);
  const alphabet = ['a', 'B', '=', '.', '\u0001', '\u0002', 'é', '日', '😀', '0', ' '];
  const word = () => Array.from({ length: Math.floor(r() * 8) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
  for (let i = 0; i < 2000; i++) {
    const a = word();
    const b = word();
    assert.deepEqual(hashAfter(hashPrefix(a), b), itemHashes(a + b), JSON.stringify([a, b]));
  }
  const texts = Array.from({ length: 3000 }, word);
  const set = new Set(texts);
  const items = new BloomItems();
  for (const t of texts) items.addText(t);
  assert.equal(items.size, set.size);
  const out = emptyBloom(items.size);
  items.fill(out);
  assert.deepEqual(out, buildBloom(set, set.size));
});

/** The Bloom items of rows as the encoder has always defined them (block.ts header comment), as text. */
function referenceItems(rows: Row[]): Set<string> {
  const items = new Set<string>();
  const value = (path: string, v: unknown): void => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) return v.forEach((x) => value(path, x));
    items.add(`\u0002${path}`);
    if (typeof v === 'object') return Object.entries(v).forEach(([k, x]) => value(`${path}.${k}`, x));
    const text = fieldText(v);
    if (text !== undefined) items.add(`\u0001${path}=${text}`);
  };
  for (const row of rows) {
    for (const t of tokenize(row.message)) items.add(t);
    items.add(`\u0004${row.id}`);
    items.add(`\u0003${row.host}`);
    if (row.attrs !== null) Object.entries(JSON.parse(row.attrs) as object).forEach(([k, v]) => value(k, v));
  }
  return items;
}

test("a block's Bloom filter is byte for byte buildBloom of its items: tokens, ids, hosts, field paths and path=value texts (random nested attrs)", () => {
  const r = mulberry32(8);
  const keys = ['user', 'http', 'status', 'a.b', 'é', 'tags', ''];
  const scalar = () => [() => `u${Math.floor(r() * 20)}`, () => Math.floor(r() * 600), () => r() < 0.5, () => null, () => 1.5e300 * 10][Math.floor(r() * 5)]();
  const val = (d: number): unknown => (d > 0 && r() < 0.3 ? obj(d - 1) : d > 0 && r() < 0.2 ? [scalar(), val(d - 1)] : scalar());
  const obj = (d: number): Record<string, unknown> => Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [keys[Math.floor(r() * keys.length)], val(d)]));
  for (let b = 0; b < 40; b++) {
    const rows: Row[] = Array.from({ length: 1 + Math.floor(r() * 200) }, (_, i) => ({
      id: 1000 * b + i,
      ts: 1_700_000_000_000 + i,
      level: 2,
      source: 's',
      host: `h${Math.floor(r() * 3)}`,
      message: `GET /api/v1/Users/${Math.floor(r() * 50)} took ${Math.floor(r() * 900)} ms café ${r() < 0.1 ? 'ÜBER' : 'ok'}`,
      attrs: r() < 0.8 ? JSON.stringify(obj(3)) : null,
    }));
    const want = referenceItems(rows);
    assert.deepEqual(encodeBlock(rows).bloom, buildBloom(want, want.size), `block ${b}`);
  }
});
