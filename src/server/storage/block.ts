// Compressed blocks of log rows and the summaries that let a query skip them, dialect-free
// (the SQLite store keeps them in its `blocks` table; see sqlite/schema.ts for why blocks).
//
// A block holds the rows of one source, ordered by (ts, id), as one compressed payload. A query
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
// The codec is applied in compressPayload/payloadBytes/DecodedBlock.open only; everything below
// is about the decompressed bytes, whose first byte tells the format:
// - v1 (`{`, still read, no longer written): one JSON document of columns — ids and timestamps
//   as deltas, levels, a host dictionary, messages and attrs texts. Every query parsed all of
//   it and built a Row per line, and a field filter parsed each row's attrs (~3.5 µs a row).
// - v2 (0x02, written since "Columnar blocks (format v2)" in docs/benchmarks.md): sections,
//   their byte lengths in an ASCII line after the mark (layoutV2). First a header JSON with v1's
//   numeric columns and host dictionary plus one column per attrs path (block-columns.ts:
//   numbers as a numeric array, low-cardinality texts as dictionary codes, varied texts such as
//   request ids skipped), then the messages (JSON array) and the attrs texts (JSON array).
//   A query parses the header, selects rows by levels, host, time and the field columns
//   (block-filter.ts), parses the messages only if a row is left and a search needs them, the
//   attrs only for rows a column cannot judge (several values for a path, irregular keys), and
//   builds Row objects only for the rows selected. Columns still compress well beside the
//   attrs text they repeat: like sits next to like.
// - v3 (0x03, written with zstd since schema 5; brotli blocks, which tests write, stay v2): v2's
//   three parts (mark, lengths, header and columns / messages / attrs texts) each in its own
//   zstd frame, stored one after another behind the lengths of the first two (encodePayload).
//   DecodedBlock.open decompresses a frame when a query first reads from it: a numeric range or
//   field equality decompresses the header frame (about a sixth of the bytes) and the text
//   frames only of blocks with a selected row; a search decompresses the messages frame and
//   looks for its words or substring in the bytes (row-filter.ts compileMessageScan) before the
//   header is even parsed. The header's per-row arrays are varints, not JSON (headerV3). On the
//   disk benchmark's corpora this took less disk than v2 (0.297x against 0.307x of the text
//   generated, 0.139x against 0.141x Loghub), on the store benchmarks' data 1% more
//   (docs/benchmarks.md "Payload format v3").
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
import { pairsEqual, pairsText } from './text-pairs.js';
import { LogpipeError } from '../../shared/errors.js';
import { fieldNumber, fieldText, type FieldFilter } from '../../shared/fields.js';
import { LEVEL_CODE } from '../../shared/levels.js';
import { addToBloom, bloomHas, bloomProbe, BloomItems, emptyBloom, hashAfter, hashPrefix, itemHashes, type BloomProbe, type HashState } from './bloom.js';
import { BlockTokens } from './block-tokens.js';
import { buildColumns, type Column } from './block-columns.js';
import { MINUTE_MS } from './buckets.js';
import type { Row } from './row.js';
import { planSearch, type MessageScan, type ScanResult } from './row-filter.js';
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

