// The key=value rule blocks rely on to store a row's attrs as a mark (text-pairs.ts), and the
// store around it: rows keep exactly their attrs whether or not the mark was written, and a
// schema-5 file opens as schema 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LineFactory } from '../../generator/lines.js';
import { parseLine } from '../../shared/parse/index.js';
import type { NormalizedRecord } from '../../shared/record.js';
import { mulberry32 } from '../../shared/random.js';
import { pairsEqual, pairsText } from './text-pairs.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { SCHEMA_VERSION } from './sqlite/schema.js';

test('pairsText reads logfmt pairs: bare and quoted values, escapes, repeated keys, and nothing else', () => {
  const cases: [string, Record<string, string> | null][] = [
    ['no pairs here', null],
    ['a=1 b=two', { a: '1', b: 'two' }],
    ['level=info msg="hello \\"world\\" \\\\ end" a=1 b= c="x y"', { level: 'info', msg: 'hello "world" \\ end', a: '1', b: '', c: 'x y' }],
    ['x=1 x=2 y=z', { x: '2', y: 'z' }],
    ['foo a=b=c d=[1,2]', { a: 'b=c', d: '[1,2]' }],
    ['k="unterminated', { k: 'unterminated' }],
    ['time=2026-11-30T16:20:31Z user.id=7 dur-ms=1.5', { time: '2026-11-30T16:20:31Z', 'user.id': '7', 'dur-ms': '1.5' }],
    ['GET /api?x=1 =v 1a=b', null],
    ['q="a"b r=1', { r: '1' }],
    ['tab\tk=v\tz=1', { k: 'v', z: '1' }],
    ['__proto__=x constructor=y', { ['__proto__']: 'x', constructor: 'y' }],
    ['emoji=🙂 zoë=1', { emoji: '🙂' }],
  ];
  for (const [message, want] of cases) {
    const got = pairsText(message);
    if (want === null) assert.equal(got, null, message);
    else assert.deepEqual(Object.entries(JSON.parse(got!) as object), Object.entries(want), message);
  }
  // Key order is the order of first appearance, as a JSON object's.
  assert.equal(pairsText('b=1 a=2 b=3'), '{"b":"3","a":"2"}');
});

test('pairsText agrees with the first, token-at-a-time implementation on random messages', () => {
  const r = mulberry32(7);
  const pieces = ['a', 'b', 'key', 'x.y', '_k', '1a', '-a', '=', '=', '=', '"', '\\', '\\"', '\\\\', ' ', ' ', '\t', 'v', '42', 'é', '/', '?', ':', 'req-1'];
  for (let i = 0; i < 50_000; i++) {
    let m = '';
    const len = 1 + Math.floor(r() * 16);
    for (let j = 0; j < len; j++) m += pieces[Math.floor(r() * pieces.length)];
    assert.equal(pairsText(m), referencePairsText(m), JSON.stringify(m));
  }
});

test('pairsEqual(message, attrs) is pairsText(message) === attrs, for random messages (quotes, escapes, repeats, tabs, non-ASCII) and attrs that match, nearly match or do not', () => {
  const r = mulberry32(99);
  const pieces = ['a', 'b', 'key', 'x.y', '_k', '1a', '=', '=', '"', '\\', '\\"', ' ', ' ', '\t', 'v', '42', 'é', '🙂', '\u0001', ',', '{', '}', ':', 'req-1'];
  let same = 0;
  for (let i = 0; i < 20_000; i++) {
    let m = '';
    const len = 1 + Math.floor(r() * 14);
    for (let j = 0; j < len; j++) m += pieces[Math.floor(r() * pieces.length)];
    const exact = pairsText(m);
    const k = r();
    let attrs: string;
    if (exact !== null && k < 0.5) attrs = exact;
    else if (exact !== null && k < 0.8) {
      const at = Math.floor(r() * exact.length);
      attrs = exact.slice(0, at) + (r() < 0.5 ? '' : 'x') + exact.slice(at + 1);
    } else attrs = JSON.stringify({ [m.slice(0, 3)]: m.slice(3) });
    const want = exact === attrs;
    if (want) same++;
    assert.equal(pairsEqual(m, attrs), want, `${JSON.stringify(m)} vs ${attrs}`);
  }
  assert.ok(same > 400, `enough matching cases: ${same}`);
});

test("pairsText gives exactly the parser's attrs for nearly every generated plain and every logfmt line (the mark is what they store)", () => {
  for (const format of ['plain', 'logfmt'] as const) {
    const f = new LineFactory({ format, seed: 11, stackTraces: false });
    let withAttrs = 0;
    let same = 0;
    for (let i = 0; i < 5000; i++) {
      const line = f.record(1_796_000_000_000 + i).replace(/\n$/, '');
      const p = parseLine(line);
      if (!p.attrs || p.message !== line) continue;
      withAttrs++;
      if (pairsText(line) === JSON.stringify(p.attrs)) same++;
    }
    assert.ok(withAttrs > 4000, `${format}: ${withAttrs} lines with fields`);
    assert.ok(same / withAttrs > (format === 'logfmt' ? 0.999 : 0.98), `${format}: ${same} of ${withAttrs} the same`);
  }
});

