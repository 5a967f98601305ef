// Disk used by the SQLite store (storage v2: hot table + compressed blocks) against, in the same
// run, `zstd -3` of the same text and the schema-1 layout (rows + FTS5 + indexes, filled by the
// same prepared inserts v1 used). Lines go through Store.insert in batches of 1,000 (what a
// collector sends); sizes are all database files after a WAL checkpoint. The v2 figure is
// taken twice: as ingest left it (the newest rows of each source still in the hot table) and
// after compacting everything.
// Each line is parsed as the server parses it, and the fields found in it are stored as its
// attrs, as the server stores them.
// Run: node --import tsx bench/storage-disk.bench.ts [lines=1000000] [corpus=generated|generated-json|generated-logfmt|loghub|files:a.log,b.log]
// (files: the given files' lines, interleaved and repeated up to the count; each file a source).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { LineFactory } from '../src/generator/lines.js';
import { LEVEL_CODE } from '../src/shared/levels.js';
import { parseLine } from '../src/shared/parse/index.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { configureConnection, SCHEMA_1_DDL } from '../src/server/storage/sqlite/schema.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { makeTempDir } from '../test/helpers/server.js';

const LINES = Number(process.argv[2] ?? 1_000_000);
const CORPUS = process.argv[3] ?? 'generated';
const LOGHUB = join(import.meta.dirname, '..', '..', 'shared', 'loghub');

function* corpus(): Generator<{ source: string; line: string }> {
  if (CORPUS === 'loghub' || CORPUS.startsWith('files:')) {
    const files = CORPUS === 'loghub' ? readdirSync(LOGHUB).filter((f) => f.endsWith('_2k.log')).map((f) => join(LOGHUB, f)) : CORPUS.slice(6).split(',');
    const texts = files.map((f) => ({ source: basename(f).replace(/(_2k)?\.log$/, ''), lines: readFileSync(f, 'utf8').split('\n').filter(Boolean) }));
    let n = 0;
    for (let i = 0; n < LINES; i++) for (const t of texts) if (n++ < LINES) yield { source: t.source, line: t.lines[i % t.lines.length] };
    return;
  }
  const format = CORPUS === 'generated' ? 'plain' : CORPUS.replace(/^generated-/, '');
  if (!['plain', 'json', 'logfmt'].includes(format)) throw new Error(`unknown corpus ${CORPUS}: generated, generated-json, generated-logfmt, loghub or files:a.log,b.log`);
  const f = new LineFactory({ format: format as 'plain' | 'json' | 'logfmt', seed: 42, stackTraces: false });
  const t0 = Date.UTC(2026, 10, 28, 3, 0, 0);
  for (let i = 0; i < LINES; i++) {
    const line = f.record(t0 + i * 7).replace(/\n$/, '');
    const m = /\]: (\w+)|"service":"(\w+)"|service=(\w+)/.exec(line);
    yield { source: m?.[1] ?? m?.[2] ?? m?.[3] ?? 'app', line };
  }
}

function filesSize(file: string): number {
  let n = 0;
  for (const ext of ['', '-wal', '-shm']) {
    try {
      n += statSync(file + ext).size;
    } catch {
      // Not there after the checkpoint.
    }
  }
  return n;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const dir = makeTempDir('logpipe-bench-disk-');
try {
  const textFile = join(dir, 'text.log');
  const parts: string[] = [];
  const batches: NormalizedRecord[][] = [];
  let batch: NormalizedRecord[] = [];
  const now = Date.now();
  for (const { source, line } of corpus()) {
    parts.push(line);
    const p = parseLine(line);
    const attrs = p.attrs && Object.keys(p.attrs).length ? JSON.stringify(p.attrs) : null;
    batch.push({ ts: p.ts ?? now, level: p.level ?? 'unknown', source, host: 'web-1', message: p.message ?? line, attrs, stream: null, offset: null });
    if (batch.length === 1000) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length) batches.push(batch);
  const text = parts.join('\n') + '\n';
  parts.length = 0;
  writeFileSync(textFile, text);
  const raw = Buffer.byteLength(text);
  console.log(`${CORPUS} corpus: ${LINES.toLocaleString('en')} lines, ${mb(raw)} of text\n`);
  console.log('| what | size | ratio to text | insert rate (in-process) |');
  console.log('|---|---|---|---|');

  execFileSync('zstd', ['-3', '-q', '-f', textFile, '-o', `${textFile}.zst`]);
  const zs = statSync(`${textFile}.zst`).size;

  const v2File = join(dir, 'v2.db');
  const store = new SqliteStore(v2File, { compactIntervalMs: 0 });
  let t = performance.now();
  for (const b of batches) await store.insert(b);
  const v2Secs = (performance.now() - t) / 1000;
  store.checkpoint();
  const v2Hot = filesSize(v2File);
  const hotRows = (await store.stats()).hotRows ?? 0;
  store.compact(true);
  store.checkpoint();
  const v2All = filesSize(v2File);
  const ratio = (await store.stats()).compressionRatio ?? 0;
  await store.close();

  const v1File = join(dir, 'v1.db');
  const db = new Database(v1File);
  configureConnection(db);
  db.exec(SCHEMA_1_DDL);
  const ins = db.prepare('INSERT INTO logs (ts, level, source, host, message, attrs) VALUES (?, ?, ?, ?, ?, ?)');
  const fts = db.prepare('INSERT INTO logs_fts (rowid, message) VALUES (?, ?)');
  const tx = db.transaction((rows: NormalizedRecord[]) => {
    for (const r of rows) fts.run(ins.run(r.ts, LEVEL_CODE[r.level], r.source, r.host, r.message, r.attrs).lastInsertRowid, r.message);
  });
  t = performance.now();
  for (const b of batches) tx(b);
  const v1Secs = (performance.now() - t) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const v1 = filesSize(v1File);

  const rate = (s: number) => `${Math.round(LINES / s).toLocaleString('en')} lines/s`;
  console.log(`| **logpipe v2 store** as ingest left it (${hotRows.toLocaleString('en')} rows still hot) | ${mb(v2Hot)} | **${(v2Hot / raw).toFixed(3)}x** | ${rate(v2Secs)} (Store.insert, compaction included) |`);
  console.log(`| logpipe v2 store, everything compacted (blocks: ${ratio.toFixed(3)}x of their text) | ${mb(v2All)} | ${(v2All / raw).toFixed(3)}x | |`);
  console.log(`| reference: \`zstd -3\` of the whole text | ${mb(zs)} | ${(zs / raw).toFixed(3)}x | |`);
  console.log(`| reference: schema-1 layout (row + FTS5 + indexes, raw prepared inserts) | ${mb(v1)} | ${(v1 / raw).toFixed(3)}x | ${rate(v1Secs)} (no rollups, no offsets) |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