/** Format v1 (still read): one JSON document of columns; its decompressed text starts with `{`. */
interface PayloadV1 {
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

/** Format v2's (and v3's) header section: v1's numeric columns and host dictionary, and where each field column is. */
interface HeaderV2 {
  i: number[];
  t: number[];
  l: number[];
  hs: string[];
  h: number[];
  /** Per path: the byte range [start, end) of its column's JSON in the columns section (block-columns.ts). */
  f: Record<string, [number, number]>;
  /** Irregular rows (block-columns.ts), when there are any. */
  x?: number[];
}

/** Rows wanted (or messages to test) from a block beyond 1/ROWS_WHOLE of it are read from whole parsed sections. */
export const ROWS_WHOLE = 8;

/** First byte of a format v2 payload (decompressed); v1's is `{`. */
const V2_MARK = 0x02;
/** First byte of a format v3 payload, both as stored and decompressed (see encodePayload). */
const V3_MARK = 0x03;
/**
 * In the attrs section (schema 6 on), in place of a row's attrs text: "the key=value pairs of
 * the message" (text-pairs.ts), written when they are exactly the attrs text. A JSON number,
 * which no earlier block holds there (strings and null only).
 */
const DERIVED = 0;
const DERIVED_LINE = '0';
/** An empty v3 first section: what open() starts a block from before its frames are read. */
const EMPTY_V3 = Buffer.from('\u00030,0,0,0\n', 'latin1');

const P_FIELD = '\u0001';
const P_PATH = '\u0002';
const P_HOST = '\u0003';
const P_ID = '\u0004';

/** The bloom probe for "this block holds row `id`". */
export function idProbe(id: number): BloomProbe {
  return bloomProbe(P_ID + id);
}

/**
 * Field items of a block's Bloom filter, as hashes (bloom.ts BloomItems), and per field path
 * hash2's state after "\u0001path=": each value then hashes only its own text, with no
 * "\u0001path=value" string made per row.
 */
interface FieldItems {
  items: BloomItems;
  paths: Map<string, HashState>;
}

/** Adds the summary entries of one attrs value reached by `path` (see the header comment). */
function summarizeValue(path: string, v: unknown, f: FieldItems, nums: Map<string, [number, number]>): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    for (const el of v) summarizeValue(path, el, f, nums);
    return;
  }
  let st = f.paths.get(path);
  if (st === undefined) {
    f.paths.set(path, (st = hashPrefix(`${P_FIELD}${path}=`)));
    f.items.addText(P_PATH + path);
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) summarizeValue(`${path}.${k}`, x, f, nums);
    return;
  }
  const text = fieldText(v);
  if (text !== undefined) {
    const [h1, h2] = hashAfter(st, text);
    f.items.add(h1, h2);
  }
  const n = fieldNumber(v);
  if (n !== undefined) {
    const mm = nums.get(path);
    if (mm) {
      if (n < mm[0]) mm[0] = n;
      if (n > mm[1]) mm[1] = n;
    } else nums.set(path, [n, n]);
  }
}

function summarizeAttrs(attrs: unknown, f: FieldItems, nums: Map<string, [number, number]>): void {
  if (Array.isArray(attrs)) {
    for (const el of attrs) summarizeAttrs(el, f, nums);
    return;
  }
  if (attrs === null || typeof attrs !== 'object') return;
  for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) summarizeValue(k, v, f, nums);
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
  // Bloom items other than message tokens and row ids: field paths and values, hosts.
  const fields: FieldItems = { items: new BloomItems(), paths: new Map() };
  const nums = new Map<string, [number, number]>();
  // Message tokens: each distinct one with the rows holding it, and its Bloom hashes.
  const tokens = new BlockTokens(n);
  // Each row's attrs parsed once, for the summary and the columns (null: no attrs).
  const parsed: unknown[] = new Array(n).fill(null);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    if (r.ts < tsMin) tsMin = r.ts;
    if (r.ts > tsMax) tsMax = r.ts;
    if (r.id < idMin) idMin = r.id;
    if (r.id > idMax) idMax = r.id;
    levels |= 1 << r.level;
    if (!hostIndex.has(r.host)) hostIndex.set(r.host, hostIndex.size);
    rawBytes += r.message.length + (r.attrs?.length ?? 0) + r.source.length + r.host.length;
    tokens.add(k, r.message);
    if (r.attrs !== null) {
      const a: unknown = JSON.parse(r.attrs);
      parsed[k] = a;
      summarizeAttrs(a, fields, nums);
    }
  }
  for (const h of hostIndex.keys()) fields.items.addText(P_HOST + h);
  const ids: number[] = new Array(n);
  const tss: number[] = new Array(n);
  const lv: number[] = new Array(n);
  const hi: number[] = new Array(n);
  const ms: string[] = new Array(n);
  const as: (string | null | typeof DERIVED)[] = new Array(n);
  let prevId = idMin;
  let prevTs = tsMin;
  for (let j = 0; j < n; j++) {
    const r = rows[j];
    ids[j] = r.id - prevId;
    tss[j] = r.ts - prevTs;
    prevId = r.id;
    prevTs = r.ts;
    lv[j] = r.level;
    hi[j] = hostIndex.get(r.host)!;
    ms[j] = r.message;
    as[j] = r.attrs !== null && pairsEqual(r.message, r.attrs) ? DERIVED : r.attrs;
  }
  const { cols, irregular } = buildColumns(parsed);
  const at: Record<string, [number, number]> = {};
  const colTexts: Buffer[] = [];
  let off = 0;
  for (const [path, col] of Object.entries(cols)) {
    const b = Buffer.from(JSON.stringify(col));
    at[path] = [off, (off += b.length)];
    colTexts.push(b);
  }
  const header: HeaderV2 = { i: ids, t: tss, l: lv, hs: [...hostIndex.keys()], h: hi, f: at };
  if (irregular.length) header.x = irregular;
  const payload = encodePayload(header, Buffer.concat(colTexts), lines(ms), lines(as), codec);
  return {
    source,
    tsMin,
    tsMax,
    idMin,
    idMax,
    n,
    levels,
    host: hostIndex.size === 1 ? rows[0].host : null,
    bloom: blockBloom(rows, tokens, fields.items),
    nums: nums.size ? JSON.stringify(Object.fromEntries(nums)) : null,
    rawBytes,
    terms: encodeTerms(rows, tokens, codec),
    payload,
    codec,
  };
}

