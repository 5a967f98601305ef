// Field filters (LogFilter.fields) in the store conformance suite, run by both stores' test
// files. The expected answer is always computed by brute force over the inserted records with
// matchesFields (src/shared/fields.ts, the one definition), so a store passes only if its SQL
// selects exactly those records, in event-time order, page after page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesFields, type FieldFilter } from '../../shared/fields.js';
import { LEVELS, type Level } from '../../shared/levels.js';
import { mulberry32 as rng } from '../../shared/random.js';
import type { LogRecord, NormalizedRecord } from '../../shared/record.js';
import { tokenize } from '../../shared/search.js';
import { compileFilter } from '../live/match.js';
import type { MakeStore } from './conformance.js';
import type { LogFilter, Position, Store } from './store.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOUR = 3_600_000;
const SOURCES = ['api', 'worker', 'otel', 'loki', 'edge'];
const HOSTS = ['web-1', 'web-2', 'db-1'];
const WORDS = ['payment', 'failed', 'ok', 'request', 'timeout', 'user', 'cache'];
const METHODS = ['GET', 'POST', 'DELETE'];
const STATUSES = [200, 200, 200, 201, 404, 500, 503];
const ROUTES = ['/api/v1/users', '/api/v1/orders', '/healthz', '/api/v2/pay'];
// Long texts and keys, past what an index entry holds whole (a store may index a head and
// check the rest): two values sharing their first 205 characters, a surrogate pair at the cut.
const LONG = `${'x'.repeat(199)}\u{1F600}${'y'.repeat(4)}`;
const LONG2 = `${'x'.repeat(197)}\u{1F600}${'z'.repeat(10)}`;
const LONG_KEY = `k.${'k'.repeat(300)}`;

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

/**
 * The attrs text of one record, in the shapes the parsers and interop routes produce: JSON
 * lines (nested objects, numbers, booleans, arrays, null), logfmt (every value a string, so
 * numbers arrive as decimal strings), OTLP (flat dotted keys, resource attributes, arrays,
 * int64 as a string), Loki labels and structured metadata (strings), records where a nested
 * path and a flat dotted key collide, odd values (LIKE wildcards, exponent and padded
 * numbers, a number JSON parses to Infinity), and no attrs at all.
 */
function randomAttrs(r: () => number, i: number): string | null {
  const status = pick(r, STATUSES);
  switch (i % 7) {
    case 0:
      return JSON.stringify({
        request_id: `req-${hex(r, 8)}`,
        user: { id: 1 + Math.floor(r() * 50), name: pick(r, ['ann', 'bob', 'cy']), roles: r() < 0.5 ? ['admin', 'dev'] : ['dev'] },
        http: { method: pick(r, METHODS), status, path: pick(r, ROUTES) },
        duration_ms: Math.round(r() * 200000) / 100,
        ok: status < 400,
        retry: r() < 0.5 ? null : Math.floor(r() * 3),
        tags: r() < 0.3 ? [] : [pick(r, ['a', 'b', 'c']), Math.floor(r() * 3)],
      });
    case 1:
      return JSON.stringify({
        status: String(status),
        duration: (r() * 2).toFixed(3),
        user_id: String(1 + Math.floor(r() * 50)),
        method: pick(r, METHODS),
        path: pick(r, ROUTES),
        msg: pick(r, WORDS),
      });
    case 2:
      return JSON.stringify({
        'service.name': pick(r, ['checkout', 'cart', 'checkout-v2']),
        'deployment.environment': pick(r, ['prod', 'staging']),
        'http.status_code': status,
        'http.status': status,
        'user.id': 1 + Math.floor(r() * 50),
        ratio: Math.round(r() * 100) / 100,
        tags: ['a', 2],
        nested: { k: pick(r, ['v', 'w']) },
        big: '9223372036854775807',
        trace_id: hex(r, 32),
        span_id: hex(r, 16),
      });
    case 3:
      return JSON.stringify({ job: pick(r, ['varlogs', 'nginx']), filename: `/var/log/${pick(r, ['app', 'nginx/access'])}.log`, namespace: pick(r, ['prod', 'dev']), traceID: hex(r, 16) });
    case 4:
      return JSON.stringify({ http: { status: 200, 'route.name': pick(r, ['orders', 'users']) }, 'http.status': String(status), user: [{ id: 7 }, { id: 1 + Math.floor(r() * 50) }] });
    case 5: {
      const odd = pick(r, ['50%_off', '50_50', '5e2', ' 5', '-7', '0x10', '', 'Infinity', '1e3', '.5']);
      const long = r() < 0.2 ? LONG2 : `${LONG}${pick(r, ['-a', '-b', ''])}`;
      return `{"v":${JSON.stringify(odd)},"n":${pick(r, ['1.50', '-0', '1e400', '12', '2.5e1'])},"user":{"id":"${1 + Math.floor(r() * 50)}"},"long":${JSON.stringify(long)},${JSON.stringify(LONG_KEY)}:${JSON.stringify(pick(r, ['p', 'q']))}}`;
    }
    default:
      return null;
  }
}

