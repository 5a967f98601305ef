// Store.insert (SQLite) with 1000-record batches, against the reference measured in the same
// run: raw better-sqlite3 inserts into the same schema (same tables, indexes, FTS5 index
// filled by explicit inserts), 1000 rows per transaction, with nothing else around them.
// Rounds alternate raw/store on fresh databases so machine noise hits both alike.
// Usage: node --import tsx bench/store-insert.bench.ts [rows-per-round=200000] [rounds=5]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LEVEL_CODE } from '../src/shared/levels.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { configureConnection, SCHEMA_DDL } from '../src/server/storage/sqlite/schema.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { makeRecords, rng } from './store-data.js';

const ROWS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const BATCH = 1000;
const OUT = join(import.meta.dirname, 'out', 'store-insert');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function fresh(name: string): string {
  const file = join(OUT, name);
  for (const ext of ['', '-wal', '-shm']) rmSync(file + ext, { force: true });
  return file;
}

function runRaw(batches: NormalizedRecord[][]): number {
  const file = fresh('raw.db');
  const db = new Database(file);
  configureConnection(db);
  db.exec(SCHEMA_DDL);
  const ins = db.prepare('INSERT INTO logs (ts, level, source, host, message, attrs) VALUES (?, ?, ?, ?, ?, ?)');
  const fts = db.prepare('INSERT INTO logs_fts (rowid, message) VALUES (?, ?)');
  const tx = db.transaction((rows: NormalizedRecord[]) => {
    for (const r of rows) {
      const id = ins.run(r.ts, LEVEL_CODE[r.level], r.source, r.host, r.message, r.attrs).lastInsertRowid;
      fts.run(id, r.message);
    }
  });
  const t0 = performance.now();
  for (const b of batches) tx(b);
  const ms = performance.now() - t0;
  db.close();
  return (batches.reduce((a, b) => a + b.length, 0) / ms) * 1000;
}

async function runStore(batches: NormalizedRecord[][]): Promise<number> {
  const store = new SqliteStore(fresh('store.db'));
  const t0 = performance.now();
  let n = 0;
  for (const b of batches) n += (await store.insert(b)).accepted;
  const ms = performance.now() - t0;
  await store.close();
  const want = batches.reduce((a, b) => a + b.length, 0);
  if (n !== want) throw new Error(`The store accepted ${n} rows, expected ${want}.`);
  return (n / ms) * 1000;
}

mkdirSync(OUT, { recursive: true });
const r = rng(42);
const start = Date.UTC(2026, 10, 28, 3, 0, 0);
const batches: NormalizedRecord[][] = [];
for (let i = 0; i < ROWS; i += BATCH) batches.push(makeRecords(r, i, Math.min(BATCH, ROWS - i), ROWS, start, 3_600_000, true));

// One discarded round of each warms the JIT and the page cache.
runRaw(batches.slice(0, 20));
await runStore(batches.slice(0, 20));
const raw: number[] = [];
const store: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  raw.push(runRaw(batches));
  store.push(await runStore(batches));
  console.log(`round ${round + 1}: raw ${Math.round(raw[round])} rows/s, store ${Math.round(store[round])} rows/s`);
}
const mr = median(raw);
const ms = median(store);
console.log(`\nStore.insert, ${ROWS} rows per round, ${BATCH}-row batches, ${ROUNDS} rounds (medians):`);
console.log(`  raw better-sqlite3 (reference): ${Math.round(mr)} rows/s`);
console.log(`  SqliteStore.insert:             ${Math.round(ms)} rows/s  = ${((ms / mr) * 100).toFixed(1)}% of raw`);
rmSync(OUT, { recursive: true, force: true });
