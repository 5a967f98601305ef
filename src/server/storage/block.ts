// Compressed blocks of log rows and the summaries that let a query skip them, dialect-free
// (the SQLite store keeps them in its `blocks` table; see sqlite/schema.ts for why blocks).
//
// A block holds the rows of one source, ordered by (ts, id), as one compressed JSON document
// of columns (ids and timestamps as deltas, levels, a host dictionary, messages and attrs
// text). Columns compress better than rows because like sits next to like, and JSON keeps the
// codec simple: V8 parses it faster than any hand-written binary reader in JS. A query
// decompresses only the blocks its summaries cannot rule out.
//
// Codec: zstd level 3 (zstd-napi, one reused context each way) since schema 4; brotli quality
// 5 before. Each block records its codec (blocks.codec, block_terms.codec), so blocks written
// with brotli still read, and retention's rewrite of a block writes zstd. Measured on the
// payload JSON of 1,000-line blocks (bench/codec.bench.ts, docs/benchmarks.md "Block codec:
// zstd"): brotli q5 compressed at ~25 MB/s of text (about 5 ms of CPU per block, 12-15% of
// Store.insert's CPU) and decompressed at 70-240 MB/s; zstd 1-3 compress 4-9x and decompress
// 3-7x faster, for payloads 8-19% larger. Level 1 against 3 depends on the lines: 1 was
// smaller on LineFactory's plain lines (0.218x against 0.228x of the text), 3 on the
// benchmarks' store data with JSON attrs and hex ids (0.256x against 0.271x; brotli 0.227x),
// the corpus closest to the 0.35x disk budget, for about 0.1 ms more per block. Levels 5-9
// come back towards brotli's size at 2-5x level 3's compression time.
//
// Summary (what a query checks before decompressing):
// - ts and id ranges, row count, a bit mask of the levels present, the source (a column);
// - the host when every row has the same one (else null, and hosts are in the bloom);
// - a Bloom filter (bloom.ts) of: every token of every message, as shared/search.ts
//   tokenizes (so a search word absent from the filter is absent from the block); every
//   field path present in attrs ("\u0002path"); every path=value of a scalar ("\u0001path=text",
//   text as shared/fields.ts fieldText writes it); every host ("\u0003host"); every row id
//   ("\u0004id", so get(id) opens only the block that holds it);
// - per field path, the min and max of its numeric values (fields.ts fieldNumber), for range
//   filters;
// - "terms": for the block's most frequent message tokens (at most TERM_TOKENS, each in at
//   least 1/TERM_SHARE of its rows), how many rows hold the token per (minute, level). A
//   histogram of a common word over whole minutes adds these up instead of decompressing every
//   block (a rare word is ruled out by the Bloom filter instead); kept apart from the payload
//   (compressed JSON, a few hundred bytes per block, with the block's codec).
// Field paths are the keys met on the way down from attrs joined by "." (arrays are
// transparent), which is exactly the set of paths fields.ts fieldValues can reach a value by
// (it tries every split of a dotted path into keys), so a path absent from the summary
// selects nothing in the block.
import { brotliCompressSync, brotliDecompressSync, constants as zc } from 'node:zlib';
import { Compressor, Decompressor } from 'zstd-napi';
import { LogpipeError } from '../../shared/errors.js';
import { fieldNumber, fieldText, type FieldFilter } from '../../shared/fields.js';
import { LEVEL_CODE } from '../../shared/levels.js';
import { tokenize } from '../../shared/search.js';
import { bloomHas, bloomProbe, buildBloom, type BloomProbe } from './bloom.js';
import { MINUTE_MS } from './buckets.js';
import type { Row } from './row.js';
import { planSearch } from './row-filter.js';
import type { LogFilter } from './store.js';

/**
 * How a block's payload and its terms are compressed; the number is stored beside them
 * (blocks.codec, block_terms.codec: schema 4). Blocks written before schema 4 are brotli.
 */