function rec(r: () => number, i: number, ts: number): NormalizedRecord {
  const level: Level = r() < 0.05 ? pick(r, LEVELS) : pick(r, ['info', 'info', 'warn', 'error'] as Level[]);
  return { ts, level, source: pick(r, SOURCES), host: pick(r, HOSTS), message: `${pick(r, WORDS)} ${pick(r, WORDS)} n${i}`, attrs: randomAttrs(r, i), stream: null, offset: null };
}

/** Records over two hours, half in time order and half scattered (late lines), with ts ties. */
function corpus(seed: number, n: number): NormalizedRecord[] {
  const r = rng(seed);
  const out: NormalizedRecord[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    if (r() >= 0.125) t += Math.floor(r() * 15_000);
    out.push(rec(r, i, Math.floor(i / 40) % 2 === 1 ? T0 + Math.floor(r() * 2 * HOUR) : t));
  }
  return out;
}

/** Field filters covering every op, negate, nested and flat dotted paths, arrays, numbers and numeric strings, and missing fields. */
function fieldCases(requestId: string): FieldFilter[][] {
  return [
    [{ path: 'request_id', op: 'eq', value: requestId }],
    [{ path: 'http.status', op: 'eq', value: '503' }],
    [{ path: 'http.status', op: 'eq', value: '200', negate: true }],
    [{ path: 'user.id', op: 'eq', value: '7' }],
    [{ path: 'user.roles', op: 'eq', value: 'admin' }],
    [{ path: 'tags', op: 'eq', value: '2' }],
    [{ path: 'ok', op: 'eq', value: 'false' }],
    [{ path: 'n', op: 'eq', value: '1.5' }],
    [{ path: 'n', op: 'eq', value: '1.50' }],
    [{ path: 'n', op: 'eq', value: '0' }],
    [{ path: 'v', op: 'eq', value: '' }],
    [{ path: 'http.route.name', op: 'eq', value: 'orders' }],
    [{ path: 'long', op: 'eq', value: `${LONG}-a` }],
    [{ path: 'long', op: 'eq', value: LONG }],
    [{ path: 'long', op: 'eq', value: LONG.slice(0, 199) }],
    [{ path: 'long', op: 'prefix', value: `${LONG}-` }],
    [{ path: 'long', op: 'prefix', value: LONG.slice(0, 150) }],
    [{ path: 'long', op: 'prefix', value: LONG2.slice(0, 205) }],
    [{ path: 'long', op: 'eq', value: LONG2 }],
    [{ path: LONG_KEY, op: 'eq', value: 'p' }],
    [{ path: LONG_KEY.slice(0, 250), op: 'exists' }],
    [{ path: 'nested.k', op: 'eq', value: 'v' }],
    [{ path: 'deployment.environment', op: 'eq', value: 'prod' }],
    [{ path: 'request_id', op: 'prefix', value: 'req-a' }],
    [{ path: 'service.name', op: 'prefix', value: 'checkout' }],
    [{ path: 'filename', op: 'prefix', value: '/var/log/nginx/' }],
    [{ path: 'v', op: 'prefix', value: '50%' }],
    [{ path: 'v', op: 'prefix', value: '50_' }],
    [{ path: 'http.path', op: 'prefix', value: '/api/v1/', negate: true }],
    [{ path: 'user', op: 'exists' }],
    [{ path: 'retry', op: 'exists' }],
    [{ path: 'n', op: 'exists' }],
    [{ path: 'tags', op: 'exists', negate: true }],
    [{ path: 'no.such.field', op: 'exists' }],
    [{ path: 'no.such.field', op: 'eq', value: 'x', negate: true }],
    [{ path: 'duration_ms', op: 'range', gte: 500, lt: 1500 }],
    [{ path: 'duration', op: 'range', gt: 1.5 }],
    [{ path: 'http.status', op: 'range', gte: 500, lte: 503 }],
    [{ path: 'user.id', op: 'range', lte: 10 }],
    [{ path: 'v', op: 'range', gte: -10, lt: 1000 }],
    [{ path: 'n', op: 'range', gt: 10, negate: true }],
    [{ path: 'big', op: 'range', gte: 1e18 }],
    [{ path: 'ratio', op: 'range', gte: 0.25, lt: 0.5 }],
    [
      { path: 'http.status', op: 'range', gte: 400 },
      { path: 'http.method', op: 'eq', value: 'GET' },
    ],
    [
      { path: 'user.id', op: 'exists' },
      { path: 'user.id', op: 'range', gt: 25, negate: true },
      { path: 'deployment.environment', op: 'eq', value: 'staging', negate: true },
    ],
  ];
}