/**
 * The Bloom filter of a block: its message tokens (hashed by BlockTokens), every row id
 * ("\u0004id": ids are distinct, so no set is needed to count them) and the other items (field
 * paths and values, hosts: BloomItems, distinct by their hashes). The three kinds never share an
 * item (tokens are letters and digits; the others start with a control character), so the count
 * is their sum: the number of distinct items buildBloom would size the same filter for (unless
 * two field items had the same 64 bits of hash, see BloomItems).
 */
function blockBloom(rows: Row[], tokens: BlockTokens, items: BloomItems): Uint8Array {
  const out = emptyBloom(tokens.size + rows.length + items.size);
  for (let e = 0; e < tokens.size; e++) addToBloom(out, tokens.h1[e] >>> 0, tokens.h2[e] >>> 0);
  for (const r of rows) {
    const [h1, h2] = itemHashes(P_ID + r.id);
    addToBloom(out, h1, h2);
  }
  items.fill(out);
  return out;
}

/** The per-minute counts of the block's frequent tokens (see BlockTerms), compressed. */
function encodeTerms(rows: Row[], tokens: BlockTokens, codec: Codec): Buffer | null {
  const min = Math.max(2, Math.ceil(rows.length / TERM_SHARE));
  const top: [string, number][] = [];
  for (let e = 0; e < tokens.size; e++) if (tokens.rows[e] >= min) top.push([tokens.text(e), e]);
  if (!top.length) return null;
  top.sort((a, b) => tokens.rows[b[1]] - tokens.rows[a[1]] || (a[0] < b[0] ? -1 : 1));
  // For kept tokens: (minute offset * 8 + level) -> rows; level codes are below 8.
  const keptAt = new Int32Array(tokens.size).fill(-1);
  const counts: [string, Map<number, number>][] = [];
  for (const [t, e] of top.slice(0, TERM_TOKENS)) {
    keptAt[e] = counts.length;
    counts.push([t, new Map()]);
  }
  const m0 = Math.floor(rows[0].ts / MINUTE_MS);
  const rowTok = tokens.rowTokens;
  let j = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const key = (Math.floor(r.ts / MINUTE_MS) - m0) * 8 + r.level;
    // Each token is listed once per row.
    for (const end = tokens.rowEnd(i); j < end; j++) {
      const at = keptAt[rowTok[j]];
      if (at < 0) continue;
      const c = counts[at][1];
      c.set(key, (c.get(key) ?? 0) + 1);
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

/** Compresses a payload's bytes (the codec's one call site on the write side). */
export function compressPayload(bytes: Buffer, codec: Codec = BLOCK_CODEC): Buffer {
  return compress(bytes, codec, zc.BROTLI_MODE_TEXT);
}

/**
 * A block's payload decompressed whole (the codec's one call site on the read side): v1 JSON
 * text, v2 sections, or a v3 payload's three frames one after another (which is v2's layout
 * under the v3 mark).
 */
export function payloadBytes(payload: Uint8Array, codec: number): Buffer {
  const frames = v3Frames(payload, codec);
  if (!frames) return decompress(payload, codec);
  return Buffer.concat(frames.map((f) => decompress(f, codec)));
}

/**
 * Format v3 as stored: V3_MARK, then the byte lengths of the first two compressed frames (each
 * 4 bytes, little-endian), then three zstd frames: the first section (the mark, the lengths
 * line, header and columns), the messages, the attrs texts. A zstd frame starts with its magic
 * number (first byte 0x28), so the mark cannot be mistaken for a v1/v2 zstd payload. Brotli
 * payloads (tests write them as schema 3 did) stay v2: a brotli stream has no such magic.
 */
function encodePayload(header: HeaderV2, columns: Buffer, messages: string, attrs: string, codec: Codec): Buffer {
  if (codec !== Codec.zstd) return compressPayload(layoutV2(JSON.stringify(header), columns, messages, attrs), codec);
  const [f0, f1, f2] = sections(V3_MARK, headerV3(header), columns, messages, attrs).map((x) => compressPayload(x, codec));
  const top = Buffer.alloc(9);
  top[0] = V3_MARK;
  top.writeUInt32LE(f0.length, 1);
  top.writeUInt32LE(f1.length, 5);
  return Buffer.concat([top, f0, f1, f2]);
}

/** Whether a stored payload is format v3 (DecodedBlock.open then decompresses its frames one by one, as read). */
export function isV3Payload(payload: Uint8Array, codec: number): boolean {
  return codec === Codec.zstd && payload[0] === V3_MARK;
}

/** The three compressed frames of a stored v3 payload, or null for v1/v2 (one compressed stream). */
function v3Frames(payload: Uint8Array, codec: number): [Uint8Array, Uint8Array, Uint8Array] | null {
  if (!isV3Payload(payload, codec)) return null;
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const l0 = view.readUInt32LE(1);
  const l1 = view.readUInt32LE(5);
  if (9 + l0 + l1 > view.length) throw new LogpipeError('LP_ERR_STORE_CORRUPT', 'A block payload in format v3 is shorter than its frame lengths say: the database is damaged.');
  return [view.subarray(9, 9 + l0), view.subarray(9 + l0, 9 + l0 + l1), view.subarray(9 + l0 + l1)];
}

/**
 * Format v3's header: v2's header with its four per-row arrays as varints instead of JSON (a
 * JSON parse of them was the largest cost of a block a field filter reads). The JSON part
 * ({hs, f, x?, n}) comes first, then a newline, then per row the zigzag varints of the id and
 * timestamp deltas, then the levels and host codes as varints: n values each, in that order.
 */
function headerV3(h: HeaderV2): Buffer {
  const rest: Omit<HeaderV2, 'i' | 't' | 'l' | 'h'> & { n: number } = { hs: h.hs, f: h.f, n: h.i.length };
  if (h.x) rest.x = h.x;
  const json = Buffer.from(`${JSON.stringify(rest)}\n`);
  const out = Buffer.allocUnsafe(json.length + h.i.length * 2 * 8 + h.i.length * 2 * 3);
  json.copy(out);
  let at = json.length;
  const put = (v: number) => {
    // Unsigned base-128, low groups first; arithmetic rather than bit operations: ids and
    // timestamps pass 2^31.
    while (v >= 0x80) {
      out[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[at++] = v;
  };
  const zigzag = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1);
  for (const v of h.i) put(zigzag(v));
  for (const v of h.t) put(zigzag(v));
  for (const v of h.l) put(v);
  for (const v of h.h) put(v);
  return out.subarray(0, at);
}

/** Reads what headerV3 wrote (bytes [start, end) of a first section). */
function readHeaderV3(bytes: Buffer, start: number, end: number): HeaderV2 {
  const nl = bytes.indexOf(0x0a, start);
  const rest = JSON.parse(bytes.toString('utf8', start, nl)) as Omit<HeaderV2, 'i' | 't' | 'l' | 'h'> & { n: number };
  const n = rest.n;
  let at = nl + 1;
  const get = (): number => {
    let b = bytes[at++];
    if (b < 0x80) return b;
    let v = b & 0x7f;
    let scale = 0x80;
    do {
      b = bytes[at++];
      v += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    return v;
  };
  const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  const i: number[] = new Array(n);
  const t: number[] = new Array(n);
  const l: number[] = new Array(n);
  const h: number[] = new Array(n);
  for (let k = 0; k < n; k++) i[k] = unzigzag(get());
  for (let k = 0; k < n; k++) t[k] = unzigzag(get());
  for (let k = 0; k < n; k++) l[k] = get();
  for (let k = 0; k < n; k++) h[k] = get();
  if (at !== end) throw new LogpipeError('LP_ERR_STORE_CORRUPT', 'A block header in format v3 does not end where its length says: the database is damaged.');
  return { i, t, l, hs: rest.hs, h, f: rest.f, ...(rest.x ? { x: rest.x } : {}) };
}

/**
 * Format v2 bytes: the mark, the four sections' byte lengths in ASCII ("h,c,m,a\n"), then the
 * header JSON, the field columns (each one JSON text, located by the header), the messages and
 * the attrs texts (each a JSON array with one value a line: a JSON string never holds a raw
 * newline, so row k is found by counting newlines and parsed alone). A query parses the header always, a column
 * when it filters on its path, and the other sections (or single rows of them) when it needs them.
 * Written since schema 5 only with brotli (tests); zstd payloads are v3, the same sections in
 * three frames (encodePayload).
 */
export function layoutV2(header: string, columns: Buffer, messages: string, attrs: string): Buffer {
  return Buffer.concat(sections(V2_MARK, header, columns, messages, attrs));
}

/** The sections of a v2/v3 payload: the mark, the lengths line, header and columns; the messages; the attrs texts. */
function sections(mark: number, header: string | Buffer, columns: Buffer, messages: string, attrs: string): [Buffer, Buffer, Buffer] {
  const h = typeof header === 'string' ? Buffer.from(header) : header;
  const m = Buffer.from(messages);
  const a = Buffer.from(attrs);
  const lens = Buffer.from(`${h.length},${columns.length},${m.length},${a.length}\n`, 'latin1');
  return [Buffer.concat([Buffer.from([mark]), lens, h, columns]), m, a];
}

/**
 * A section of layoutV2: a JSON array with each value on its own line ("[", then one value and a
 * comma a line, the last without, then "]"), so the whole parses as it is and row k is line k + 1.
 */
function lines(values: readonly (string | number | null)[]): string {
  return `[\n${values.map((v) => JSON.stringify(v)).join(',\n')}\n]`;
}

/** The rows of a block, in (ts, id) order. */
export function decodeBlock(source: string, idMin: number, tsMin: number, payload: Uint8Array, codec: number): Row[] {
  return DecodedBlock.open(source, idMin, tsMin, payload, codec).rows();
}

/** Where a section's bytes are: decompressed into `bytes` at [start, end), or still a compressed frame. */
interface Section {
  bytes: Buffer | null;
  start: number;
  end: number;
  /** The section's own compressed frame (v3) until it is decompressed. */
  frame: Uint8Array | null;
}

/** A parsed header (v1's columns get no field ranges), ids and timestamps already added up. */
type Head = Required<HeaderV2>;

/**
 * A decompressed block as a query reads it: ids, timestamps, levels and hosts as arrays (the
 * header, parsed on first use); field columns (v2, v3; none for a v1 payload, whose field
 * filters parse attrs); messages, attrs and Row objects only when asked for, and then kept (the
 * store caches decoded blocks). A v3 payload (open) decompresses each of its three frames only
 * when a query first reads from it: a search that finds nothing in the messages decompresses
 * neither the header nor the attrs, a field filter decided by the columns no text.
 */
export class DecodedBlock {
  readonly source: string;
  /** Whether the block has field columns (v2, v3); a v1 block's field filters parse attrs. */
  readonly hasColumns: boolean;
  readonly #idMin: number;
  readonly #tsMin: number;
  #codec: number;
  #head: Head | null = null;
  /** v2/v3: the first section (mark, lengths, header JSON, columns), and where header and columns start in it. */
  #first: Section | null = null;
  #h0 = 0;
  #c0 = 0;
  #hl = 0;
  #m: Section | null = null;
  #a: Section | null = null;
  #cols = new Map<string, Column>();
  #messages: string[] | null = null;
  #attrs: (string | null)[] | null = null;
  /** Line starts of the values of the messages and attrs sections (#lineStarts). */
  #mLines: Int32Array | null = null;
  #aLines: Int32Array | null = null;
  /** Attrs derived from messages so far, by row (#derivedOf). */
  #derived: Map<number, string | null> | null = null;
  #rows: Row[] | null = null;
  #built: (Row | undefined)[] | null = null;
  /** Bytes held beyond the arrays of the header, roughly (the store's cache budget). */
  #extra = 0;

  /** A block from its payload decompressed whole (payloadBytes: v1, v2, or v3's sections one after another). */
  constructor(source: string, idMin: number, tsMin: number, bytes: Buffer) {
    this.source = source;
    this.#idMin = idMin;
    this.#tsMin = tsMin;
    this.#codec = BLOCK_CODEC;
    if (bytes[0] === V2_MARK || bytes[0] === V3_MARK) {
      this.hasColumns = true;
      const [hl, cl, ml, al] = this.#lengths(bytes);
      const m0 = this.#c0 + cl;
      this.#first = { bytes, start: 0, end: m0, frame: null };
      this.#m = { bytes, start: m0, end: m0 + ml, frame: null };
      this.#a = { bytes, start: m0 + ml, end: m0 + ml + al, frame: null };
      this.#hl = hl;
      this.#extra = bytes.length;
    } else {
      const v1 = JSON.parse(bytes.toString()) as PayloadV1;
      this.hasColumns = false;
      this.#setHead({ ...v1, f: {}, x: [] });
      this.#messages = v1.m;
      this.#attrs = v1.a;
      this.#extra = bytes.length * 2;
    }
  }

  /** A block from its stored payload: a v3 one keeps its frames compressed until they are read. */
  static open(source: string, idMin: number, tsMin: number, payload: Uint8Array, codec: number): DecodedBlock {
    const frames = v3Frames(payload, codec);
    if (!frames) return new DecodedBlock(source, idMin, tsMin, payloadBytes(payload, codec));
    const b = new DecodedBlock(source, idMin, tsMin, EMPTY_V3);
    b.#codec = codec;
    b.#first = { bytes: null, start: 0, end: 0, frame: frames[0] };
    b.#m = { bytes: null, start: 0, end: 0, frame: frames[1] };
    b.#a = { bytes: null, start: 0, end: 0, frame: frames[2] };
    b.#extra = payload.length;
    return b;
  }

  /** Reads the lengths line of a v2/v3 first section; sets where the header and columns start. */
  #lengths(bytes: Buffer): number[] {
    const nl = bytes.indexOf(0x0a);
    const lens = bytes.toString('latin1', 1, nl).split(',').map(Number);
    this.#h0 = nl + 1;
    this.#c0 = nl + 1 + lens[0];
    this.#hl = lens[0];
    return lens;
  }

  /** A section's bytes, decompressing its frame the first time. */
  #bytesOf(s: Section): Buffer {
    if (s.bytes === null) {
      s.bytes = decompress(s.frame!, this.#codec);
      s.frame = null;
      s.start = 0;
      s.end = s.bytes.length;
      this.#extra += s.bytes.length;
    }
    return s.bytes;
  }

  #firstBytes(): Buffer {
    const s = this.#first!;
    if (s.bytes === null) this.#lengths(this.#bytesOf(s));
    return s.bytes!;
  }

  #setHead(h: Omit<HeaderV2, 'f'> & { f?: HeaderV2['f'] }): Head {
    const n = h.i.length;
    let id = this.#idMin;
    let ts = this.#tsMin;
    for (let k = 0; k < n; k++) {
      id += h.i[k];
      ts += h.t[k];
      h.i[k] = id;
      h.t[k] = ts;
    }
    this.#head = { i: h.i, t: h.t, l: h.l, hs: h.hs, h: h.h, f: h.f ?? {}, x: h.x ?? [] };
    return this.#head;
  }

  #hd(): Head {
    if (this.#head !== null) return this.#head;
    const bytes = this.#firstBytes();
    const end = this.#h0 + this.#hl;
    return this.#setHead(bytes[0] === V3_MARK ? readHeaderV3(bytes, this.#h0, end) : (JSON.parse(bytes.toString('utf8', this.#h0, end)) as HeaderV2));
  }

  get n(): number {
    return this.#hd().i.length;
  }
  get ids(): number[] {
    return this.#hd().i;
  }
  get ts(): number[] {
    return this.#hd().t;
  }
  get levels(): number[] {
    return this.#hd().l;
  }
  get hosts(): string[] {
    return this.#hd().hs;
  }
  get hostOf(): number[] {
    return this.#hd().h;
  }
  /** Rows every field filter checks by their attrs (v2, v3; see block-columns.ts). */
  get irregular(): readonly number[] {
    return this.#hd().x;
  }

  /** Approximate bytes held (for the store's cache budget): grows as sections are read and parsed. */
  get cost(): number {
    return (this.#head?.i.length ?? 0) * 64 + this.#extra;
  }

  /** The column of a field path (v2, v3), parsed on first use; undefined when no row reaches the path. */
  column(path: string): Column | undefined {
    let col = this.#cols.get(path);
    if (col === undefined && this.#first !== null) {
      const at = this.#hd().f;
      if (!Object.hasOwn(at, path)) return undefined;
      const [a, b] = at[path];
      col = JSON.parse(this.#firstBytes().toString('utf8', this.#c0 + a, this.#c0 + b)) as Column;
      this.#cols.set(path, col);
      this.#extra += (b - a) * 2;
    }
    return col;
  }

  /** The messages section's text (v2, v3). */
  messagesText(): string {
    const m = this.#m!;
    return this.#bytesOf(m).toString('utf8', m.start, m.end);
  }

  /**
   * Whether the messages section (v2, v3) may hold a message `scan` accepts (row-filter.ts
   * MessageScan), judged on its bytes before anything is parsed: the header is not read.
   */
  messagesMayHold(scan: MessageScan): ScanResult {
    const m = this.#m!;
    return scan(this.#bytesOf(m), m.start, m.end);
  }

  /**
   * The rows (ascending) whose line of the messages section (v2, v3) holds a match of `re`, a
   * literal searched as messagesMayHold's scan does (one-byte text, ignoring ASCII case).
   */
  linesMatching(re: RegExp): number[] {
    const m = this.#m!;
    const bytes = this.#bytesOf(m);
    const starts = (this.#mLines ??= this.#lineStarts(m));
    const text = bytes.toString('latin1', m.start, m.end);
    const g = new RegExp(re.source, 'gi');
    const out: number[] = [];
    const n = this.n;
    let k = 0;
    for (let x = g.exec(text); x !== null; x = g.exec(text)) {
      const at = m.start + x.index;
      while (k < n && starts[k + 1] <= at) k++;
      if (k >= n) break;
      out.push(k);
      // On to the next line: one hit is enough for a row.
      g.lastIndex = starts[k + 1] - m.start;
    }
    return out;
  }

  /** Every message (the whole section parsed once). */
  messages(): string[] {
    if (this.#messages === null) {
      this.#messages = JSON.parse(this.messagesText()) as string[];
      this.#extra += (this.#m!.end - this.#m!.start) * 2;
    }
    return this.#messages;
  }

  /** Row k's message, parsed alone unless the whole section already is. */
  message(k: number): string {
    if (this.#messages !== null) return this.#messages[k];
    this.#mLines ??= this.#lineStarts(this.#m!);
    return JSON.parse(this.#line(this.#m!, this.#mLines, k)) as string;
  }

  /** Row k's attrs text, parsed alone unless the whole section already is. */
  attrsOf(k: number): string | null {
    if (this.#attrs !== null) return this.#attrs[k];
    const line = this.#attrsValue(k);
    return line === DERIVED_LINE ? this.#derivedOf(k) : (JSON.parse(line) as string | null);
  }

  /** Row k's attrs text as a JSON string (its line of the attrs section, v2, v3), for substring checks before it is parsed. */
  attrsLine(k: number): string {
    const line = this.#attrsValue(k);
    return line === DERIVED_LINE ? JSON.stringify(this.#derivedOf(k)) : line;
  }

  /** Row k's attrs read back from its message (a DERIVED mark), derived once: a field filter asks attrsLine, then attrsOf. */
  #derivedOf(k: number): string | null {
    this.#derived ??= new Map();
    let v = this.#derived.get(k);
    if (v === undefined) this.#derived.set(k, (v = pairsText(this.message(k))));
    return v;
  }

  #attrsValue(k: number): string {
    this.#aLines ??= this.#lineStarts(this.#a!);
    return this.#line(this.#a!, this.#aLines, k);
  }

  /** Value k of a section: its line without the newline and the comma after it. */
  #line(s: Section, starts: Int32Array, k: number): string {
    return s.bytes!.toString('utf8', starts[k], starts[k + 1] - (k < this.n - 1 ? 2 : 1));
  }

  /** Where each value's line starts (n + 1: the last is where the closing "]" line starts). */
  #lineStarts(s: Section): Int32Array {
    const n = this.n;
    const bytes = this.#bytesOf(s);
    const out = new Int32Array(n + 1);
    let at = s.start + 2; // past "[\n"
    for (let k = 0; k <= n; k++) {
      out[k] = at;
      const nl = bytes.indexOf(0x0a, at);
      at = nl < 0 || nl >= s.end ? s.end : nl + 1;
    }
    this.#extra += out.byteLength;
    return out;
  }

  /** Row k (built once). */
  row(k: number): Row {
    if (this.#rows !== null) return this.#rows[k];
    const h = this.#hd();
    this.#built ??= new Array(h.i.length);
    let r = this.#built[k];
    if (r === undefined) {
      const message = this.message(k);
      const attrs = this.attrsOf(k);
      r = { id: h.i[k], ts: h.t[k], level: h.l[k], source: this.source, host: h.hs[h.h[k]], message, attrs };
      this.#built[k] = r;
      this.#extra += 80 + 2 * (message.length + (attrs?.length ?? 0));
    }
    return r;
  }

  /**
   * Rows ks (ascending indexes): one by one from their own lines when they are few, else by
   * parsing the sections whole (cheaper per row than a parse per line once a block is mostly wanted).
   */
  rowsAt(ks: readonly number[]): Row[] {
    if (!ks.length) return [];
    const n = this.n;
    if (this.#rows === null && ks.length * ROWS_WHOLE < n) return ks.map((k) => this.row(k));
    const all = this.rows();
    return ks.length === n ? all : ks.map((k) => all[k]);
  }

  /** Every row, in (ts, id) order. */
  rows(): Row[] {
    if (this.#rows === null) {
      const h = this.#hd();
      const msgs = this.messages();
      if (this.#attrs === null) {
        const a = this.#a!;
        const attrs = JSON.parse(this.#bytesOf(a).toString('utf8', a.start, a.end)) as (string | null | typeof DERIVED)[];
        for (let k = 0; k < attrs.length; k++) if (attrs[k] === DERIVED) attrs[k] = pairsText(msgs[k]);
        this.#attrs = attrs as (string | null)[];
        this.#extra += (a.end - a.start) * 2;
      }
      const n = h.i.length;
      const out: Row[] = new Array(n);
      for (let k = 0; k < n; k++) out[k] = this.#built?.[k] ?? { id: h.i[k], ts: h.t[k], level: h.l[k], source: this.source, host: h.hs[h.h[k]], message: msgs[k], attrs: this.#attrs[k] };
      this.#rows = out;
      this.#built = null;
    }
    return this.#rows;
  }
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
