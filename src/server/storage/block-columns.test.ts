// Format v2 blocks (block.ts, block-columns.ts, block-filter.ts) against the one definition of
// field filters (shared/fields.ts matchesFields) and the row predicate (row-filter.ts): random
// records and filters, the awkward attrs by name, and v1 payloads written the old way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFields, type FieldFilter } from '../../shared/fields.js';
import { mulberry32 } from '../../shared/random.js';
import { LEVELS } from '../../shared/levels.js';
import { isAscii } from '../../shared/search.js';
import { buildColumns } from './block-columns.js';
import { compileBlockFilter } from './block-filter.js';
import { Codec, DecodedBlock, decodeBlock, encodeBlock, payloadBytes } from './block.js';
import { compileRowFilter } from './row-filter.js';
import type { Row } from './row.js';
import type { LogFilter } from './store.js';
import { encodePayloadV1, encodePayloadV2 } from '../../../test/helpers/block-v1.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

/**
 * Messages of the random rows: escapes, non-ASCII, and the characters whose lower case or NFKD
 * folding gives ASCII letters (İ lowers to "i̇", the Kelvin sign to "k", full-width letters fold
 * to ASCII tokens): a scan of the messages section must not rule these out.
 */
const MESSAGES = ['disk full', 'timeout on connect', 'retry alpha', 'Élan vital', 'a "quoted" \\ line', 'two\nlines timeout', 'sep\u2028arated disk', 'SİGNAL lost', '300 \u212aelvin', 'ｔｉｍｅｏｕｔ wide', 'Disk QUOTA'];

/** Attrs texts that exercise every column path: written as JSON text so spellings survive. */
const AWKWARD = [
  null,
  '{}',
  '{"http":{"status":503}}',
  '{"http":{"status":"503"}}',
  '{"http.status":503}',
  '{"http.status":503,"http":{"status":404}}',
  '{"http":{"status":[503,404]}}',
  '{"http":{"status":[503]}}',
  '{"http":[{"status":200},{"status":503}]}',
  '{"http":{"status":null}}',
  '{"http":{"status":5.0e2}}',
  '{"http":{"status":"5.0e2"}}',
  '{"http":{"status":"0503"}}',
  '{"http":{"status":" 503"}}',
  '{"http":{"status":-0}}',
  '{"http":{"status":1e999}}',
  '{"http":{"status":{"code":503}}}',
  '{"http":{"status":true}}',
  '{"http":{"status":"true"}}',
  '{"http":{"status":""}}',
  '{"http":"down"}',
  '{"":{"http":{"status":503}}}',
  '{"a":{"":1}}',
  '{"":7}',
  '[{"http":{"status":503}},{"user":"bob"}]',
  '{"user":"alice","n":1.5}',
  '{"user":["alice","bob"]}',
  '{"n":"12"}',
  '{"n":-3}',
  '{"n":12,"user":"élan"}',
  '{"__proto__":{"x":1}}',
  '{"user":"two\\nlines\u2028"}',
  '{"id":"req\\u002d7"}',
];

const PATHS = ['http.status', 'http', '.http.status', '.http', 'status', 'user', 'n', 'a.', '', '__proto__.x', 'missing', 'id', 'http.status.code'];
const VALUES = ['503', '5.0e2', '500', '0503', '404', '200', 'true', '', 'alice', 'bob', '12', '-3', '0', '-0', '1.5', 'down', '50', ' 503', 'é'];