function baseMatches(x: LogRecord, f: LogFilter): boolean {
  if (f.levels?.length && !f.levels.includes(x.level)) return false;
  if (f.sources?.length && !f.sources.includes(x.source)) return false;
  if (f.host !== undefined && x.host !== f.host) return false;
  if (f.from !== undefined && x.ts < f.from) return false;
  if (f.to !== undefined && x.ts >= f.to) return false;
  // Only single plain words are used as q here, so "has the token" is the whole model.
  if (f.q !== undefined && !tokenize(x.message).includes(f.q)) return false;
  return true;
}

/** The brute-force answer: base filter, then matchesFields over the parsed attrs. */
function bruteForce(all: LogRecord[], f: LogFilter): LogRecord[] {
  return all.filter((x) => baseMatches(x, f) && matchesFields(x.attrs, f.fields));
}

function byTime(a: LogRecord, b: LogRecord): number {
  return a.ts - b.ts || a.id - b.id;
}

async function readAllPages(store: Store, f: LogFilter, order: 'asc' | 'desc', limit: number): Promise<LogRecord[]> {
  const got: LogRecord[] = [];
  let after: Position | undefined;
  for (let page = 0; page < 2000; page++) {
    const rows = await store.query({ ...f, order, limit, after });
    assert.ok(rows.length <= limit);
    got.push(...rows);
    if (rows.length < limit) break;
    after = { ts: rows[rows.length - 1].ts, id: rows[rows.length - 1].id };
  }
  return got;
}

/** Base filters the field filters are combined with: none, q, levels, sources, host, time, and several at once. */
function baseCases(r: () => number): LogFilter[] {
  return [
    {},
    { q: pick(r, WORDS) },
    { levels: ['error', 'warn'] },
    { sources: ['api', 'otel'] },
    { host: 'web-2' },
    { from: T0 + 20 * 60_000, to: T0 + 80 * 60_000 },
    { q: 'request', levels: ['info', 'error'], host: 'web-1', from: T0 + 10 * 60_000 },
  ];
}