const rec = (p: Partial<NormalizedRecord>): NormalizedRecord => ({ ts: 1_796_000_000_000, level: 'info', source: 'api', host: 'h', message: '', attrs: null, stream: null, offset: null, ...p });

test('rows keep exactly their attrs through blocks, marked or not; a field filter finds values kept only as a mark', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-pairs-'));
  try {
    const store = new SqliteStore(join(dir, 's.db'), { blockRows: 8, compactIntervalMs: 0 });
    const recs: NormalizedRecord[] = [];
    for (let i = 0; i < 40; i++) {
      const message = `charged invoice ${i} request_id=req-${i} user=u${i % 3} seq=${i}`;
      const variants = [pairsText(message), null, JSON.stringify({ request_id: `req-${i}`, seq: i }), '{"seq":"1","request_id":"x"}', pairsText(message)];
      recs.push(rec({ ts: 1_796_000_000_000 + i, message, attrs: variants[i % variants.length] }));
    }
    const stored = (await store.insert(recs)).records;
    store.compact(true);
    store.dropBlockCache();
    const back = await store.query({ order: 'asc', limit: 100 });
    assert.deepEqual(back.map((r) => [r.message, r.attrs]), stored.map((r) => [r.message, r.attrs]));
    for (const r of stored) {
      store.dropBlockCache();
      assert.deepEqual((await store.get(r.id))?.attrs, r.attrs, `get ${r.id}`);
    }
    // req-10 is kept as a mark (10 % 5 === 0), req-11 not at all (its attrs are null).
    store.dropBlockCache();
    const eq = async (value: string) => (await store.query({ fields: [{ path: 'request_id', op: 'eq', value }], limit: 100, order: 'asc' })).map((r) => r.message);
    assert.deepEqual(await eq('req-10'), [recs[10].message]);
    assert.deepEqual(await eq('req-11'), []);
    store.dropBlockCache();
    const u1 = stored.filter((r) => r.attrs?.user === 'u1');
    assert.equal(u1.length, 5);
    assert.deepEqual((await store.query({ fields: [{ path: 'user', op: 'eq', value: 'u1' }], limit: 100, order: 'asc' })).map((r) => r.id), u1.map((r) => r.id));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a schema-5 file opens as schema 6 (nothing rewritten), and an older logpipe would refuse it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-pairs-'));
  try {
    const file = join(dir, 's.db');
    let store = new SqliteStore(file, { blockRows: 8, compactIntervalMs: 0 });
    await store.insert([rec({ message: 'old line a=1', attrs: null })]);
    await store.close();
    const db = new Database(file);
    db.pragma('user_version = 5');
    db.close();
    store = new SqliteStore(file, { blockRows: 8, compactIntervalMs: 0 });
    assert.equal(store.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, 6);
    assert.deepEqual((await store.query({ limit: 10, order: 'asc' })).map((r) => [r.message, r.attrs]), [['old line a=1', null]]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The first implementation (a token at a time), kept as the reference pairsText must agree with. */
function referencePairsText(message: string): string | null {
  // Cheap exit: most messages without an '=' have no pairs.
  if (message.indexOf('=') < 0) return null;
  const keys: string[] = [];
  const values = new Map<string, string>();
  const n = message.length;
  let p = 0;
  while (p < n) {
    let c = message.charCodeAt(p);
    if (c === 32 || c === 9) {
      p++;
      continue;
    }
    // A token starts at p: a key?
    const start = p;
    if (refKeyStart(c)) {
      p++;
      while (p < n && refKeyChar((c = message.charCodeAt(p)))) p++;
      if (p < n && message.charCodeAt(p) === 61) {
        const key = message.slice(start, p);
        p++;
        let value: string;
        if (p < n && message.charCodeAt(p) === 34) {
          p++;
          let out = '';
          let from = p;
          for (; p < n; p++) {
            c = message.charCodeAt(p);
            if (c === 92 && p + 1 < n && (message.charCodeAt(p + 1) === 34 || message.charCodeAt(p + 1) === 92)) {
              out += message.slice(from, p);
              from = ++p;
            } else if (c === 34) break;
          }
          value = out + message.slice(from, p);
          if (p < n) p++; // the closing quote
          // A pair ends at a space, a tab or the end; `a="x"y` is not logfmt.
          if (p < n && message.charCodeAt(p) !== 32 && message.charCodeAt(p) !== 9) {
            p = refSkipToken(message, p);
            continue;
          }
        } else {
          const from = p;
          p = refSkipToken(message, p);
          value = message.slice(from, p);
        }
        if (!values.has(key)) keys.push(key);
        values.set(key, value);
        continue;
      }
    }
    p = refSkipToken(message, p);
  }
  if (!keys.length) return null;
  let text = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i) text += ',';
    text += `${JSON.stringify(keys[i])}:${JSON.stringify(values.get(keys[i]))}`;
  }
  return `${text}}`;
}

function refSkipToken(s: string, p: number): number {
  while (p < s.length && s.charCodeAt(p) !== 32 && s.charCodeAt(p) !== 9) p++;
  return p;
}
const refKeyStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const refKeyChar = (c: number) => refKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45;
