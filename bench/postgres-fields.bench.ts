// The PostgreSQL store's field index and host index (issue 11), each figure beside a reference
// measured in the same run:
//  1. disk: pg_total_relation_size of the rows (logs partitions with their indexes), of the
//     field index (fields partitions) and of the rest, beside the raw text of the same lines;
//  2. newest-100 queries: host alone over HTTP (a running `logpipe server --db postgres://…`)
//     against the unfiltered first page over HTTP and the same SQL with the host index hidden;
//     field filters through Store.query (the HTTP API has no field parameter until the query
//     language lands) against the unfiltered first page and the straightforward SQL
//     (`attrs::jsonb @> …`, or `jsonb_path_exists`, over the rows).
// The data: the lines of bench/store-data.ts over one hour, attrs as JSON apps (nested http
// object, request_id, duration), OTLP (flat dotted keys) and none; 1% of lines from 10 rare hosts.
// Usage: node --import tsx bench/postgres-fields.bench.ts [rows=1000000] [runs=15]
// (`npm run build:node` first: the HTTP part runs bin/logpipe, which loads dist/.)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FieldFilter } from '../src/shared/fields.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { PostgresStore } from '../src/server/storage/postgres/pg-store.js';
import { startServer } from '../test/helpers/server.js';
import { fmt, median } from './lib/http.js';
import { makeRecords, rng } from './store-data.js';

const URL_BASE = process.env.LOGPIPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 15);
const REF_RUNS = 5;
const BATCH = 1000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 28, 3, 0, 0);
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = [200, 200, 200, 200, 200, 201, 204, 301, 404, 500, 503];
const SERVICES = ['checkout', 'cart', 'payments', 'search', 'auth'];

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

/** Gives the generated lines attrs in the shapes logpipe stores, and 1% of them a rare host. */
function enrich(r: () => number, recs: NormalizedRecord[]): void {
  for (const x of recs) {
    const k = r();
    if (k < 0.5) {
      x.attrs = JSON.stringify({ request_id: `req-${hex(r, 16)}`, http: { method: METHODS[Math.floor(r() * METHODS.length)], status: STATUSES[Math.floor(r() * STATUSES.length)] }, duration_ms: Math.round(r() * r() * 500000) / 100, user: `u${Math.floor(r() * 5000)}` });
    } else if (k < 0.7) {
      x.attrs = JSON.stringify({ 'service.name': SERVICES[Math.floor(r() * SERVICES.length)], 'http.status_code': STATUSES[Math.floor(r() * STATUSES.length)], trace_id: hex(r, 32), span_id: hex(r, 16) });
    } else x.attrs = null;
    if (r() < 0.01) x.host = `edge-${Math.floor(r() * 10)}`;
  }
}

