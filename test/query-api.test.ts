// The query language over HTTP (docs/query.md, "Over HTTP"): a real SQLite file behind the app
// listening on 127.0.0.1 and a free port. Every read endpoint takes `q` and refuses a bad one
// with 400 LP_ERR_QUERY and the column; a query the store cannot answer alone is scanned under a
// budget and says so; pipes answer tables; /fields, histogram by=, export and the live tail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { buildApp, type App } from '../src/server/app.js';
import { DEFAULT_LIMITS, type Limits } from '../src/server/config.js';
import type { Store } from '../src/server/storage/store.js';
import { openStore } from '../src/server/storage/open.js';
import type { LogRecord } from '../src/shared/record.js';
import { http, postJson } from './helpers/http.js';
import { makeTempDir } from './helpers/server.js';
import { SseClient } from './helpers/sse.js';

const T0 = Date.UTC(2026, 10, 30, 10);
const SOURCES = ['billing', 'auth', 'checkout'];

interface Running {
  url: string;
  close(): Promise<void>;
}

async function serve(store: Store, dir: string, limits: Partial<Limits> = {}): Promise<Running> {
  const built: App = await buildApp(
    { host: '127.0.0.1', port: 0, dataDir: dir, ingestTokens: [], readTokens: [], insecure: false, corsOrigins: [], limits: { ...DEFAULT_LIMITS, ...limits }, heartbeatMs: 15_000, logLevel: 'silent' },
    store,
    { logger: false },
  );
  const address = await built.app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, close: () => built.app.close() };
}

let dir: string;
let store: Store;
let main: Running;
let tight: Running;
let instant: Running;

/** 300 lines a second apart: every 50th is `http.status 503` from billing with request_id req-<i>. */
function corpus(): unknown[] {
  return Array.from({ length: 300 }, (_, i) => ({
    ts: T0 + i * 1000,
    level: i % 10 === 0 ? 'error' : 'info',
    source: SOURCES[i % 3],
    host: `web-${i % 2}`,
    message: `${i % 4 === 0 ? 'charge' : 'refund'} ${i % 7 === 0 ? 'timeout' : 'done'} ECONNREFUSED-${i % 5} order /api/v1/orders/${i}`,
    attrs: i % 50 === 0 ? { http: { status: 503 }, request_id: `req-${i}` } : { http: { status: 200 }, request_id: `req-${i % 3}` },
  }));
}

before(async () => {
  dir = makeTempDir('logpipe-query-api-');
  store = await openStore({ dataDir: dir });
  main = await serve(store, dir);
  // Reads at most 20 candidate rows per request: any sparse query is cut.
  tight = await serve(store, dir, { queryScanRows: 20 });
  // A time budget already spent when the first batch comes back: every scan stops after it.
  instant = await serve(store, dir, { queryScanMs: 0 });
  const res = await postJson(`${main.url}/api/v1/logs`, corpus());
  assert.equal(res.status, 200, res.text);
});

