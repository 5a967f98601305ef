import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../shared/random.js';
import { tokenize } from '../../shared/search.js';
import { BlockTokens } from './block-tokens.js';
import { bloomHas, bloomProbe, buildBloom, itemHashes } from './bloom.js';

// Pieces of messages: ASCII words in any case, digits, separators, and non-ASCII text whose
// folding makes ASCII letters (é, fullwidth Ａ, the ligature ﬁ) or joins them to a token (café).
const PIECES = ['Error', 'error', 'ERROR', 'eRRor', 'a', 'A', 'z9', '0', '123', 'GET', '/api/v1', 'x-y_z', ' ', '  ', '\t', '=', '.', ':',
  'café', 'CAFÉ', 'Ｅrror', 'ﬁle', 'naïve', '日本語', 'über', 'Straße', '\u0301', 'e\u0301', '😀', 'id=ab12CD'];

function randomMessage(r: () => number): string {
  let m = '';
  for (let i = Math.floor(r() * 12); i > 0; i--) m += PIECES[Math.floor(r() * PIECES.length)] + (r() < 0.6 ? ' ' : '');
  return m;
}

/** What the encoder did before BlockTokens: tokenize each message, count rows per distinct token. */
function reference(messages: string[]): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  messages.forEach((m, k) => {
    for (const t of tokenize(m)) {
      const list = rows.get(t) ?? [];
      if (list[list.length - 1] !== k) list.push(k);
      rows.set(t, list);
    }
  });
  return rows;
}

test('BlockTokens finds the distinct tokens of tokenize(), the rows holding each, and the Bloom hashes of their text (random ASCII and non-ASCII messages)', () => {
  const r = mulberry32(11);
  for (let round = 0; round < 300; round++) {
    const messages = Array.from({ length: 1 + Math.floor(r() * 60) }, () => randomMessage(r));
    const want = reference(messages);
    const got = new BlockTokens(messages.length);
    messages.forEach((m, k) => got.add(k, m));
    const seen = new Map<string, number[]>();
    for (let e = 0; e < got.size; e++) {
      const text = got.text(e);
      assert.ok(!seen.has(text), `token "${text}" appears twice`);
      seen.set(text, []);
      const [h1, h2] = itemHashes(text);
      assert.equal(got.h1[e] >>> 0, h1, `h1 of "${text}"`);
      assert.equal(got.h2[e] >>> 0, h2, `h2 of "${text}"`);
      assert.equal(got.rows[e], want.get(text)?.length, `rows holding "${text}"`);
    }
    for (let k = 0, j = 0; k < messages.length; k++) {
      for (const end = got.rowEnd(k); j < end; j++) seen.get(got.text(got.rowTokens[j]))!.push(k);
    }
    assert.deepEqual(new Map([...seen].sort()), new Map([...want].sort()), JSON.stringify(messages));
  }
});

test('BlockTokens grows past its first table sizes and keeps tokens that share a hash slot apart', () => {
  // 20,000 distinct tokens (the table starts with 4,096 slots and 1,024 tokens) and 30,000 rows.
  const messages = Array.from({ length: 30_000 }, (_, k) => `Req${k % 20_000} user${k % 7} tok${k}`.slice(0, k % 3 === 0 ? 10 : 40));
  const want = reference(messages);
  const got = new BlockTokens(messages.length);
  messages.forEach((m, k) => got.add(k, m));
  assert.equal(got.size, want.size);
  for (let e = 0; e < got.size; e++) assert.equal(got.rows[e], want.get(got.text(e))!.length);
});

test('a Bloom filter built from BlockTokens hashes answers "maybe" for every token and matches buildBloom byte for byte', async () => {
  const { emptyBloom, addToBloom } = await import('./bloom.js');
  const messages = ['GET /api/v1/Users 200', 'café ÜBER naïve', 'Ｅrror in ﬁle', 'plain ascii line'];
  const got = new BlockTokens(messages.length);
  messages.forEach((m, k) => got.add(k, m));
  const out = emptyBloom(got.size);
  for (let e = 0; e < got.size; e++) addToBloom(out, got.h1[e] >>> 0, got.h2[e] >>> 0);
  const texts = new Set(messages.flatMap((m) => tokenize(m)));
  assert.deepEqual(out, buildBloom(texts, texts.size));
  for (const t of texts) assert.ok(bloomHas(out, bloomProbe(t)), t);
});