/** The columns of rows, from their attrs texts parsed (as encodeBlock does). */
function columnsOf(rows: Row[]) {
  return buildColumns(rows.map((x) => (x.attrs === null ? null : JSON.parse(x.attrs))));
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function randomFilter(r: () => number): FieldFilter {
  const path = pick(r, PATHS);
  const negate = r() < 0.3 ? true : undefined;
  const op = pick(r, ['eq', 'prefix', 'exists', 'range'] as const);
  const f: FieldFilter =
    op === 'exists' ? { path, op }
    : op === 'range' ? { path, op, ...(r() < 0.5 ? { gte: pick(r, [-5, 0, 12, 404, 500, 503]) } : { gt: pick(r, [-5, 1, 499]) }), ...(r() < 0.5 ? { lt: pick(r, [13, 500, 503.5, 1000]) } : {}) }
    : { path, op, value: op === 'prefix' ? pick(r, VALUES).slice(0, 1 + Math.floor(r() * 2)) : pick(r, VALUES) };
  if (negate) f.negate = true;
  return f;
}

/** The awkward attrs whose values at http.status and n are numbers, arrays of numbers or objects: numeric columns with multi and opaque rows. */
const NUMERIC_AWKWARD = AWKWARD.filter((a) => a === null || !/"(status|n)":(\[?"|true|1e999)/.test(a));

/**
 * Random rows: the awkward attrs, and regular ones with a high-cardinality id (a skipped
 * column). With `numeric`, http.status and n hold numbers only (numeric columns).
 */
function randomRows(r: () => number, n: number, first: number, numeric = false): Row[] {
  const rows: Row[] = [];
  const awkward = numeric ? NUMERIC_AWKWARD : AWKWARD;
  for (let k = 0; k < n; k++) {
    const pickAwkward = r() < (numeric ? 0.1 : 0.4);
    const num = Math.floor(r() * 20);
    const attrs = pickAwkward
      ? pick(r, awkward)
      : JSON.stringify({ http: { status: pick(r, [200, 404, 503]) }, id: `req-${Math.floor(r() * 100000)}`, user: pick(r, ['alice', 'bob', 'carol']), n: numeric || r() < 0.5 ? num : `${num}` });
    rows.push({ id: first + k, ts: T0 + Math.floor(k / 3) * 10, level: Math.floor(r() * LEVELS.length), source: 'api', host: pick(r, ['h1', 'h2']), message: pick(r, MESSAGES), attrs });
  }
  return rows;
}

function selectWith(rows: Row[], payload: Buffer, f: LogFilter, codec: number = Codec.zstd): Row[] {
  const b = new DecodedBlock('api', rows[0].id, rows[0].ts, payloadBytes(payload, codec));
  return compileBlockFilter(f)(b).map((k) => b.row(k));
}

/** The same from the stored payload as the store reads it (a v3 block decompresses its frames as read). */
function selectOpened(rows: Row[], payload: Buffer, f: LogFilter, codec: number = Codec.zstd): Row[] {
  const b = DecodedBlock.open('api', rows[0].id, rows[0].ts, payload, codec);
  return compileBlockFilter(f)(b).map((k) => b.row(k));
}

/** Payloads of the same rows in every format a store may hold: v1 (brotli), v2 (brotli as tests write it, and zstd as schema 4 did), v3. */
function everyFormat(rows: Row[]): [string, Buffer, number][] {
  const v3 = encodeBlock(rows).payload;
  return [
    ['v1', encodePayloadV1(rows), Codec.brotli],
    ['v2 brotli', encodeBlock(rows, Codec.brotli).payload, Codec.brotli],
    ['v2 zstd', encodePayloadV2(v3), Codec.zstd],
    ['v3', v3, Codec.zstd],
  ];
}

test('property: a block in every format (v1, v2, v3; decompressed whole or frame by frame) selects exactly the rows brute-force matchesFields accepts, in block order (every op, negate, fallback rows)', () => {
  let numericColumns = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const r = mulberry32(seed);
    // Every third block has ASCII messages only: a scan then judges its search tokens too and
    // narrows the rows to those whose line holds a hit (DecodedBlock.linesMatching).
    const ascii = seed % 3 === 0;
    const rows = randomRows(r, 50 + Math.floor(r() * 400), 1000 * seed, seed % 2 === 0).map((x) => (ascii && !isAscii(x.message) ? { ...x, message: `plain ${x.id} Timeout` } : x));
    const { cols } = columnsOf(rows);
    if (cols['http.status']?.k === 'n' && cols.n?.k === 'n') numericColumns++;
    const formats = everyFormat(rows);
    for (let q = 0; q < 40; q++) {
      const fields: FieldFilter[] = [];
      const nf = 1 + Math.floor(r() * 3);
      for (let i = 0; i < nf; i++) fields.push(randomFilter(r));
      const f: LogFilter = { fields };
      if (r() < 0.2) f.levels = [pick(r, LEVELS)];
      if (r() < 0.2) f.host = pick(r, ['h1', 'h2', 'h9']);
      if (r() < 0.3) f.q = pick(r, ['timeout', 'disk', 'élan', '"quoted"', 'retr*', 'signal', 'kelvin', 'quota']);
      // `contains` is a hint (store.ts): a block may keep rows without the text, never drop a row with it.
      if (r() < 0.3) f.contains = [pick(r, ['signal', 'kelvin', 'isk', 'time', 'i', 'out on', 'zzz'])];
      const want = rows.filter((x) => matchesFields(x.attrs === null ? null : JSON.parse(x.attrs), fields) && compileRowFilter({ ...f, fields: undefined })(x));
      const holds = (x: Row) => (f.contains ?? []).every((c) => x.message.toLowerCase().includes(c));
      const ctx = `seed ${seed} filter ${JSON.stringify(f)}`;
      for (const [name, payload, codec] of formats) {
        for (const [how, select] of [['whole', selectWith], ['opened', selectOpened]] as const) {
          const got = select(rows, payload, f, codec);
          assert.deepEqual(got.filter(holds), want.filter(holds), `${name} ${how}, ${ctx}`);
          assert.ok(got.every((x) => want.includes(x) || want.some((w) => w.id === x.id)), `${name} ${how} selects only rows of the filter without contains, ${ctx}`);
        }
      }
    }
  }
  assert.ok(numericColumns >= 15, `numeric columns in ${numericColumns} of 40 blocks`);
});

test('every op and negate on the awkward attrs, one row each, equals matchesFields (columns, multi rows, irregular rows, skipped columns)', () => {
  const rows: Row[] = AWKWARD.map((attrs, k) => ({ id: k + 1, ts: T0 + k, level: 2, source: 'api', host: 'h1', message: `m${k}`, attrs }));
  // Enough distinct ids to make "id" a skipped column, beside the awkward rows.
  for (let k = 0; k < 200; k++) rows.push({ id: 1000 + k, ts: T0 + 1000 + k, level: 2, source: 'api', host: 'h1', message: 'x', attrs: JSON.stringify({ id: `req-${k}`, http: { status: 200 } }) });
  const { cols, irregular } = columnsOf(rows);
  assert.equal(cols['http.status']?.k, 'd', 'mixed numbers and strings make a dictionary');
  assert.equal(cols.n?.k, 'd');
  assert.equal(cols.id?.k, 's', 'a high-cardinality text gets no column');
  assert.deepEqual(irregular, [AWKWARD.indexOf('{"":{"http":{"status":503}}}')], 'an empty key above an object makes the row irregular');
  const payload = encodeBlock(rows).payload;
  const filters: FieldFilter[] = [];
  for (const path of [...PATHS, 'id']) {
    filters.push({ path, op: 'exists' });
    for (const value of [...VALUES, 'req-7']) filters.push({ path, op: 'eq', value }, { path, op: 'prefix', value });
    for (const b of [{ gte: 500 }, { gt: 500 }, { lte: 503 }, { gte: -0, lt: 1 }, { gt: -4, lt: 13 }, { gte: 1.5, lte: 1.5 }]) filters.push({ path, op: 'range', ...b });
  }
  for (const ff of filters) {
    for (const negate of [false, true]) {
      const f = negate ? { ...ff, negate } : ff;
      const want = rows.filter((x) => matchesFields(x.attrs === null ? null : JSON.parse(x.attrs), [f]));
      assert.deepEqual(selectWith(rows, payload, { fields: [f] }).map((x) => x.attrs), want.map((x) => x.attrs), JSON.stringify(f));
    }
  }
});

test('numbers: a numeric column matches eq only by the canonical spelling (5.0e2 and 500), strings that look like numbers by their text', () => {
  const rows: Row[] = ['{"s":500}', '{"s":5.0e2}', '{"s":"5.0e2"}', '{"s":"500"}', '{"s":-0}', '{"s":0}'].map((attrs, k) => ({ id: k + 1, ts: T0, level: 2, source: 'api', host: 'h', message: '', attrs }));
  const numeric = rows.filter((x) => !x.attrs!.includes('"5') && !x.attrs!.includes('"500'));
  const onlyNumbers = encodeBlock(numeric).payload;
  assert.equal(columnsOf(numeric).cols.s.k, 'n');
  const ids = (f: FieldFilter, rs: Row[], p: Buffer) => selectWith(rs, p, { fields: [f] }).map((x) => x.id);
  assert.deepEqual(ids({ path: 's', op: 'eq', value: '500' }, numeric, onlyNumbers), [1, 2]);
  assert.deepEqual(ids({ path: 's', op: 'eq', value: '5.0e2' }, numeric, onlyNumbers), []);
  assert.deepEqual(ids({ path: 's', op: 'eq', value: '0' }, numeric, onlyNumbers), [5, 6]);
  assert.deepEqual(ids({ path: 's', op: 'eq', value: '-0' }, numeric, onlyNumbers), []);
  assert.deepEqual(ids({ path: 's', op: 'prefix', value: '5' }, numeric, onlyNumbers), [1, 2]);
  const all = encodeBlock(rows).payload;
  assert.deepEqual(ids({ path: 's', op: 'eq', value: '5.0e2' }, rows, all), [3]);
  assert.deepEqual(ids({ path: 's', op: 'eq', value: '500' }, rows, all), [1, 2, 4]);
  assert.deepEqual(ids({ path: 's', op: 'range', gte: 500, lte: 500 }, rows, all), [1, 2, 3, 4]);
});

test('a v1 payload (one JSON document) still decodes to the same rows, and a v2 one round-trips', () => {
  const rows = randomRows(mulberry32(7), 300, 500);
  // v1 payloads were brotli (schema 3); v2 ones are written with the current codec.
  assert.equal(payloadBytes(encodePayloadV1(rows), Codec.brotli)[0], 0x7b);
  assert.deepEqual(decodeBlock('api', 500, rows[0].ts, encodePayloadV1(rows), Codec.brotli), rows);
  for (const [name, payload, codec] of everyFormat(rows)) {
    assert.equal(payloadBytes(payload, codec)[0], { v1: 0x7b, 'v2 brotli': 0x02, 'v2 zstd': 0x02, v3: 0x03 }[name], name);
    assert.deepEqual(decodeBlock('api', rows[0].id, rows[0].ts, payload, codec), rows, name);
  }
});

test('a v3 payload is three zstd frames: a search that finds nothing decompresses only the messages, a field filter decided by its column no text', () => {
  // ASCII messages: a search token judges an ASCII section only (row-filter.ts compileMessageScan).
  const rows = randomRows(mulberry32(5), 400, 1, true).map((x, k) => ({ ...x, message: `line ${k} disk full` }));
  const enc = encodeBlock(rows);
  assert.equal(enc.payload[0], 0x03, 'zstd blocks are written as v3');
  // A block's cost grows by a section's bytes when that section is first decompressed.
  const messagesBytes = Buffer.byteLength(`[\n${rows.map((x) => JSON.stringify(x.message)).join(',\n')}\n]`);
  const opened = () => DecodedBlock.open('api', enc.idMin, enc.tsMin, enc.payload, enc.codec);
  const fresh = opened().cost;
  const a = opened();
  assert.deepEqual(compileBlockFilter({ q: 'zzzabsent' })(a), []);
  assert.equal(a.cost - fresh, messagesBytes, 'the messages section alone was decompressed (and no header parsed)');
  const b = opened();
  const hits = compileBlockFilter({ fields: [{ path: 'n', op: 'range', gte: 15 }] })(b);
  assert.deepEqual(hits.map((k) => b.ids[k]), rows.filter((x) => (JSON.parse(x.attrs ?? 'null') as { n?: unknown } | null)?.n !== undefined && matchesFields(JSON.parse(x.attrs!), [{ path: 'n', op: 'range', gte: 15 }])).map((x) => x.id));
  const before = b.cost;
  b.messagesText();
  assert.equal(b.cost - before, messagesBytes, 'the field filter had not decompressed the messages');
});

test('a field filter on a v2 block reads no message and no attrs when the columns decide, and builds only the selected rows', () => {
  const rows = randomRows(mulberry32(3), 500, 1).map((x) => ({ ...x, attrs: JSON.stringify({ http: { status: x.id % 100 === 0 ? 503 : 200 }, user: 'bob' }) }));
  const enc = encodeBlock(rows);
  const b = new DecodedBlock('api', enc.idMin, enc.tsMin, payloadBytes(enc.payload, enc.codec));
  const reads: string[] = [];
  for (const m of ['messagesText', 'messages', 'message', 'attrsOf', 'rows'] as const) {
    const orig = b[m].bind(b) as (...a: unknown[]) => unknown;
    (b as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (reads.push(m), orig(...a));
  }
  assert.deepEqual(compileBlockFilter({ fields: [{ path: 'http.status', op: 'eq', value: '404' }], q: 'timeout' })(b), []);
  assert.deepEqual(reads, [], 'no row left: the search read no message');
  const hits = compileBlockFilter({ fields: [{ path: 'http.status', op: 'eq', value: '503' }, { path: 'user', op: 'eq', value: 'bob' }] })(b);
  assert.deepEqual(hits.map((k) => b.ids[k]), rows.filter((x) => x.id % 100 === 0).map((x) => x.id));
  assert.deepEqual(reads, [], 'the columns decided: no attrs read');
  assert.deepEqual(b.row(hits[0]), rows.find((x) => x.id === b.ids[hits[0]]));
  assert.deepEqual(reads, ['message', 'attrsOf'], 'one row built from its own lines');
});

test('a v3 header keeps ids and timestamps past 2^31, ids out of order (late lines) and hours between rows', () => {
  const base = 5_000_000_000;
  const ts = [T0 - 7 * 3_600_000, T0 - 7 * 3_600_000, T0, T0 + 1, T0 + 90_000_000_000, T0 + 90_000_000_000];
  const ids = [base, base + 900_000, base + 3, base + 2_999_999_999, base + 1, base + 2];
  const rows: Row[] = ts.map((t, k) => ({ id: ids[k], ts: t, level: k % 6, source: 'api', host: `h${k % 3}`, message: `m${k}`, attrs: null }));
  const enc = encodeBlock(rows);
  assert.equal(enc.payload[0], 0x03);
  assert.deepEqual(decodeBlock('api', enc.idMin, enc.tsMin, enc.payload, enc.codec), rows);
  const b = DecodedBlock.open('api', enc.idMin, enc.tsMin, enc.payload, enc.codec);
  assert.deepEqual([b.ids, b.ts, b.levels, b.hostOf.map((h) => b.hosts[h])], [ids, ts, rows.map((x) => x.level), rows.map((x) => x.host)]);
});
