// The query language over HTTP (issue 12's speed list) on a one-hour SQLite database of N lines
// (default 1,000,000) whose every record carries fields (http.status, duration_ms, request_id,
// user): medians of each query over loopback, beside the unfiltered newest-100 first page measured
// in the same run as the reference. The server runs with an unlimited scan budget so every answer
// is complete (each row says whether the engine scanned candidates and how many); with the default
// budget (200,000 rows / 1.5 s) the slow ones answer `partial: true` instead.
// After the HTTP runs, the same page queries run in this process (SqliteStore + QueryEngine, the
// decoded-block cache emptied before every run) for their CPU time beside the wall time: on a
// shared machine the CPU time is what a query costs without other processes taking the CPU.
// Run: node --import tsx bench/query-language.bench.ts [lines=1000000] [runs=5]
// (builds bench/out/query-language-<lines>.db once; `npm run build:node` first: the server is dist/).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { QueryEngine } from '../src/server/query/engine.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { startServer } from '../test/helpers/server.js';
import { makeRecords, RARE_WORD, rng } from './store-data.js';

const LINES = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const START = Date.UTC(2026, 10, 28, 3, 0, 0);
const HOUR = 3_600_000;
const DIR = join(import.meta.dirname, 'out');
const FILE = join(DIR, `query-language-${LINES}.db`);
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (!existsSync(FILE)) {
  mkdirSync(DIR, { recursive: true });
  const store = new SqliteStore(FILE);
  const r = rng(42);
  const t0 = performance.now();
  const BATCH = 10_000;
  for (let first = 0; first < LINES; first += BATCH) {
    const recs = makeRecords(r, first, Math.min(BATCH, LINES - first), LINES, START, HOUR, false);
    for (const rec of recs) {
      // ~1% 503s, durations 0–999 ms, 1 request id in 5,000 values.
      const status = r() < 0.01 ? 503 : r() < 0.05 ? 404 : 200;
      rec.attrs = JSON.stringify({ http: { status }, duration_ms: Math.floor(r() * 1000), request_id: `req-${Math.floor(r() * 5000)}`, user: USERS[Math.floor(r() * USERS.length)] });
    }
    await store.insert(recs);
  }
  await store.close();
  console.log(`built ${FILE} (${LINES} lines) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const w0 = START + 30 * 60_000;
const w1 = w0 + 10 * 60_000;
const tenMin = `from=${w0}&to=${w1}`;
const hour = `from=${START}&to=${START + HOUR}`;
const enc = encodeURIComponent;
const cases: { name: string; path: string }[] = [
  { name: 'reference: newest 100, no filter (first page)', path: '/api/v1/logs?limit=100' },
  { name: 'field equality `http.status:503`, newest 100', path: `/api/v1/logs?limit=100&q=${enc('http.status:503')}` },
  { name: '`payment OR timeout`, newest 100', path: `/api/v1/logs?limit=100&q=${enc('payment OR timeout')}` },
  { name: '`request -GET`, newest 100', path: `/api/v1/logs?limit=100&q=${enc('request -GET')}` },
  { name: 'numeric range `duration_ms:>=990 level:error`, 10-min window, newest 100', path: `/api/v1/logs?limit=100&${tenMin}&q=${enc('duration_ms:>=990 level:error')}` },
  { name: `substring \`~"${RARE_WORD.slice(1, 7)}"\` (rare), 10 min`, path: `/api/v1/logs?limit=100&${tenMin}&q=${enc(`~"${RARE_WORD.slice(1, 7)}"`)}` },
  { name: `substring \`~"${RARE_WORD.slice(1, 7)}"\` (rare), the hour`, path: `/api/v1/logs?limit=100&${hour}&q=${enc(`~"${RARE_WORD.slice(1, 7)}"`)}` },
  { name: 'regex `/module \\w+vortex/` (rare), 10 min', path: `/api/v1/logs?limit=100&${tenMin}&q=${enc('/module \\w+vortex/')}` },
  { name: 'regex `/module \\w+vortex/` (rare), the hour', path: `/api/v1/logs?limit=100&${hour}&q=${enc('/module \\w+vortex/')}` },
  { name: '/fields, 10 min (sample 10,000)', path: `/api/v1/fields?${tenMin}` },
  { name: '`| stats count() by (source)`, the hour', path: `/api/v1/logs?${hour}&q=${enc('| stats count() by (source)')}` },
];

const srv = await startServer({ args: ['--db', FILE, '--query-scan-rows', '1000000000', '--query-scan-time', '600s'] });
const rows: string[] = [];
try {
  for (const c of cases) {
    let info = '';
    const once = async () => {
      const res = await fetch(srv.url + c.path);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${c.path} answered ${res.status}: ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as { logs?: unknown[]; rows?: unknown[]; fields?: unknown[]; scanned?: number; partial?: boolean; sampled?: boolean };
      const n = body.logs?.length ?? body.rows?.length ?? body.fields?.length ?? 0;
      info = `${n} ${body.logs ? 'records' : body.rows ? 'rows' : 'fields'}; ${body.scanned === undefined ? 'exact (store alone)' : `scanned ${body.scanned.toLocaleString('en')}`}${body.partial ? ', partial' : ''}${body.sampled ? ', sampled' : ''}`;
    };
    await once(); // warm-up
    const ts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await once();
      ts.push(performance.now() - t);
    }
    rows.push(`| ${c.name} | ${median(ts).toFixed(1)} ms | ${info} |`);
    console.log(rows[rows.length - 1]);
  }
} finally {
  await srv.stop();
}
console.log(`\n${LINES.toLocaleString('en')} lines over one hour (SQLite block store), medians of ${RUNS} runs over HTTP on loopback`);
console.log('| query | median | answer |\n|---|---|---|');
for (const r of rows) console.log(r);

// In-process: the page queries (not /fields, not pipes), cold block cache, wall and CPU medians.
console.log(`\nIn-process (SqliteStore + QueryEngine, block cache emptied before each run), load ${loadavg()[0].toFixed(1)}`);
console.log('| query | median wall | median CPU | blocks decompressed |\n|---|---|---|---|');
const local = new SqliteStore(FILE, { compactIntervalMs: 0 });
try {
  const engine = new QueryEngine(local, { budget: { rows: 1_000_000_000, ms: 600_000 }, fieldsInStore: true });
  for (const c of cases) {
    const url = new URL(c.path, 'http://x');
    const q = url.searchParams.get('q') ?? '';
    if (url.pathname !== '/api/v1/logs' || q.includes('|')) continue;
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    const p = engine.prepare(q, { from: from === null ? undefined : Number(from), to: to === null ? undefined : Number(to) });
    const walls: number[] = [];
    const cpus: number[] = [];
    let decoded = 0;
    for (let i = 0; i <= RUNS; i++) {
      local.dropBlockCache();
      const d0 = local.blocksDecoded;
      const t = performance.now();
      const c0 = process.cpuUsage();
      await engine.page(p, { limit: Number(url.searchParams.get('limit') ?? 100), order: 'desc' });
      const cu = process.cpuUsage(c0);
      if (i === 0) continue; // warm-up
      walls.push(performance.now() - t);
      cpus.push((cu.user + cu.system) / 1000);
      decoded = local.blocksDecoded - d0;
    }
    console.log(`| ${c.name} | ${median(walls).toFixed(1)} ms | ${median(cpus).toFixed(1)} ms | ${decoded} |`);
  }
} finally {
  await local.close();
}