export const Codec = { brotli: 0, zstd: 1 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

/** The codec new blocks are written with (see the header comment for the measurements). */
export const BLOCK_CODEC: Codec = Codec.zstd;
/** zstd level of new blocks. */
export const ZSTD_LEVEL = 3;
/** Brotli quality blocks were written with before schema 4 (tests and benchmarks still write it). */
export const BROTLI_QUALITY = 5;

// One context each way, reused for every block: a zstd context holds its tables (a few
// hundred KB at level 3) and a scratch buffer, which per-block allocation would rebuild each
// time. JS calls them one at a time, so sharing them is safe.
let zstdIn: Compressor | undefined;
let zstdOut: Decompressor | undefined;

/** Compresses a block's JSON (payload or terms) with `codec`. */
function compress(json: Buffer, codec: Codec, mode: number): Buffer {
  if (codec === Codec.zstd) {
    if (!zstdIn) {
      zstdIn = new Compressor();
      zstdIn.setParameters({ compressionLevel: ZSTD_LEVEL });
    }
    return zstdIn.compress(json);
  }
  return brotliCompressSync(json, { params: { [zc.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zc.BROTLI_PARAM_SIZE_HINT]: json.length, [zc.BROTLI_PARAM_MODE]: mode } });
}

/** Decompresses what compress wrote; `codec` is the number stored beside it. */
export function decompress(buf: Uint8Array, codec: number): Buffer {
  if (codec === Codec.zstd) return (zstdOut ??= new Decompressor()).decompress(buf);
  if (codec === Codec.brotli) return brotliDecompressSync(buf);
  // Not a codec any logpipe that writes schema 4 knows: a damaged row (a newer codec would
  // come with a newer schema version, which openDatabase refuses).
  throw new LogpipeError('LP_ERR_STORE_CORRUPT', `Unknown block codec ${codec}: the database holds a block this logpipe cannot decompress.`);
}

/** What is stored beside a block's payload. */
export interface BlockSummary {
  source: string;
  tsMin: number;
  tsMax: number;
  idMin: number;
  idMax: number;
  n: number;
  /** Bit (1 << level code) for each level present. */
  levels: number;
  /** The host of every row, or null when they differ. */
  host: string | null;
  bloom: Uint8Array;
  /** JSON {path: [min, max]} of numeric field values, or null when there are none. */
  nums: string | null;
  /** Bytes of the rows' text (message + attrs + source + host), for the compression ratio. */
  rawBytes: number;
  /** The block's term counts (encodeTerms), or null when no token is frequent enough. */
  terms: Buffer | null;
}

/** Most tokens a block keeps per-minute counts of. */
export const TERM_TOKENS = 32;
/** A token's counts are kept when it is in at least 1/TERM_SHARE of the block's rows. */
export const TERM_SHARE = 16;

/**
 * Per-minute counts of a block's frequent tokens: `m0` is the first minute (ts / 60,000) and
 * each token maps to flat triples [minute - m0, level, rows], one per (minute, level) present.
 */
export interface BlockTerms {
  m0: number;
  t: Record<string, number[]>;
}

/** A block ready to store: its summary and compressed payload. */
export interface EncodedBlock extends BlockSummary {
  payload: Buffer;
  /** How payload and terms are compressed. */
  codec: Codec;
}

interface Payload {
  /** id of each row minus the previous row's (the first minus idMin): small numbers compress better */
  i: number[];
  /** ts of each row minus the previous row's (the first minus tsMin); rows are in ts order */
  t: number[];
  l: number[];
  /** host dictionary and per-row index into it */
  hs: string[];
  h: number[];
  m: string[];
  a: (string | null)[];
}

const P_FIELD = '\u0001';
const P_PATH = '\u0002';
const P_HOST = '\u0003';
const P_ID = '\u0004';

/** The bloom probe for "this block holds row `id`". */
export function idProbe(id: number): BloomProbe {
  return bloomProbe(P_ID + id);
}

/** Adds the summary entries of one attrs value reached by `path` (see the header comment). */
function summarizeValue(path: string, v: unknown, items: Set<string>, nums: Map<string, [number, number]>): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    for (const el of v) summarizeValue(path, el, items, nums);
    return;
  }
  items.add(P_PATH + path);
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) summarizeValue(`${path}.${k}`, x, items, nums);
    return;
  }
  const text = fieldText(v);
  if (text !== undefined) items.add(`${P_FIELD}${path}=${text}`);
  const n = fieldNumber(v);
  if (n !== undefined) {
    const mm = nums.get(path);
    if (mm) {
      if (n < mm[0]) mm[0] = n;
      if (n > mm[1]) mm[1] = n;
    } else nums.set(path, [n, n]);
  }
}

function summarizeAttrs(attrs: unknown, items: Set<string>, nums: Map<string, [number, number]>): void {
  if (Array.isArray(attrs)) {
    for (const el of attrs) summarizeAttrs(el, items, nums);
    return;
  }
  if (attrs === null || typeof attrs !== 'object') return;
  for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) summarizeValue(k, v, items, nums);
}

