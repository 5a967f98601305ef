// Query speed of the SQLite store on a 5,000,000-line database spanning one hour, each query
// beside its reference: the straightforward SQL for the same answer run directly on the same
// file through better-sqlite3 (what a store without our plans and rollups would do).
// The database is built once through Store.insert (so the rollups exist) and cached in
// bench/out/ (gitignored); delete bench/out/query-*.db* to rebuild.
// Usage: node --import tsx bench/query.bench.ts [rows=5000000] [runs=25]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { COMMON_WORD, makeRecords, RARE_WORD, rng, walkInfoPages } from './store-data.js';

const ROWS = Number(process.argv[2] ?? 5_000_000);
const RUNS = Number(process.argv[3] ?? 25);
/** The naive references are slow (seconds); fewer runs keep the benchmark short. */
const REF_RUNS = Math.max(3, Math.min(RUNS, 7));
const START = Date.UTC(2026, 10, 28, 3, 0, 0);
const HOUR = 3_600_000;
const OUT = join(import.meta.dirname, 'out');
const FILE = join(OUT, `query-${ROWS}.db`);
const MARK = `${FILE}.json`;
const DATA_VERSION = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function build(): Promise<void> {
  for (const ext of ['', '-wal', '-shm', '.json']) rmSync(FILE + ext, { force: true });
  const store = new SqliteStore(FILE);
  const r = rng(7);
  const t0 = performance.now();
  for (let i = 0; i < ROWS; i += 1000) {
    await store.insert(makeRecords(r, i, Math.min(1000, ROWS - i), ROWS, START, HOUR, true));
    if (i % 500_000 === 0 && i) process.stdout.write(`  built ${i} rows (${Math.round(i / ((performance.now() - t0) / 1000))} rows/s)\n`);
  }
  store.database.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  writeFileSync(MARK, JSON.stringify({ rows: ROWS, version: DATA_VERSION, seconds: (performance.now() - t0) / 1000 }));
}

function cached(): boolean {
  if (!existsSync(FILE) || !existsSync(MARK)) return false;
  const m = JSON.parse(readFileSync(MARK, 'utf8')) as { rows: number; version: number };
  return m.rows === ROWS && m.version === DATA_VERSION;
}

async function time(fn: () => unknown, runs: number): Promise<{ ms: number; result: unknown }> {
  let result: unknown;
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await fn();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), result };
}

mkdirSync(OUT, { recursive: true });
if (!cached()) {
  console.log(`Building ${FILE} (${ROWS} rows over one hour, through Store.insert)…`);
  await build();
}
const store = new SqliteStore(FILE);
const ref = new Database(FILE, { readonly: true });
const rows = (await store.stats()).rows;
console.log(`Database: ${rows} rows, ${(store.fileBytes() / 1e6).toFixed(0)} MB; medians of ${RUNS} runs (references: ${REF_RUNS} runs).\n`);

const L = 20 * 60_000;
const sql = {
  fts: ref.prepare('SELECT * FROM logs WHERE id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?) ORDER BY id DESC LIMIT 100'),
  level: ref.prepare('SELECT * FROM logs WHERE level = 4 AND ts >= ? AND ts < ? ORDER BY id DESC LIMIT 100'),
  hist: ref.prepare('SELECT CAST((ts - ?) / ? AS INTEGER) AS b, level, count(*) AS n FROM logs WHERE ts >= ? AND ts < ? GROUP BY 1, 2'),
  histQ: ref.prepare(
    'SELECT CAST((l.ts - ?) / ? AS INTEGER) AS b, l.level, count(*) AS n FROM logs_fts JOIN logs AS l ON l.id = logs_fts.rowid WHERE logs_fts MATCH ? AND l.ts >= ? AND l.ts < ? GROUP BY 1, 2',
  ),
  sources: ref.prepare('SELECT source, count(*) AS count, max(ts) AS lastSeen FROM logs GROUP BY source'),
};

interface Case {
  name: string;
  target: boolean;
  run: () => unknown;
  reference: () => unknown;
  check?: (a: unknown, b: unknown) => boolean;
  /** Fewer runs for slow informational cases. */
  runs?: number;
}

