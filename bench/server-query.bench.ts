// Query speed through the HTTP API on a 5,000,000-line, one-hour database (built once by
// store-data.ts queryDatabase into bench/out/query-5000000.db, a few minutes): each query's
// median over HTTP on loopback beside the same query run straight on the database through the
// store, in the same run. (bench/block-query.bench.ts measures the store itself against
// decompressing every block.)
// Run: node --import tsx bench/server-query.bench.ts [runs=25]
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { startServer } from '../test/helpers/server.js';
import { median } from './lib/http.js';
import { COMMON_WORD, queryDatabase, RARE_WORD } from './store-data.js';

const RUNS = Number(process.argv[2] ?? 25);
const START = Date.UTC(2026, 10, 28, 3, 0, 0);
const HOUR = 3_600_000;
const FILE = await queryDatabase(5_000_000, START, HOUR);

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

const from = START + 30 * 60_000;
const to = from + 10 * 60_000;
const cases: { name: string; path: string; direct: (s: SqliteStore) => Promise<unknown> }[] = [
  { name: `newest 100 matching a rare word ("${RARE_WORD}")`, path: `/api/v1/logs?q=${RARE_WORD}&limit=100`, direct: (s) => s.query({ q: RARE_WORD, limit: 101, order: 'desc' }) },
  { name: `newest 100 matching a common word ("${COMMON_WORD}")`, path: `/api/v1/logs?q=${COMMON_WORD}&limit=100`, direct: (s) => s.query({ q: COMMON_WORD, limit: 101, order: 'desc' }) },
  { name: 'level=error, 10-minute range, newest 100', path: `/api/v1/logs?level=error&from=${from}&to=${to}&limit=100`, direct: (s) => s.query({ levels: ['error'], from, to, limit: 101, order: 'desc' }) },
  { name: '60-bucket histogram over the hour', path: `/api/v1/histogram?from=${START}&to=${START + HOUR}&buckets=60`, direct: (s) => s.histogram({ from: START, to: START + HOUR, buckets: 60 }) },
  { name: 'newest 100, no filter (dashboard first page)', path: `/api/v1/logs?limit=100`, direct: (s) => s.query({ limit: 101, order: 'desc' }) },
  { name: 'sources', path: '/api/v1/sources', direct: (s) => s.sources() },
];

const srv = await startServer({ args: ['--db', FILE] });
const rows: string[] = [];
try {
  const direct = new SqliteStore(FILE);
  for (const c of cases) {
    const viaHttp = await timeIt(async () => {
      const res = await fetch(srv.url + c.path);
      if (res.status !== 200) throw new Error(`${c.path} answered ${res.status}`);
      await res.arrayBuffer();
    });
    const onDb = await timeIt(() => c.direct(direct));
    rows.push(`| ${c.name} | ${viaHttp.toFixed(2)} ms | ${onDb.toFixed(2)} ms |`);
    console.log(rows[rows.length - 1]);
  }
  await direct.close();
} finally {
  await srv.stop();
}
console.log(`\n5,000,000 rows over one hour, medians of ${RUNS} runs (target < 50 ms over HTTP)`);
console.log('| query | over HTTP (loopback) | same query straight on the database (Store, in-process) |\n|---|---|---|');
for (const r of rows) console.log(r);
