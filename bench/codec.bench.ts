// Which codec for storage v2's compressed blocks, and what the v1 store costs on disk today.
// Lines are grouped per source into blocks of BLOCK lines (what the block store would keep)
// and each block compressed on its own: Node's built-in codecs and zstd (zstd-napi, one reused
// context per level, as block.ts does). A second table compresses what the store really
// writes: each block's payload (the JSON of its columns, block.ts encodeBlock) and its term
// counts. Every figure is the median of RUNS passes, codecs interleaved within each pass. The
// reference is the `zstd -3` CLI over the whole text (one stream, so it sees more context than
// any block codec) and the SQLite store (current schema) filled with the same lines, all in
// the same run.
// Run: node --import tsx bench/codec.bench.ts [lines=200000] [block=1000] [corpus=generated|loghub] [runs=5]
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Compressor, Decompressor } from 'zstd-napi';
import { LineFactory } from '../src/generator/lines.js';
import { LEVEL_CODE } from '../src/shared/levels.js';
import { decodeTerms, encodeBlock, payloadBytes } from '../src/server/storage/block.js';
import type { Row } from '../src/server/storage/row.js';
import { parseLine } from '../src/shared/parse/index.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { makeTempDir } from '../test/helpers/server.js';

const LINES = Number(process.argv[2] ?? 200_000);
const BLOCK = Number(process.argv[3] ?? 1000);
const CORPUS = process.argv[4] ?? 'generated';
const RUNS = Number(process.argv[5] ?? 5);
const LOGHUB = join(import.meta.dirname, '..', '..', 'shared', 'loghub');

/** Lines with their source: generated (8 services, the source read from the line) or Loghub samples repeated. */
function corpus(): { source: string; line: string }[] {
  const out: { source: string; line: string }[] = [];
  if (CORPUS === 'loghub') {
    const files = readdirSync(LOGHUB).filter((f) => f.endsWith('_2k.log'));
    const texts = files.map((f) => ({ source: f.replace('_2k.log', ''), lines: readFileSync(join(LOGHUB, f), 'utf8').split('\n').filter(Boolean) }));
    for (let i = 0; out.length < LINES; i++) for (const t of texts) if (out.length < LINES) out.push({ source: t.source, line: t.lines[i % t.lines.length] });
    return out;
  }
  const f = new LineFactory({ format: 'plain', seed: 42, stackTraces: false });
  const t0 = Date.UTC(2026, 10, 28, 3, 0, 0);
  for (let i = 0; i < LINES; i++) {
    const line = f.record(t0 + i * 7).replace(/\n$/, '');
    const m = /\]: (\w+)/.exec(line);
    out.push({ source: m?.[1] ?? 'app', line });
  }
  return out;
}

function blocks(lines: { source: string; line: string }[]): Buffer[] {
  const open = new Map<string, string[]>();
  const out: Buffer[] = [];
  for (const { source, line } of lines) {
    let b = open.get(source);
    if (!b) open.set(source, (b = []));
    b.push(line);
    if (b.length >= BLOCK) {
      out.push(Buffer.from(b.join('\n')));
      open.set(source, []);
    }
  }
  for (const b of open.values()) if (b.length) out.push(Buffer.from(b.join('\n')));
  return out;
}

const data = corpus();
const text = data.map((d) => d.line).join('\n') + '\n';
const raw = Buffer.byteLength(text);
const bs = blocks(data);
console.log(`${CORPUS} corpus: ${LINES.toLocaleString('en')} lines, ${(raw / 1e6).toFixed(1)} MB of text, ${bs.length} blocks of up to ${BLOCK} lines per source\n`);

type Codec = [string, (b: Buffer) => Buffer, (b: Buffer) => Buffer];
const brotli = (q: number, mode = constants.BROTLI_MODE_GENERIC) => (b: Buffer) =>
  brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_SIZE_HINT]: b.length, [constants.BROTLI_PARAM_MODE]: mode } });