const ids = (x: unknown) => JSON.stringify((x as { id: number }[]).map((r) => r.id));
const sameIds = (a: unknown, b: unknown) => ids(a) === ids(b);
const unaligned = START + 17_345;
const cases: Case[] = [
  {
    name: `newest 100 matching a rare word ("${RARE_WORD}")`,
    target: true,
    run: () => store.query({ q: RARE_WORD, order: 'desc', limit: 100 }),
    reference: () => sql.fts.all(`"${RARE_WORD}"`),
    check: sameIds,
  },
  {
    name: `newest 100 matching a common word ("${COMMON_WORD}")`,
    target: true,
    run: () => store.query({ q: COMMON_WORD, order: 'desc', limit: 100 }),
    reference: () => sql.fts.all(`"${COMMON_WORD}"`),
    check: sameIds,
  },
  {
    name: 'newest 100 with level=error in a 10-minute range',
    target: true,
    run: () => store.query({ levels: ['error'], from: START + L, to: START + L + 600_000, order: 'desc', limit: 100 }),
    reference: () => sql.level.all(START + L, START + L + 600_000),
    check: sameIds,
  },
  {
    name: '60-bucket histogram over the whole hour',
    target: true,
    run: () => store.histogram({ from: START, to: START + HOUR, buckets: 60 }),
    reference: () => sql.hist.all(START, 60_000, START, START + HOUR),
  },
  {
    name: '60-bucket histogram over an hour not aligned to minutes',
    target: true,
    run: () => store.histogram({ from: unaligned, to: unaligned + HOUR, buckets: 60 }),
    reference: () => sql.hist.all(Math.floor(unaligned / 60_000) * 60_000, 60_000, unaligned, unaligned + HOUR),
  },
  {
    name: 'sources()',
    target: true,
    run: () => store.sources(),
    reference: () => sql.sources.all(),
  },
  {
    name: `60-bucket histogram, whole hour, q="${RARE_WORD}"`,
    target: false,
    run: () => store.histogram({ from: START, to: START + HOUR, buckets: 60, q: RARE_WORD }),
    reference: () => sql.histQ.all(START, 60_000, `"${RARE_WORD}"`, START, START + HOUR),
  },
  {
    name: 'newest 100 with level=info, whole hour, page 50 (cursor)',
    target: false,
    run: () => walkInfoPages(store, START, START + HOUR, 50),
    reference: () => ref.prepare('SELECT * FROM logs WHERE level = 2 AND ts >= ? AND ts < ? ORDER BY id DESC LIMIT 100 OFFSET 4900').all(START, START + HOUR),
    check: sameIds,
  },
  {
    name: 'newest 100 with level=fatal, no time range',
    target: false,
    run: () => store.query({ levels: ['fatal'], order: 'desc', limit: 100 }),
    reference: () => ref.prepare('SELECT * FROM logs WHERE level = 5 ORDER BY id DESC LIMIT 100').all(),
    check: sameIds,
  },
  {
    name: 'newest 100 with host=host-1 (host has no index)',
    target: false,
    run: () => store.query({ host: 'host-1', order: 'desc', limit: 100 }),
    reference: () => ref.prepare("SELECT * FROM logs WHERE host = 'host-1' ORDER BY id DESC LIMIT 100").all(),
    check: sameIds,
  },
  {
    name: 'context(id in the middle, 20 before, 20 after)',
    target: false,
    run: () => store.context(Math.floor(ROWS / 2), 20, 20),
    reference: () => ref.prepare('SELECT * FROM logs WHERE source = (SELECT source FROM logs WHERE id = ?) AND id < ? ORDER BY id DESC LIMIT 20').all(Math.floor(ROWS / 2), Math.floor(ROWS / 2)),
  },
  {
    name: 'since(lastId - 5000, level=error, 1000) (live-tail catch-up)',
    target: false,
    run: () => store.since(ROWS - 5000, { levels: ['error'] }, 1000),
    reference: () => ref.prepare('SELECT * FROM logs WHERE level = 4 AND id > ? ORDER BY id LIMIT 1000').all(ROWS - 5000),
    check: sameIds,
  },
  {
    name: `60-bucket histogram, whole hour, q="${COMMON_WORD}" (counts every match)`,
    target: false,
    runs: 3,
    run: () => store.histogram({ from: START, to: START + HOUR, buckets: 60, q: COMMON_WORD }),
    reference: () => sql.histQ.all(START, 60_000, `"${COMMON_WORD}"`, START, START + HOUR),
  },
];

const lines: string[] = [];
let ok = true;
for (const c of cases) {
  const mine = await time(c.run, c.runs ?? RUNS);
  const theirs = await time(c.reference, Math.min(c.runs ?? REF_RUNS, REF_RUNS));
  if (c.check && !c.check(mine.result, theirs.result)) {
    ok = false;
    console.log(`MISMATCH: ${c.name} returned different rows than its reference.`);
  }
  const pass = !c.target || mine.ms < 50;
  if (!pass) ok = false;
  const line = `${c.name.padEnd(64)} store ${mine.ms.toFixed(2).padStart(8)} ms   reference ${theirs.ms.toFixed(2).padStart(9)} ms   ${c.target ? (pass ? '< 50 ms ok' : 'OVER 50 ms') : '(info)'}`;
  lines.push(line);
  console.log(line);
}
ref.close();
await store.close();
process.exitCode = ok ? 0 : 1;