async function timed(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

// LOGPIPE_BENCH_SCHEMA=<name> reuses a schema kept by LOGPIPE_BENCH_KEEP=1 (no loading).
const reuse = process.env.LOGPIPE_BENCH_SCHEMA;
const schema = reuse ?? `logpipe_bench_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
const url = `${URL_BASE}${URL_BASE.includes('?') ? '&' : '?'}schema=${schema}`;
const admin = new pg.Pool({ connectionString: URL_BASE, max: 2 });
const store = await PostgresStore.open(url, { poolSize: 4, now: () => START + HOUR });
let server: Awaited<ReturnType<typeof startServer>> | undefined;
try {
  const r = rng(20261130);
  const t0 = performance.now();
  if (!reuse) {
    for (let i = 0; i < ROWS; i += BATCH) {
      const recs = makeRecords(r, i, Math.min(BATCH, ROWS - i), ROWS, START, HOUR, false);
      enrich(r, recs);
      await store.insert(recs);
    }
  }
  const loadS = (performance.now() - t0) / 1000;
  const s = `"${schema}"`;
  if (!reuse) {
    await admin.query(`VACUUM ANALYZE ${s}.logs`);
    await admin.query(`VACUUM ANALYZE ${s}.fields`);
  }
  // The raw text as a file would hold it (UTF-8, one newline a line), and one request_id.
  const raw = (await admin.query(`SELECT sum(octet_length(message) + 1)::bigint AS text, sum(octet_length(attrs) + 1)::bigint AS attrs, count(*)::bigint AS n FROM ${s}.logs`)).rows[0];
  const rawText = Number(raw.text);
  const rawAttrs = Number(raw.attrs);
  const rows = Number(raw.n);
  const rid = String((await admin.query(`SELECT vk FROM ${s}.fields WHERE key = 'request_id' AND ts > $1 ORDER BY ts LIMIT 1`, [START + HOUR / 2])).rows[0].vk);
  const sizes = (
    await admin.query(
      `SELECT CASE WHEN c.relname LIKE 'logs_%' THEN 'logs' WHEN c.relname LIKE 'fields_%' THEN 'fields' ELSE 'other' END AS part, sum(pg_total_relation_size(c.oid))::bigint AS n ` +
        "FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind IN ('r', 'S', 'm') GROUP BY 1",
      [schema],
    )
  ).rows as { part: string; n: string }[];
  const size = Object.fromEntries(sizes.map((x) => [x.part, Number(x.n)])) as Record<string, number>;
  const entries = Number((await admin.query(`SELECT count(*)::bigint AS n FROM ${s}.fields`)).rows[0].n);
  const total = (size.logs ?? 0) + (size.fields ?? 0) + (size.other ?? 0);
  if (reuse) console.log(`\n${fmt(rows)} lines over one hour in the kept schema ${schema}, ${fmt(entries)} field entries.`);
  else console.log(`\n${fmt(rows)} lines over one hour loaded through Store.insert in ${loadS.toFixed(0)} s (${fmt(rows / loadS)} lines/s), ${fmt(entries)} field entries; VACUUM ANALYZE after loading.`);
  console.log('\n| on disk (pg_total_relation_size) | bytes | × raw text |');
  console.log('|---|---|---|');
  console.log(`| raw text (lines + newline) | ${mb(rawText)} | 1.00 |`);
  console.log(`| raw attrs JSON of the same lines | ${mb(rawAttrs)} | ${(rawAttrs / rawText).toFixed(2)} |`);
  console.log(`| logs partitions (rows, tsvector, indexes) | ${mb(size.logs ?? 0)} | ${((size.logs ?? 0) / rawText).toFixed(2)} |`);
  console.log(`| fields partitions (field index) | ${mb(size.fields ?? 0)} | ${((size.fields ?? 0) / rawText).toFixed(2)} |`);
  console.log(`| rollups, totals, the rest | ${mb(size.other ?? 0)} | ${((size.other ?? 0) / rawText).toFixed(2)} |`);
  console.log(`| total | ${mb(total)} | ${(total / rawText).toFixed(2)} |`);

  server = await startServer({ args: ['--db', url] });
  const base = server.url;
  const http = (path: string) => async () => {
    const res = await fetch(base + path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { logs: unknown[] };
    if (!body.logs.length) throw new Error(`GET ${path} found nothing`);
  };
  const sql = (text: string, values: unknown[] = []) => async () => (await admin.query(text, values)).rows;
  const direct = (fields: FieldFilter[]) => async () => {
    const rows = await store.query({ fields, order: 'desc', limit: 100 });
    if (!rows.length) throw new Error(`nothing for ${JSON.stringify(fields)}`);
  };
  const COLS = 'id, ts, level, source, host, message, attrs';
  const rareHost = 'edge-3';
  const unfilteredHttp = await timed(http('/api/v1/logs?limit=100'), RUNS);
  const unfilteredDirect = await timed(() => store.query({ order: 'desc', limit: 100 }), RUNS);
  console.log(`\nNewest 100, medians of ${RUNS} runs (references: ${REF_RUNS} runs). Unfiltered first page: ${ms(unfilteredHttp)} ms over HTTP, ${ms(unfilteredDirect)} ms through Store.query.\n`);
  console.log('| query | store | unfiltered first page, same path | straightforward SQL without the index |');
  console.log('|---|---|---|---|');
  const hostCases: [string, string][] = [
    [`host=${rareHost} (0.1% of lines), over HTTP`, rareHost],
    ['host=host-1 (a third of the lines), over HTTP', 'host-1'],
  ];
  for (const [name, host] of hostCases) {
    const t = await timed(http(`/api/v1/logs?host=${host}&limit=100`), RUNS);
    const ref = await timed(sql(`SELECT ${COLS} FROM ${s}.logs WHERE host || '' = $1 ORDER BY ts DESC, id DESC LIMIT 100`, [host]), REF_RUNS);
    console.log(`| ${name} | ${ms(t)} ms | ${ms(unfilteredHttp)} ms | ${ms(ref)} ms |`);
  }
  const fieldCases: [string, FieldFilter[], string, unknown[]][] = [
    [`request_id = one id (1 line), Store.query`, [{ path: 'request_id', op: 'eq', value: rid }], `attrs::jsonb @> $1::jsonb`, [JSON.stringify({ request_id: rid })]],
    ['http.status = 503 (4.5% of lines), Store.query', [{ path: 'http.status', op: 'eq', value: '503' }], `attrs::jsonb @> $1::jsonb`, ['{"http":{"status":503}}']],
    ['request_id prefix "req-ab" (0.2%), Store.query', [{ path: 'request_id', op: 'prefix', value: 'req-ab' }], `attrs::jsonb->>'request_id' LIKE $1`, ['req-ab%']],
    ['duration_ms ≥ 4900 (0.1%), Store.query', [{ path: 'duration_ms', op: 'range', gte: 4900 }], `(attrs::jsonb->>'duration_ms')::float8 >= $1`, [4900]],
    ['service.name exists (20%), Store.query', [{ path: 'service.name', op: 'exists' }], `attrs::jsonb ? $1`, ['service.name']],
    ['http.status ≠ 200 (negate, 78%), Store.query', [{ path: 'http.status', op: 'eq', value: '200', negate: true }], `NOT coalesce(attrs::jsonb @> $1::jsonb, false)`, ['{"http":{"status":200}}']],
  ];
  for (const [name, fields, cond, values] of fieldCases) {
    const t = await timed(direct(fields), RUNS);
    const ref = await timed(sql(`SELECT ${COLS} FROM ${s}.logs WHERE ${cond} ORDER BY ts DESC, id DESC LIMIT 100`, values), REF_RUNS);
    console.log(`| ${name} | ${ms(t)} ms | ${ms(unfilteredDirect)} ms | ${ms(ref)} ms |`);
  }
} finally {
  if (server) {
    await server.stop();
    server.cleanup();
  }
  await store.close();
  if (!process.env.LOGPIPE_BENCH_KEEP) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  else console.log(`\nKept schema ${schema}.`);
  await admin.end();
}