const zstdOut = new Decompressor();
const zstd = (level: number): Codec => {
  const c = new Compressor();
  c.setParameters({ compressionLevel: level });
  return [`zstd ${level}`, (b) => c.compress(b), (b) => zstdOut.decompress(b)];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Compresses and decompresses every buffer with each codec, RUNS passes interleaved; prints a table row per codec (MB/s of `raw` bytes of text). */
function measure(label: string, codecs: Codec[], bufs: Buffer[], raw: number): void {
  const res = codecs.map(() => ({ enc: [] as number[], dec: [] as number[], size: 0 }));
  for (let run = 0; run < RUNS; run++) {
    codecs.forEach(([, enc, dec], i) => {
      const t0 = performance.now();
      const packed = bufs.map((b) => enc(b));
      const t1 = performance.now();
      for (const p of packed) dec(p);
      const t2 = performance.now();
      res[i].enc.push(t1 - t0);
      res[i].dec.push(t2 - t1);
      res[i].size = packed.reduce((a, p) => a + p.length, 0);
    });
  }
  console.log(`| ${label} | compressed | ratio to text | compress MB/s | decompress MB/s | compress ms per block | decompress ms per block |`);
  console.log('|---|---|---|---|---|---|---|');
  codecs.forEach(([name], i) => {
    const { enc, dec, size } = res[i];
    const e = median(enc);
    const d = median(dec);
    console.log(
      `| ${name} | ${size >= 1e5 ? `${(size / 1e6).toFixed(2)} MB` : `${(size / 1e3).toFixed(1)} kB`} | ${(size / raw).toFixed(size / raw < 0.01 ? 4 : 3)}x | ${(raw / 1e6 / (e / 1000)).toFixed(0)} | ${(raw / 1e6 / (d / 1000)).toFixed(0)} | ${(e / bufs.length).toFixed(3)} | ${(d / bufs.length).toFixed(3)} |`,
    );
  });
  console.log('');
}

const textCodecs: Codec[] = [
  ['brotli q4', brotli(4), (b) => brotliDecompressSync(b)],
  ['brotli q5', brotli(5), (b) => brotliDecompressSync(b)],
  ['brotli q6', brotli(6), (b) => brotliDecompressSync(b)],
  ['deflate 1', (b) => deflateRawSync(b, { level: 1 }), (b) => inflateRawSync(b)],
  ['deflate 6', (b) => deflateRawSync(b, { level: 6 }), (b) => inflateRawSync(b)],
  zstd(1),
  zstd(3),
  zstd(7),
];
console.log(`Blocks of text lines (medians of ${RUNS} passes):\n`);
measure('codec (per block of text)', textCodecs, bs, raw);

// What the store compresses: encodeBlock's payload JSON and term counts, blocks cut per source
// in arrival order and each sorted by (ts, id), as compaction does (plain lines have no attrs).
// (Sorting a whole source first would put Loghub's repeated copies of a line side by side.)
const rows: Row[] = data.map((d, i) => {
  const p = parseLine(d.line);
  return { id: i + 1, ts: p.ts ?? i, level: LEVEL_CODE[p.level ?? 'unknown'], source: d.source, host: 'h1', message: d.line, attrs: null };
});
const bySource = new Map<string, Row[]>();
for (const r of rows) {
  const list = bySource.get(r.source);
  if (list) list.push(r);
  else bySource.set(r.source, [r]);
}
const payloads: Buffer[] = [];
const terms: Buffer[] = [];
for (const list of bySource.values()) {
  for (let i = 0; i < list.length; i += BLOCK) {
    const b = encodeBlock(list.slice(i, i + BLOCK).sort((x, y) => x.ts - y.ts || x.id - y.id));
    payloads.push(payloadBytes(b.payload, b.codec));
    if (b.terms) terms.push(Buffer.from(JSON.stringify(decodeTerms(b.terms, b.codec))));
  }
}
const storeCodecs: Codec[] = [['brotli q5 (schema 3)', brotli(5, constants.BROTLI_MODE_TEXT), (b) => brotliDecompressSync(b)], zstd(1), zstd(3), zstd(5), zstd(7), zstd(9)];
const jsonBytes = payloads.reduce((a, p) => a + p.length, 0);
console.log(`Block payloads decompressed whole (v3: the three sections one after another, compressed here as one frame; ${(jsonBytes / 1e6).toFixed(1)} MB for ${(raw / 1e6).toFixed(1)} MB of text; ratios and MB/s against the text):\n`);
measure('codec (payload JSON per block)', storeCodecs, payloads, raw);
const termBytes = terms.reduce((a, p) => a + p.length, 0);
console.log(`Term counts (${terms.length} documents, ${Math.round(termBytes / Math.max(1, terms.length))} bytes of JSON each; ratios against the text):\n`);
measure('codec (terms JSON per block)', [['brotli q5 (schema 3)', brotli(5), (b) => brotliDecompressSync(b)], zstd(1)], terms, raw);

const dir = makeTempDir('logpipe-bench-codec-');
try {
  const file = join(dir, 'text.log');
  writeFileSync(file, text);
  console.log('| reference | size | ratio to text | rate |');
  console.log('|---|---|---|---|');
  const t0 = performance.now();
  execFileSync('zstd', ['-3', '-q', '-f', file, '-o', `${file}.zst`]);
  const zs = statSync(`${file}.zst`).size;
  console.log(`| reference: \`zstd -3\` of the whole text | ${(zs / 1e6).toFixed(2)} MB | ${(zs / raw).toFixed(3)}x | ${(raw / 1e6 / ((performance.now() - t0) / 1000)).toFixed(0)} (CLI, incl. start) |`);
  execFileSync('gzip', ['-6', '-k', '-f', file]);
  const gz = statSync(`${file}.gz`).size;
  console.log(`| reference: \`gzip -6\` of the whole text | ${(gz / 1e6).toFixed(2)} MB | ${(gz / raw).toFixed(3)}x | |`);

  // The v1 store: every line through Store.insert, WAL checkpointed, all files counted.
  const dbFile = join(dir, 'v1.db');
  const store = new SqliteStore(dbFile);
  const t1 = performance.now();
  for (let i = 0; i < data.length; i += 1000) {
    const batch: NormalizedRecord[] = data.slice(i, i + 1000).map((d) => {
      const p = parseLine(d.line);
      return { ts: p.ts ?? Date.now(), level: p.level ?? 'unknown', source: d.source, host: 'h1', message: d.line, attrs: null, stream: null, offset: null };
    });
    await store.insert(batch);
  }
  const secs = (performance.now() - t1) / 1000;
  store.checkpoint();
  await store.close();
  let db = 0;
  for (const ext of ['', '-wal', '-shm']) {
    try {
      db += statSync(dbFile + ext).size;
    } catch {
      // Not there after the checkpoint.
    }
  }
  console.log(`| logpipe SQLite store (current schema, all files after a checkpoint) | ${(db / 1e6).toFixed(2)} MB | ${(db / raw).toFixed(3)}x | ${Math.round(data.length / secs).toLocaleString('en')} lines/s in-process |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