after(async () => {
  await tight.close();
  await instant.close();
  await main.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The same six lines as `http.status:503`, as a regular expression: no store answers it alone
 * (field filters go to the store), so the engine scans candidates and its budgets apply.
 */
const SPARSE = '/orders\\/(0|\\d*[05]0)$/';

const RANGE = `from=${T0}&to=${T0 + 300_000}`;

async function get(base: string, path: string, params: Record<string, string>): Promise<{ status: number; json: any; text: string }> {
  return http(`${base}${path}?${new URLSearchParams(params)}`);
}

test('a query that does not parse, or whose regex does not compile, is 400 LP_ERR_QUERY with the column on every read endpoint, the live tail included', async () => {
  for (const path of ['/api/v1/logs', '/api/v1/logs/export', '/api/v1/histogram', '/api/v1/fields', '/api/v1/tail']) {
    const res = await get(main.url, path, { q: 'charge (timeout' });
    assert.equal(res.status, 400, `${path}: ${res.text}`);
    assert.equal(res.json.error, 'LP_ERR_QUERY', path);
    assert.equal(typeof res.json.details.column, 'number', path);
    assert.match(res.json.message, /column/, path);
    // A pattern the regex engine refuses (the parser checks it only when the engine is loaded).
    const regex = await get(main.url, path, { q: 'charge /(a/' });
    assert.equal(regex.status, 400, `${path}: ${regex.text}`);
    assert.equal(regex.json.error, 'LP_ERR_QUERY', path);
    assert.match(regex.json.message, /^invalid regular expression at column 8: missing closing \)/, path);
  }
});

test('GET /api/v1/logs selects with OR, NOT, fields, comparisons, substring and regex, newest first', async () => {
  const ids = async (q: string) => ((await get(main.url, '/api/v1/logs', { q, limit: '1000' })).json.logs as LogRecord[]).map((r) => Number(r.message.split('/').pop()));
  const all = Array.from({ length: 300 }, (_, i) => i).reverse();
  assert.deepEqual(await ids('http.status:503'), all.filter((i) => i % 50 === 0));
  assert.deepEqual(await ids('http.status:>=500 source:billing'), all.filter((i) => i % 50 === 0 && i % 3 === 0));
  assert.deepEqual(await ids('charge -timeout'), all.filter((i) => i % 4 === 0 && i % 7 !== 0));
  assert.deepEqual(await ids('source:auth OR level:error'), all.filter((i) => i % 3 === 1 || i % 10 === 0));
  assert.deepEqual(await ids('~"econnrefused-4"'), all.filter((i) => i % 5 === 4));
  assert.deepEqual(await ids('/orders\\/1\\d$/'), all.filter((i) => i >= 10 && i <= 19));
  assert.deepEqual(await ids('request_id:req-1,req-2 host:web-1'), all.filter((i) => i % 50 !== 0 && i % 3 !== 0 && i % 2 === 1));
  const none = await get(main.url, '/api/v1/logs', { q: 'level:info level:error' });
  assert.deepEqual(none.json.logs, []);
  assert.equal(none.json.nextCursor, null);
});

test('a scan cut by the budget says partial with the rows scanned, and its cursor goes on to find every match', async () => {
  const first = await get(tight.url, '/api/v1/logs', { q: SPARSE, limit: '10' });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.partial, true);
  assert.equal(first.json.scanned, 20);
  assert.ok(first.json.logs.length < 10);
  assert.ok(first.json.nextCursor);
  const found: number[] = first.json.logs.map((r: LogRecord) => r.id);
  let cursor = first.json.nextCursor as string | null;
  for (let i = 0; cursor && i < 100; i++) {
    const page = await get(tight.url, '/api/v1/logs', { q: SPARSE, limit: '10', cursor });
    found.push(...page.json.logs.map((r: LogRecord) => r.id));
    cursor = page.json.nextCursor;
  }
  assert.equal(cursor, null);
  const want = (await get(main.url, '/api/v1/logs', { q: SPARSE, limit: '100' })).json;
  assert.equal(want.partial, false);
  assert.deepEqual(found, want.logs.map((r: LogRecord) => r.id));
  assert.equal(found.length, 6);
});

test('the time budget cuts a scan too: partial after the first batch, and the cursor goes on', async () => {
  const first = await get(instant.url, '/api/v1/logs', { q: SPARSE, limit: '10', order: 'asc' });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.partial, true);
  // The first batch is 200 candidate rows (twice limit+1, at least 200): ids 1..200 hold 0, 50, 100, 150.
  assert.equal(first.json.scanned, 200);
  assert.deepEqual(first.json.logs.map((r: LogRecord) => r.attrs?.request_id), ['req-0', 'req-50', 'req-100', 'req-150']);
  const next = await get(instant.url, '/api/v1/logs', { q: SPARSE, limit: '10', cursor: first.json.nextCursor });
  assert.deepEqual(next.json.logs.map((r: LogRecord) => r.attrs?.request_id), ['req-200', 'req-250']);
  assert.equal(next.json.partial, false);
  assert.equal(next.json.nextCursor, null);
});

test('pipes answer tables: stats count() by (fields) with limit, and top N field; paging parameters are refused with a pipe', async () => {
  const stats = await get(main.url, '/api/v1/logs', { q: 'level:error | stats count() by (source, http.status)', ...Object.fromEntries(new URLSearchParams(RANGE)) });
  assert.equal(stats.status, 200, stats.text);
  assert.deepEqual(stats.json.columns, ['source', 'http.status', 'count']);
  // req-0 is also the request_id of line 0 (every 50th has its own). Errors are every 10th line: 30 of them; 503 on every 50th (6), sources by i % 3.
  assert.deepEqual(stats.json.rows, [['auth', '200', 8], ['billing', '200', 8], ['checkout', '200', 8], ['auth', '503', 2], ['billing', '503', 2], ['checkout', '503', 2]]);
  assert.equal(stats.json.matched, 30);
  assert.equal(stats.json.partial, false);
  const top = await get(main.url, '/api/v1/logs', { q: '| top 2 request_id' });
  assert.deepEqual(top.json.columns, ['request_id', 'count']);
  assert.deepEqual(top.json.rows, [['req-0', 99], ['req-1', 98]]);
  const limited = await get(main.url, '/api/v1/logs', { q: '| stats count() by (source) limit 1' });
  assert.deepEqual(limited.json.rows, [['auth', 100]]);
  const paged = await get(main.url, '/api/v1/logs', { q: '| stats count()', limit: '5' });
  assert.equal(paged.status, 400);
  assert.equal(paged.json.error, 'LP_ERR_INVALID_QUERY');
  assert.equal(paged.json.details.param, 'limit');
});