/** Sorts rows into block order (ts, then id). */
export function byTsId(a: Row, b: Row): number {
  return a.ts - b.ts || a.id - b.id;
}

/** Encodes rows of one source (already in (ts, id) order) into a block (`codec`: tests write brotli blocks as older versions did). */
export function encodeBlock(rows: Row[], codec: Codec = BLOCK_CODEC): EncodedBlock {
  const n = rows.length;
  if (!n) throw new Error('encodeBlock needs at least one row.');
  const source = rows[0].source;
  let tsMin = Infinity;
  let tsMax = -Infinity;
  let idMin = Infinity;
  let idMax = -Infinity;
  let levels = 0;
  let rawBytes = 0;
  const hostIndex = new Map<string, number>();
  const items = new Set<string>();
  const nums = new Map<string, [number, number]>();
  // Per message token: rows holding it (once per row) — its keys also go into the Bloom filter.
  const tokens = new Map<string, TokenStat>();
  // Each row's tokens as their stats (the terms' second pass then hashes no string).
  const rowStats: TokenStat[][] = new Array(n);
  let k = 0;
  for (const r of rows) {
    if (r.ts < tsMin) tsMin = r.ts;
    if (r.ts > tsMax) tsMax = r.ts;
    if (r.id < idMin) idMin = r.id;
    if (r.id > idMax) idMax = r.id;
    levels |= 1 << r.level;
    items.add(P_ID + r.id);
    if (!hostIndex.has(r.host)) hostIndex.set(r.host, hostIndex.size);
    rawBytes += r.message.length + (r.attrs?.length ?? 0) + r.source.length + r.host.length;
    const toks = tokenize(r.message);
    const stats: TokenStat[] = new Array(toks.length);
    for (let j = 0; j < toks.length; j++) {
      let st = tokens.get(toks[j]);
      if (st === undefined) tokens.set(toks[j], (st = { rows: 1, last: k, counts: null }));
      else if (st.last !== k) {
        st.rows++;
        st.last = k;
      }
      stats[j] = st;
    }
    rowStats[k] = stats;
    k++;
    if (r.attrs !== null) summarizeAttrs(JSON.parse(r.attrs), items, nums);
  }
  for (const h of hostIndex.keys()) items.add(P_HOST + h);
  for (const t of tokens.keys()) items.add(t);
  const p: Payload = { i: [], t: [], l: [], hs: [...hostIndex.keys()], h: [], m: [], a: [] };
  let prevId = idMin;
  let prevTs = tsMin;
  for (const r of rows) {
    p.i.push(r.id - prevId);
    p.t.push(r.ts - prevTs);
    prevId = r.id;
    prevTs = r.ts;
    p.l.push(r.level);
    p.h.push(hostIndex.get(r.host)!);
    p.m.push(r.message);
    p.a.push(r.attrs);
  }
  const json = Buffer.from(JSON.stringify(p));
  const payload = compress(json, codec, zc.BROTLI_MODE_TEXT);
  return {
    source,
    tsMin,
    tsMax,
    idMin,
    idMax,
    n,
    levels,
    host: hostIndex.size === 1 ? rows[0].host : null,
    bloom: buildBloom(items, items.size),
    nums: nums.size ? JSON.stringify(Object.fromEntries(nums)) : null,
    rawBytes,
    terms: encodeTerms(rows, rowStats, tokens, codec),
    payload,
    codec,
  };
}

interface TokenStat {
  /** Rows holding the token. */
  rows: number;
  /** The last row counted (a token repeated in a line counts the row once). */
  last: number;
  /** For kept tokens: (minute offset * 8 + level) -> rows; level codes are below 8. */
  counts: Map<number, number> | null;
}

/** The per-minute counts of the block's frequent tokens (see BlockTerms), compressed. */
function encodeTerms(rows: Row[], rowStats: TokenStat[][], tokens: Map<string, TokenStat>, codec: Codec): Buffer | null {
  const min = Math.max(2, Math.ceil(rows.length / TERM_SHARE));
  const top: [string, TokenStat][] = [];
  for (const e of tokens) if (e[1].rows >= min) top.push(e);
  if (!top.length) return null;
  top.sort((a, b) => b[1].rows - a[1].rows || (a[0] < b[0] ? -1 : 1));
  const counts = new Map<string, Map<number, number>>();
  for (const [t, st] of top.slice(0, TERM_TOKENS)) {
    st.counts = new Map();
    st.last = -1;
    counts.set(t, st.counts);
  }
  const m0 = Math.floor(rows[0].ts / MINUTE_MS);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const key = (Math.floor(r.ts / MINUTE_MS) - m0) * 8 + r.level;
    for (const st of rowStats[i]) {
      if (st.counts === null || st.last === i) continue;
      st.last = i;
      st.counts.set(key, (st.counts.get(key) ?? 0) + 1);
    }
  }
  const out: BlockTerms = { m0, t: {} };
  for (const [t, c] of counts) {
    const flat: number[] = [];
    for (const [key, nrows] of c) flat.push(Math.floor(key / 8), key % 8, nrows);
    out.t[t] = flat;
  }
  return compress(Buffer.from(JSON.stringify(out)), codec, zc.BROTLI_MODE_GENERIC);
}

