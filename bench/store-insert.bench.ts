// Store.insert (SQLite) with 1000-record batches, against the reference measured in the same
// run: raw better-sqlite3 inserts into the same schema (same tables, indexes, FTS5 index
// filled by explicit inserts), 1000 rows per transaction, with nothing else around them.
// Raw and store are interleaved batch by batch on fresh databases (see runRound).
// Usage: node --import tsx bench/store-insert.bench.ts [rows-per-round=200000] [rounds=3] [records]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LEVEL_CODE } from '../src/shared/levels.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { configureConnection, SCHEMA_1_DDL } from '../src/server/storage/sqlite/schema.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { makeRecords, rng } from './store-data.js';

const ROWS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
/** `records`: also build the inserted records (what a server with live-tail subscribers does). */
const WITH_RECORDS = process.argv[4] === 'records';
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

/** The reference: plain prepared inserts into the same schema, SQLite assigning ids. */
function openRaw(): (rows: NormalizedRecord[]) => void {
  const db = new Database(fresh('raw.db'));
  configureConnection(db);
  db.exec(SCHEMA_1_DDL);
  const ins = db.prepare('INSERT INTO logs (ts, level, source, host, message, attrs) VALUES (?, ?, ?, ?, ?, ?)');
  const fts = db.prepare('INSERT INTO logs_fts (rowid, message) VALUES (?, ?)');
  rawClose = () => db.close();
  return db.transaction((rows: NormalizedRecord[]) => {
    for (const r of rows) {
      const id = ins.run(r.ts, LEVEL_CODE[r.level], r.source, r.host, r.message, r.attrs).lastInsertRowid;
      fts.run(id, r.message);
    }
  });
}
let rawClose = () => {};

// The machine is shared and its speed swings by 3x within seconds, so raw and store are
// interleaved batch by batch (alternating which goes first), each into its own database
// growing at the same pace: noise then lands on both sides alike.
// Both wall time and CPU time (process.cpuUsage: all the work is synchronous on this
// thread, WAL commits do not fsync) are summed per side; CPU time is the steadier measure
// when other processes take the CPU away mid-batch.
async function runRound(batches: NormalizedRecord[][]): Promise<{ raw: number; store: number; rawCpu: number; storeCpu: number }> {
  const raw = openRaw();
  const store = new SqliteStore(fresh('store.db'));
  let rawMs = 0;
  let storeMs = 0;
  let rawCpu = 0;
  let storeCpu = 0;
  let n = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    for (const side of i % 2 ? ['store', 'raw'] : ['raw', 'store']) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (side === 'raw') raw(b);
      else {
        const res = await store.insert(b);
        n += res.accepted;
        // With live-tail subscribers the server publishes the inserted records, which the
        // store builds on first access; without, they are never built.
        if (WITH_RECORDS && res.records[res.records.length - 1].id !== res.lastId) throw new Error('The records do not match the ids.');
      }
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1000;
      if (side === 'raw') {
        rawMs += ms;
        rawCpu += cpu;
      } else {
        storeMs += ms;
        storeCpu += cpu;
      }
    }
  }
  rawClose();
  await store.close();
  const rows = batches.reduce((a, b) => a + b.length, 0);
  if (n !== rows) throw new Error(`The store accepted ${n} rows, expected ${rows}.`);
  return { raw: (rows / rawMs) * 1000, store: (rows / storeMs) * 1000, rawCpu: (rows / rawCpu) * 1000, storeCpu: (rows / storeCpu) * 1000 };
}

mkdirSync(OUT, { recursive: true });
const r = rng(42);
const start = Date.UTC(2026, 10, 28, 3, 0, 0);
const batches: NormalizedRecord[][] = [];
for (let i = 0; i < ROWS; i += BATCH) batches.push(makeRecords(r, i, Math.min(BATCH, ROWS - i), ROWS, start, 3_600_000, true));

// A short discarded round warms the JIT and the page cache.
await runRound(batches.slice(0, 20));
const raw: number[] = [];
const store: number[] = [];
const ratio: number[] = [];
const cpuRatio: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const r = await runRound(batches);
  raw.push(r.raw);
  store.push(r.store);
  ratio.push(r.store / r.raw);
  cpuRatio.push(r.storeCpu / r.rawCpu);
  console.log(
    `round ${round + 1}: wall: raw ${Math.round(r.raw)} rows/s, store ${Math.round(r.store)} rows/s (${(ratio[round] * 100).toFixed(1)}%); ` +
      `per CPU-second: raw ${Math.round(r.rawCpu)}, store ${Math.round(r.storeCpu)} (${(cpuRatio[round] * 100).toFixed(1)}%)`,
  );
}
console.log(`\nStore.insert${WITH_RECORDS ? ' + building the returned records' : ''}, ${ROWS} rows per round, ${BATCH}-row batches, ${ROUNDS} rounds, interleaved batch by batch (medians):`);
console.log(`  raw better-sqlite3 (reference): ${Math.round(median(raw))} rows/s`);
console.log(`  SqliteStore.insert:             ${Math.round(median(store))} rows/s`);
console.log(`  store / raw:                    ${(median(ratio) * 100).toFixed(1)}% (median of per-round ratios, wall time)`);
console.log(`  store / raw per CPU-second:     ${(median(cpuRatio) * 100).toFixed(1)}% (median of per-round ratios)`);
rmSync(OUT, { recursive: true, force: true });
