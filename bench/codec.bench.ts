// Which codec for storage v2's compressed blocks, and what the v1 store costs on disk today.
// Lines are grouped per source into blocks of BLOCK lines (what the block store would keep)
// and each block compressed on its own with Node's built-in codecs (no native dependency to
// build); the reference is the `zstd -3` CLI over the whole text (one stream, so it sees
// more context than any block codec) and the SQLite store (current schema) filled with the same lines, all
// in the same run.
// Run: node --import tsx bench/codec.bench.ts [lines=200000] [block=1000] [corpus=generated|loghub]
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { LineFactory } from '../src/generator/lines.js';
import { parseLine } from '../src/shared/parse/index.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { makeTempDir } from '../test/helpers/server.js';

const LINES = Number(process.argv[2] ?? 200_000);
const BLOCK = Number(process.argv[3] ?? 1000);
const CORPUS = process.argv[4] ?? 'generated';
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

const codecs: [string, (b: Buffer) => Buffer, (b: Buffer) => Buffer][] = [
  ['brotli q4', (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }), (b) => brotliDecompressSync(b)],
  ['brotli q5', (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }), (b) => brotliDecompressSync(b)],
  ['brotli q6', (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }), (b) => brotliDecompressSync(b)],
  ['deflate 1', (b) => deflateRawSync(b, { level: 1 }), (b) => inflateRawSync(b)],
  ['deflate 6', (b) => deflateRawSync(b, { level: 6 }), (b) => inflateRawSync(b)],
];
console.log('| codec (per block) | compressed | ratio to text | compress MB/s | decompress MB/s |');
console.log('|---|---|---|---|---|');
for (const [name, enc, dec] of codecs) {
  let size = 0;
  const t0 = performance.now();
  const packed = bs.map((b) => enc(b));
  const t1 = performance.now();
  for (const p of packed) size += p.length;
  for (const p of packed) dec(p);
  const t2 = performance.now();
  console.log(`| ${name} | ${(size / 1e6).toFixed(2)} MB | ${(size / raw).toFixed(3)}x | ${(raw / 1e6 / ((t1 - t0) / 1000)).toFixed(0)} | ${(raw / 1e6 / ((t2 - t1) / 1000)).toFixed(0)} |`);
}

const dir = makeTempDir('logpipe-bench-codec-');
try {
  const file = join(dir, 'text.log');
  writeFileSync(file, text);
  const t0 = performance.now();
  execFileSync('zstd', ['-3', '-q', '-f', file, '-o', `${file}.zst`]);
  const zs = statSync(`${file}.zst`).size;
  console.log(`| reference: \`zstd -3\` of the whole text | ${(zs / 1e6).toFixed(2)} MB | ${(zs / raw).toFixed(3)}x | ${(raw / 1e6 / ((performance.now() - t0) / 1000)).toFixed(0)} (CLI, incl. start) | |`);
  execFileSync('gzip', ['-6', '-k', '-f', file]);
  const gz = statSync(`${file}.gz`).size;
  console.log(`| reference: \`gzip -6\` of the whole text | ${(gz / 1e6).toFixed(2)} MB | ${(gz / raw).toFixed(3)}x | | |`);

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
  console.log(`| logpipe SQLite store (current schema, all files after a checkpoint) | ${(db / 1e6).toFixed(2)} MB | ${(db / raw).toFixed(3)}x | ${Math.round(data.length / secs).toLocaleString('en')} lines/s in-process | |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