/** Reads what encodeTerms wrote; `codec` is block_terms.codec. */
export function decodeTerms(buf: Uint8Array, codec: number): BlockTerms {
  return JSON.parse(decompress(buf, codec).toString()) as BlockTerms;
}

/** The rows of a block, in (ts, id) order; `codec` is blocks.codec. */
export function decodeBlock(source: string, idMin: number, tsMin: number, payload: Uint8Array, codec: number): Row[] {
  return parsePayload(source, idMin, tsMin, payloadText(payload, codec));
}

/** A block's payload decompressed: the JSON text of its columns (checked before it is parsed). */
export function payloadText(payload: Uint8Array, codec: number): string {
  return decompress(payload, codec).toString();
}

/** The rows of a block from its payload text (payloadText). */
export function parsePayload(source: string, idMin: number, tsMin: number, text: string): Row[] {
  const p = JSON.parse(text) as Payload;
  const out: Row[] = new Array(p.i.length);
  let id = idMin;
  let ts = tsMin;
  for (let k = 0; k < p.i.length; k++) {
    id += p.i[k];
    ts += p.t[k];
    out[k] = { id, ts, level: p.l[k], source, host: p.hs[p.h[k]], message: p.m[k], attrs: p.a[k] };
  }
  return out;
}

/** The level mask a filter's levels select (0 = no level filter). */
export function levelMask(f: LogFilter): number {
  let m = 0;
  for (const l of f.levels ?? []) m |= 1 << LEVEL_CODE[l];
  return m;
}

/** The summary fields a probe reads (the SQL has already applied time, level and source). */
export interface ProbeInput {
  host: string | null;
  bloom: Uint8Array;
  nums: string | null;
}

/**
 * Compiles the parts of a filter a block summary can rule out (host, search words, field
 * filters) into a check; undefined when no summary check applies. `false` means the block
 * certainly holds no matching row.
 */
export function compileBlockProbe(f: LogFilter): ((b: ProbeInput) => boolean) | undefined {
  const probes: BloomProbe[] = [];
  const host = f.host;
  const hostProbe = host !== undefined ? bloomProbe(P_HOST + host) : undefined;
  const search = planSearch(f.q);
  if (search) {
    for (const t of search.terms) {
      // The last token of a prefix term matches longer tokens: not a bloom question.
      const exact = t.prefix ? t.tokens.slice(0, -1) : t.tokens;
      for (const tok of exact) probes.push(bloomProbe(tok));
    }
  }
  const ranges: { path: string; f: Extract<FieldFilter, { op: 'range' }> }[] = [];
  for (const ff of f.fields ?? []) {
    if (ff.negate) continue;
    if (ff.op === 'eq') probes.push(bloomProbe(`${P_FIELD}${ff.path}=${ff.value}`));
    else probes.push(bloomProbe(P_PATH + ff.path));
    if (ff.op === 'range') ranges.push({ path: ff.path, f: ff });
  }
  if (!probes.length && !hostProbe && !ranges.length) return undefined;
  return (b) => {
    if (hostProbe) {
      if (b.host !== null) {
        if (b.host !== host) return false;
      } else if (!bloomHas(b.bloom, hostProbe)) return false;
    }
    for (const p of probes) if (!bloomHas(b.bloom, p)) return false;
    if (ranges.length) {
      const nums = b.nums === null ? {} : (JSON.parse(b.nums) as Record<string, [number, number]>);
      for (const { path, f: r } of ranges) {
        const mm = nums[path];
        if (!mm) return false;
        const [lo, hi] = mm;
        if (r.gt !== undefined && !(hi > r.gt)) return false;
        if (r.gte !== undefined && !(hi >= r.gte)) return false;
        if (r.lt !== undefined && !(lo < r.lt)) return false;
        if (r.lte !== undefined && !(lo <= r.lte)) return false;
      }
    }
    return true;
  };
}