test('GET /api/v1/fields lists level, source, host and attrs paths of the matches with top values, and says when it sampled', async () => {
  const res = await get(main.url, '/api/v1/fields', { q: SPARSE, from: String(T0), to: String(T0 + 300_000) });
  assert.equal(res.status, 200, res.text);
  const byName = new Map<string, any>(res.json.fields.map((f: any) => [f.field, f]));
  assert.deepEqual(res.json.fields.slice(0, 3).map((f: any) => f.field), ['level', 'source', 'host']);
  assert.deepEqual(byName.get('http.status').values, [{ value: '503', count: 6 }]);
  assert.equal(byName.get('request_id').count, 6);
  assert.equal(byName.get('request_id').distinct, 6);
  assert.deepEqual(byName.get('level').values, [{ value: 'error', count: 6 }]);
  assert.equal(res.json.matched, 6);
  assert.equal(res.json.sampled, false);
  const sample = await get(main.url, '/api/v1/fields', { sample: '5' });
  assert.equal(sample.json.sampled, true);
  assert.equal(sample.json.matched, 5);
  assert.equal(sample.json.fields[0].count, 5);
});

test('histogram: the level shape stays by default; by=source and by=http.status give top series and other', async () => {
  const level = await get(main.url, '/api/v1/histogram', { q: 'charge', buckets: '5', from: String(T0), to: String(T0 + 300_000) });
  assert.equal(level.status, 200, level.text);
  assert.equal(level.json.totals.error + level.json.totals.info, 75);
  assert.equal(level.json.by, undefined);
  const bySource = await get(main.url, '/api/v1/histogram', { q: 'charge', by: 'source', top: '2', buckets: '5', from: String(T0), to: String(T0 + 300_000) });
  assert.equal(bySource.status, 200, bySource.text);
  assert.equal(bySource.json.by, 'source');
  assert.equal(bySource.json.series.length, 2);
  assert.equal(bySource.json.series.reduce((a: number, s: any) => a + s.total, 0) + bySource.json.other.total, 75);
  assert.equal(bySource.json.other.values, 1);
  assert.equal(bySource.json.series[0].counts.length, bySource.json.buckets.length);
  const byStatus = await get(main.url, '/api/v1/histogram', { by: 'http.status', from: String(T0), to: String(T0 + 300_000) });
  assert.deepEqual(byStatus.json.series.map((s: any) => [s.value, s.total]), [['200', 294], ['503', 6]]);
  assert.equal(byStatus.json.other, null);
  const bad = await get(main.url, '/api/v1/histogram', { by: 'a b' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.details.param, 'by');
  const cut = await get(tight.url, '/api/v1/histogram', { q: SPARSE, from: String(T0), to: String(T0 + 300_000) });
  assert.equal(cut.json.partial, true);
  assert.equal(typeof cut.json.completeFrom, 'number');
});

test('export applies the query and refuses a pipe', async () => {
  const res = await get(main.url, '/api/v1/logs/export', { q: 'http.status:503 OR request_id:req-150' });
  assert.equal(res.status, 200);
  const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as LogRecord);
  assert.deepEqual(lines.map((r) => r.attrs?.request_id), ['req-0', 'req-50', 'req-100', 'req-150', 'req-200', 'req-250']);
  const piped = await get(main.url, '/api/v1/logs/export', { q: 'charge | stats count()' });
  assert.equal(piped.status, 400);
  assert.equal(piped.json.error, 'LP_ERR_QUERY');
});

test('the live tail applies the query to catch-up and to new records alike', async () => {
  const sse = new SseClient(`${main.url}/api/v1/tail?${new URLSearchParams({ q: 'http.status:503 -source:auth', after: '0' })}`);
  try {
    await sse.until(() => sse.records().length >= 4);
    const res = await postJson(`${main.url}/api/v1/logs`, [
      { message: 'live one', source: 'billing', attrs: { http: { status: 503 } } },
      { message: 'live two', source: 'auth', attrs: { http: { status: 503 } } },
      { message: 'live three', source: 'billing', attrs: { http: { status: 200 } } },
      { message: 'live four', source: 'checkout', attrs: { http: { status: '503' } } },
    ]);
    assert.equal(res.status, 200, res.text);
    await sse.until(() => sse.records().some((r) => r.message === 'live four'));
    const got = sse.records().map((r) => (r.message.startsWith('live') ? r.message : r.attrs?.request_id));
    // Catch-up in ingestion order (auth's 100 and 250 left out), then the new matches.
    assert.deepEqual(got, ['req-0', 'req-50', 'req-150', 'req-200', 'live one', 'live four']);
  } finally {
    sse.close();
  }
});