/** Registers the field-filter conformance tests for one Store implementation. */
export function runFieldConformance(name: string, makeStore: MakeStore): void {
  describe(`${name} store conformance: field filters`, () => {
    test('fields: every op, negate, dotted paths and arrays, alone and with q/levels/sources/host/time, match brute force page by page', async () => {
      const seed = 1111;
      const r = rng(seed);
      const h = await makeStore();
      try {
        const inserted = corpus(seed, 700);
        const all: LogRecord[] = [];
        for (let i = 0; i < inserted.length; i += 89) all.push(...(await h.store.insert(inserted.slice(i, i + 89))).records);
        const requestId = String((all.find((x) => x.attrs && typeof x.attrs.request_id === 'string')!.attrs as { request_id: string }).request_id);
        let nonEmpty = 0;
        for (const [ci, fields] of fieldCases(requestId).entries()) {
          for (const [bi, base] of baseCases(r).entries()) {
            const f: LogFilter = { ...base, fields };
            const want = bruteForce(all, f).sort(byTime);
            if (want.length) nonEmpty++;
            // Both orders over every base; page sizes that split pages often, and one page.
            const plans: ['asc' | 'desc', number][] = bi === 0 ? [['desc', 7], ['asc', 13], ['desc', 1000]] : [['desc', 1 + Math.floor(r() * 40)]];
            for (const [order, limit] of plans) {
              const got = await readAllPages(h.store, f, order, limit);
              const w = order === 'desc' ? [...want].reverse() : want;
              assert.deepEqual(got.map((x) => x.id), w.map((x) => x.id), `seed ${seed} case #${ci}.${bi} ${JSON.stringify(f)} ${order} limit ${limit}`);
            }
          }
        }
        // The cases must select something most of the time, or they test nothing.
        assert.ok(nonEmpty > 120, `only ${nonEmpty} non-empty cases`);
        // Records come back whole, attrs as inserted.
        const [one] = await h.store.query({ fields: [{ path: 'request_id', op: 'eq', value: requestId }], order: 'desc', limit: 1 });
        assert.deepEqual(one, all.find((x) => x.attrs?.request_id === requestId));
      } finally {
        await h.cleanup();
      }
    });

    test('fields: since() (live-tail catch-up, arrival order) and the histogram count exactly the brute-force matches', async () => {
      const seed = 2222;
      const r = rng(seed);
      const h = await makeStore();
      try {
        const inserted = corpus(seed, 500);
        const all: LogRecord[] = [];
        for (let i = 0; i < inserted.length; i += 101) all.push(...(await h.store.insert(inserted.slice(i, i + 101))).records);
        const cases = fieldCases('req-none');
        for (let i = 0; i < 12; i++) {
          const base = pick(r, baseCases(r));
          const f: LogFilter = { ...base, fields: pick(r, cases) };
          const want = bruteForce(all, f).map((x) => x.id);
          const got: number[] = [];
          let afterId = 0;
          for (;;) {
            const rows = await h.store.since(afterId, f, 17);
            got.push(...rows.map((x) => x.id));
            if (rows.length < 17) break;
            afterId = rows[rows.length - 1].id;
          }
          assert.deepEqual(got, want, `seed ${seed} since ${JSON.stringify(f)}`);
          // A histogram over whole hours plus ragged edges, as the dashboard asks for.
          const from = T0 - 7 * 60_000 + 1234;
          const to = T0 + 2 * HOUR + 5 * 60_000 - 77;
          const hist = await h.store.histogram({ ...f, from, to, buckets: 12 });
          const n = hist.counts.info.length;
          const counts = {} as Record<Level, number[]>;
          for (const l of LEVELS) counts[l] = new Array<number>(n).fill(0);
          for (const x of bruteForce(all, { ...f, from, to })) counts[x.level][Math.floor((x.ts - hist.from) / hist.step)]++;
          assert.deepEqual(hist.counts, counts, `seed ${seed} histogram ${JSON.stringify(f)}`);
        }
      } finally {
        await h.cleanup();
      }
    });

    test('fields: the live tail matcher selects exactly what the store returns for the same filter', async () => {
      const seed = 3333;
      const r = rng(seed);
      const h = await makeStore();
      try {
        const all = (await h.store.insert(corpus(seed, 300))).records;
        const requestId = String(all.find((x) => typeof x.attrs?.request_id === 'string')!.attrs!.request_id);
        for (const fields of fieldCases(requestId)) {
          const f: LogFilter = { ...pick(r, baseCases(r)), fields };
          const fromStore = (await h.store.query({ ...f, order: 'asc', limit: 1000 })).map((x) => x.id);
          const predicate = compileFilter(f);
          assert.ok(predicate, 'a filter with fields compiles to a predicate');
          // The live tail sees records in arrival order; the store returns them by time.
          const live = all.filter((x) => predicate(x, () => tokenize(x.message))).sort(byTime).map((x) => x.id);
          assert.deepEqual(live, fromStore, `seed ${seed} ${JSON.stringify(f)}`);
        }
      } finally {
        await h.cleanup();
      }
    });
  });
}
