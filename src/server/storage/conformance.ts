// The store test suite every Store implementation must pass (SQLite now, PostgreSQL later).
// Results are checked against a plain in-memory model of the same records, over random data
// with a fixed seed (printed in failure messages), so each test can fail for a real reason.
// Test code: tsconfig.build.json keeps conformance*.ts out of dist/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEVELS, type Level } from '../../shared/levels.js';
import type { LogRecord, NormalizedRecord } from '../../shared/record.js';
import { tokenize } from '../../shared/search.js';
import { compileFilter } from '../live/match.js';
import type { LogFilter, Position, Store } from './store.js';
import { enforceGuardedRetention, RetentionGuard } from './retention.js';
import { mulberry32 as rng } from '../../shared/random.js';

/** A store under test: `reopen` closes it and opens a new one over the same data; `cleanup` closes and deletes everything. */
export interface StoreHandle {
  store: Store;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** Options a factory must honour: `now` is the clock the store uses for ingest times (retention). */
export interface MakeStoreOptions {
  now?: () => number;
}

export type MakeStore = (options?: MakeStoreOptions) => Promise<StoreHandle>;

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOUR = 3_600_000;
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'connect', 'connection', 'timeout', 'user', 'request', 'failed', 'ok', 'disk', 'cache', 'retry'];
const SOURCES = ['api', 'worker', 'db', 'auth', 'edge'];
const HOSTS = ['h1', 'h2', 'h3'];


function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function subset<T>(r: () => number, xs: readonly T[], max: number): T[] {
  const n = 1 + Math.floor(r() * max);
  const out = new Set<T>();
  while (out.size < n) out.add(pick(r, xs));
  return [...out];
}

function rec(p: Partial<NormalizedRecord> & { message: string }): NormalizedRecord {
  return { ts: T0, level: 'info', source: 'api', host: 'h1', attrs: null, stream: null, offset: null, ...p };
}

/** Random records: half the batches in time order, half with timestamps scattered over two hours. */
function randomRecords(r: () => number, n: number): NormalizedRecord[] {
  const out: NormalizedRecord[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    const scattered = Math.floor(i / 50) % 2 === 1;
    // Ties: about one record in eight shares its ts with the one before it.
    if (r() >= 0.125) t += Math.floor(r() * 12_000);
    const ts = scattered ? T0 + Math.floor(r() * 2 * HOUR) : t;
    const words = Array.from({ length: 2 + Math.floor(r() * 6) }, () => pick(r, WORDS));
    const level = r() < 0.05 ? pick(r, LEVELS) : pick(r, ['info', 'info', 'info', 'debug', 'warn', 'error'] as Level[]);
    out.push(
      rec({
        ts,
        level,
        source: pick(r, SOURCES),
        host: pick(r, HOSTS),
        message: `${words.join(' ')} n${i}`,
        attrs: r() < 0.2 ? JSON.stringify({ i, tag: pick(r, WORDS) }) : null,
      }),
    );
  }
  return out;
}

interface ModelQuery {
  q: string;
  match(tokens: string[]): boolean;
}

function tokens(message: string): string[] {
  return message.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function randomModelQuery(r: () => number): ModelQuery {
  const kind = Math.floor(r() * 5);
  const a = pick(r, WORDS);
  const b = pick(r, WORDS);
  switch (kind) {
    case 0:
      return { q: a, match: (t) => t.includes(a) };
    case 1: {
      const p = a.slice(0, 3);
      return { q: `${p}*`, match: (t) => t.some((x) => x.startsWith(p)) };
    }
    case 2:
      return { q: `"${a} ${b}"`, match: (t) => t.some((x, i) => x === a && t[i + 1] === b) };
    case 3:
      return { q: `${a.toUpperCase()} ${b}`, match: (t) => t.includes(a) && t.includes(b) };
    default:
      return { q: `${a} "${b}"`, match: (t) => t.includes(a) && t.includes(b) };
  }
}

interface Modelled extends LogFilter {
  model?: ModelQuery;
}

function randomFilter(r: () => number): Modelled {
  const f: Modelled = {};
  if (r() < 0.4) f.levels = subset(r, LEVELS, 3);
  if (r() < 0.35) f.sources = subset(r, SOURCES, 2);
  if (r() < 0.15) f.host = pick(r, HOSTS);
  if (r() < 0.5) f.from = T0 + Math.floor(r() * 2 * HOUR) - 10_000;
  if (r() < 0.5) f.to = (f.from ?? T0) + Math.floor(r() * 1.5 * HOUR);
  if (r() < 0.35) {
    f.model = randomModelQuery(r);
    f.q = f.model.q;
  }
  return f;
}

function matches(x: LogRecord, f: Modelled): boolean {
  if (f.levels?.length && !f.levels.includes(x.level)) return false;
  if (f.sources?.length && !f.sources.includes(x.source)) return false;
  if (f.host !== undefined && x.host !== f.host) return false;
  if (f.from !== undefined && x.ts < f.from) return false;
  if (f.to !== undefined && x.ts >= f.to) return false;
  if (f.model && !f.model.match(tokens(x.message))) return false;
  return true;
}

/** Event-time order: ts, ties by id (what every query, page and export follows). */
function byTime(a: LogRecord, b: LogRecord): number {
  return a.ts - b.ts || a.id - b.id;
}

/** Every record matching `f` read page by page through `after` positions, as a cursor would. */
async function readAllPages(store: Store, f: LogFilter, order: 'asc' | 'desc', limit: number): Promise<LogRecord[]> {
  const got: LogRecord[] = [];
  let after: Position | undefined;
  for (let page = 0; page < 5000; page++) {
    const rows = await store.query({ ...f, order, limit, after });
    assert.ok(rows.length <= limit);
    got.push(...rows);
    if (rows.length < limit) break;
    after = { ts: rows[rows.length - 1].ts, id: rows[rows.length - 1].id };
  }
  return got;
}

function filterOf(f: Modelled): LogFilter {
  const { model: _model, ...rest } = f;
  return rest;
}

async function insertAll(store: Store, records: NormalizedRecord[], batch = 97): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let i = 0; i < records.length; i += batch) out.push(...(await store.insert(records.slice(i, i + batch))).records);
  return out;
}

async function naiveHistogramCheck(store: Store, all: LogRecord[], f: Modelled, from: number, to: number, buckets: number, label: string): Promise<void> {
  const h = await store.histogram({ ...filterOf(f), from, to, buckets });
  const count = h.counts.info.length;
  assert.ok(h.step > 0 && h.from <= from && h.from + count * h.step >= to, `${label}: layout ${JSON.stringify({ from: h.from, step: h.step, count })}`);
  assert.ok(h.step * buckets >= to - from, `${label}: step ${h.step} too small for ${buckets} buckets`);
  assert.ok(count <= buckets + 1, `${label}: ${count} buckets for ${buckets} asked`);
  const want = {} as Record<Level, number[]>;
  for (const l of LEVELS) want[l] = new Array<number>(count).fill(0);
  for (const x of all) {
    if (x.ts < from || x.ts >= to || !matches(x, { ...f, from: undefined, to: undefined })) continue;
    want[x.level][Math.floor((x.ts - h.from) / h.step)]++;
  }
  assert.deepEqual(h.counts, want, `${label}: histogram differs from a naive count`);
}

/** Registers the conformance tests for one Store implementation with node:test. */
export function runStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`${name} store conformance`, () => {
    test('insert returns the stored records with increasing ids, and get() reads them back', async () => {
      const h = await makeStore();
      try {
        const res = await h.store.insert([
          rec({ message: 'first line', attrs: JSON.stringify({ a: 1, b: 'x' }) }),
          rec({ message: 'second line', level: 'error', source: 'db', host: 'h9', ts: T0 + 5 }),
        ]);
        assert.equal(res.accepted, 2);
        assert.equal(res.duplicates, 0);
        assert.equal(res.records.length, 2);
        assert.equal(res.firstId, res.records[0].id);
        assert.equal(res.lastId, res.records[1].id);
        assert.ok(res.records[1].id > res.records[0].id);
        assert.deepEqual(res.records[0].attrs, { a: 1, b: 'x' });
        assert.deepEqual(await h.store.get(res.records[1].id), { id: res.records[1].id, ts: T0 + 5, level: 'error', source: 'db', host: 'h9', message: 'second line', attrs: null });
        assert.deepEqual(await h.store.get(res.records[0].id), res.records[0]);
        assert.equal(await h.store.get(res.lastId! + 1000), undefined);
        const empty = await h.store.insert([]);
        assert.equal(empty.accepted, 0);
        assert.deepEqual(empty.records, []);
        const st = await h.store.stats();
        assert.equal(st.rows, 2);
        assert.equal(st.lastId, res.lastId);
        assert.ok(st.dbBytes > 0);
      } finally {
        await h.cleanup();
      }
    });

    test('query: every filter, both orders and cursor pagination match a naive model', async () => {
      const seed = 20261128;
      const r = rng(seed);
      const h = await makeStore();
      try {
        const all = await insertAll(h.store, randomRecords(r, 1500));
        for (let i = 0; i < 60; i++) {
          const f = randomFilter(r);
          for (const order of ['desc', 'asc'] as const) {
            const want = all.filter((x) => matches(x, f)).sort(byTime).map((x) => x.id);
            if (order === 'desc') want.reverse();
            const limit = 1 + Math.floor(r() * 60);
            const got = (await readAllPages(h.store, filterOf(f), order, limit)).map((x) => x.id);
            assert.deepEqual(got, want, `seed ${seed} filter #${i} ${JSON.stringify(filterOf(f))} order ${order} limit ${limit}`);
          }
        }
        // Whole records come back as inserted.
        const newest = await h.store.query({ order: 'desc', limit: 5 });
        assert.deepEqual(newest, [...all].sort(byTime).slice(-5).reverse());
      } finally {
        await h.cleanup();
      }
    });

    test('event-time order: late lines land in their place in time, ties by id, across pages and orders', async () => {
      const seed = 4242;
      const r = rng(seed);
      const h = await makeStore();
      try {
        // Three hours of lines in order, then a file imported late (hours older, arriving
        // last), then lines with the very same timestamps as ones already stored.
        const recs: NormalizedRecord[] = [];
        for (let i = 0; i < 900; i++) recs.push(rec({ ts: T0 + i * 12_000, message: `${pick(r, WORDS)} ${pick(r, WORDS)} live${i}`, level: pick(r, ['info', 'warn', 'error'] as Level[]), source: pick(r, SOURCES) }));
        const all = await insertAll(h.store, recs, 150);
        const late = await insertAll(h.store, Array.from({ length: 120 }, (_, i) => rec({ ts: T0 + Math.floor(r() * 3 * HOUR), message: `${pick(r, WORDS)} lateword late${i}`, source: 'import' })), 40);
        const ties = await insertAll(h.store, Array.from({ length: 60 }, (_, i) => rec({ ts: all[Math.floor(r() * all.length)].ts, message: `${pick(r, WORDS)} tieword tie${i}`, level: 'error' })), 30);
        const every = [...all, ...late, ...ties];
        const cases: Modelled[] = [
          {},
          { q: 'lateword', model: { q: 'lateword', match: (t) => t.includes('lateword') } },
          { q: 'retry', model: { q: 'retry', match: (t) => t.includes('retry') } },
          { levels: ['error'] },
          { levels: ['error', 'warn'], from: T0 + HOUR, to: T0 + 2 * HOUR },
          { sources: ['import', 'api'] },
          { q: 'tie*', levels: ['error'], model: { q: 'tie*', match: (t) => t.some((x) => x.startsWith('tie')) } },
        ];
        for (const [i, f] of cases.entries()) {
          for (const order of ['asc', 'desc'] as const) {
            for (const limit of [7, 100]) {
              const want = every.filter((x) => matches(x, f)).sort(byTime);
              if (order === 'desc') want.reverse();
              const got = await readAllPages(h.store, filterOf(f), order, limit);
              assert.deepEqual(got.map((x) => x.id), want.map((x) => x.id), `seed ${seed} case #${i} ${JSON.stringify(filterOf(f))} ${order} limit ${limit}`);
            }
          }
        }
        // The newest line by time is not the last to arrive.
        const [newest] = await h.store.query({ order: 'desc', limit: 1 });
        assert.equal(newest.id, [...every].sort(byTime).at(-1)!.id);
      } finally {
        await h.cleanup();
      }
    });

    test('full-text search: words, phrases, prefixes, case, and operator words taken literally', async () => {
      const h = await makeStore();
      try {
        const ids = (
          await h.store.insert([
            rec({ message: 'Connection refused by upstream' }),
            rec({ message: 'connected to upstream in 5ms' }),
            rec({ message: 'user NOT found AND retry OR fail' }),
            rec({ message: 'message: foo bar' }),
            rec({ message: 'pointer a -> b' }),
            rec({ message: 'naïve café reopened' }),
            rec({ message: 'upstream refused connection' }),
          ])
        ).records.map((x) => x.id);
        const find = async (q: string) => (await h.store.query({ q, order: 'asc', limit: 100 })).map((x) => ids.indexOf(x.id));
        assert.deepEqual(await find('upstream'), [0, 1, 6]);
        assert.deepEqual(await find('UPSTREAM refused'), [0, 6]);
        assert.deepEqual(await find('"refused by upstream"'), [0]);
        assert.deepEqual(await find('"upstream refused"'), [6]);
        assert.deepEqual(await find('conn*'), [0, 1, 6]);
        assert.deepEqual(await find('connect'), []);
        assert.deepEqual(await find('connect*'), [0, 1, 6]);
        assert.deepEqual(await find('AND OR NOT'), [2]);
        assert.deepEqual(await find('message:foo'), [3]);
        assert.deepEqual(await find('->'), [4]);
        assert.deepEqual(await find('café'), [5]);
        assert.deepEqual(await find('nomatchword'), []);
        // Filters combine with search.
        assert.deepEqual((await h.store.query({ q: 'upstream', levels: ['error'], order: 'asc', limit: 10 })).length, 0);
      } finally {
        await h.cleanup();
      }
    });

    test('the live tail matcher selects exactly what the store returns for the same search', async () => {
      const h = await makeStore();
      try {
        const messages = [
          'Connection refused by upstream api-4', 'connected to upstream in 5ms', 'user NOT found AND retry OR fail',
          'message: foo bar', 'pointer a -> b', 'naïve café reopened', 'GET /api/v1/users?id=42 200', 'error_count=0 all good',
          'ERROR: disk full on /dev/sda1', 'Caused by: java.io.IOException: Broken pipe', 'résumé upload 413 too large', '🙂 emoji only 🙂',
        ];
        const records = (await h.store.insert(messages.map((message) => rec({ message })))).records;
        const queries = [
          'upstream', 'conn*', '"refused by upstream"', 'api', 'v1 users', '"api v1"', 'error', 'error_count', 'count=0', 'cafe', 'CAFÉ',
          'resume*', 'dev sda1', '"io ioexception"', 'AND OR', 'NEAR(', '"', '*', '->', '🙂', 'disk full', '"full disk"', 'broken pip*',
        ];
        for (const q of queries) {
          const fromStore = (await h.store.query({ q, order: 'asc', limit: 100 })).map((x) => x.id);
          const predicate = compileFilter({ q });
          const live = records.filter((r) => !predicate || predicate(r, () => tokenize(r.message))).map((x) => x.id);
          assert.deepEqual(live, fromStore, `q=${JSON.stringify(q)}`);
        }
      } finally {
        await h.cleanup();
      }
    });

    test('hostile search text never raises an error, in queries, histograms and since()', async () => {
      const h = await makeStore();
      try {
        await h.store.insert(randomRecords(rng(7), 200));
        const hostile = [
          '"', '""', '"""', '*', '**', 'a**', '*a', 'NEAR(', 'NEAR(a b, 2)', 'AND OR NOT', 'AND', 'NOT alpha', "'; DROP TABLE logs; --",
          'message:foo', '{message}: foo', '^', '^alpha', '(', ')', '((alpha', 'alpha)', '-alpha', '+alpha', 'alpha:', ':', 'col:*',
          '\u0000', 'a\u0000b', '\\', '%', '_', 'ünïcödé 日本語 テスト', '🔥🔥', 'alpha 🔥', '\u200b', ' ', '\t\n', 'x'.repeat(10_240),
          'alpha '.repeat(2000), '"'.repeat(5000), 'rowid', 'logs_fts', 'MATCH', '*alpha*', 'a"b"c', '" OR "1"="1',
        ];
        for (const q of hostile) {
          const label = JSON.stringify(q.slice(0, 30));
          const rows = await h.store.query({ q, order: 'desc', limit: 10 });
          assert.ok(Array.isArray(rows), label);
          const asc = await h.store.query({ q, order: 'asc', limit: 10, levels: ['info', 'error'], from: T0, to: T0 + HOUR });
          assert.ok(Array.isArray(asc), label);
          const hist = await h.store.histogram({ q, from: T0, to: T0 + 2 * HOUR, buckets: 30 });
          assert.ok(hist.counts.info.length > 0, label);
          assert.ok(Array.isArray(await h.store.since(0, { q }, 10)), label);
        }
        // Still writable and searchable afterwards.
        await h.store.insert([rec({ message: 'survivor zebra' })]);
        assert.equal((await h.store.query({ q: 'zebra', order: 'desc', limit: 5 })).length, 1);
      } finally {
        await h.cleanup();
      }
    });

    test('stream offsets: re-sent records are duplicates, also within a batch and after reopening', async () => {
      const h = await makeStore();
      try {
        const s = (offset: number, message = `line at ${offset}`, stream = 'host1:dev:ino:abc') => rec({ message, stream, offset });
        assert.equal(await h.store.streamOffset('host1:dev:ino:abc'), -1);
        let res = await h.store.insert([s(10), s(20), s(30)]);
        assert.deepEqual([res.accepted, res.duplicates], [3, 0]);
        res = await h.store.insert([s(20), s(30), s(40)]);
        assert.deepEqual([res.accepted, res.duplicates], [1, 2]);
        assert.equal(res.records[0].message, 'line at 40');
        assert.equal(await h.store.streamOffset('host1:dev:ino:abc'), 40);
        res = await h.store.insert([s(50), s(50), s(45), s(60)]);
        assert.deepEqual([res.accepted, res.duplicates], [2, 2]);
        // Another stream is independent; records without a stream are always inserted.
        res = await h.store.insert([s(5, 'other', 'host2:x'), rec({ message: 'plain' }), rec({ message: 'plain' })]);
        assert.deepEqual([res.accepted, res.duplicates], [3, 0]);
        res = await h.store.insert([s(60), s(60)]);
        assert.deepEqual([res.accepted, res.duplicates, res.records.length], [0, 2, 0]);
        assert.equal(res.firstId, undefined);
        const store = await h.reopen();
        assert.equal(await store.streamOffset('host1:dev:ino:abc'), 60);
        assert.equal(await store.streamOffset('host2:x'), 5);
        res = await store.insert([s(60), s(70)]);
        assert.deepEqual([res.accepted, res.duplicates], [1, 1]);
        const msgs = (await store.query({ order: 'asc', limit: 100, q: 'line' })).map((x) => x.message);
        assert.deepEqual(msgs, ['line at 10', 'line at 20', 'line at 30', 'line at 40', 'line at 50', 'line at 60', 'line at 70']);
      } finally {
        await h.cleanup();
      }
    });

    test('stream checks: the check of the record at the committed offset is kept with it, moves only forward, and survives reopening', async () => {
      const h = await makeStore();
      try {
        const s = (offset: number, check?: string, stream = 'chk:a') => ({ ...rec({ message: `m${offset}`, stream, offset }), check });
        assert.deepEqual([...(await h.store.streamChecks(['chk:a']))], []);
        await h.store.insert([s(10, 'c10'), s(20, 'c20')]);
        assert.deepEqual((await h.store.streamChecks(['chk:a', 'chk:none'])).get('chk:a'), { offset: 20, at: 20, check: 'c20' });
        // Re-sends (at or below the committed offset) change nothing.
        await h.store.insert([s(20, 'other')]);
        assert.deepEqual((await h.store.streamChecks(['chk:a'])).get('chk:a'), { offset: 20, at: 20, check: 'c20' });
        await h.store.insert([s(30, 'c30'), s(40, undefined, 'chk:b')]);
        const store = await h.reopen();
        const got = await store.streamChecks(['chk:a', 'chk:b']);
        assert.deepEqual(got.get('chk:a'), { offset: 30, at: 30, check: 'c30' });
        assert.deepEqual(got.get('chk:b'), { offset: 40, at: null, check: null }, 'a stream without checks is known by its offset alone');
      } finally {
        await h.cleanup();
      }
    });

    test('a batch that fails part-way leaves nothing behind', async () => {
      const h = await makeStore();
      try {
        const before = await h.store.insert([rec({ message: 'kept one' })]);
        const statsBefore = await h.store.stats();
        const sourcesBefore = await h.store.sources();
        const bad = [
          rec({ message: 'ghostword alpha', source: 'ghost-source', stream: 'st', offset: 5 }),
          rec({ message: 'ghostword beta', source: 'ghost-source' }),
          rec({ message: null as unknown as string }),
          rec({ message: 'ghostword gamma' }),
        ];
        await assert.rejects(h.store.insert(bad));
        const statsAfter = await h.store.stats();
        assert.equal(statsAfter.rows, statsBefore.rows);
        assert.equal(statsAfter.lastId, statsBefore.lastId);
        assert.equal(await h.store.streamOffset('st'), -1);
        assert.deepEqual(await h.store.sources(), sourcesBefore);
        assert.deepEqual(await h.store.query({ q: 'ghostword', order: 'desc', limit: 10 }), []);
        assert.deepEqual((await h.store.query({ order: 'desc', limit: 10 })).map((x) => x.id), [before.lastId]);
        const hist = await h.store.histogram({ from: T0 - HOUR, to: T0 + HOUR, buckets: 4 });
        assert.equal(Object.values(hist.counts).flat().reduce((a, b) => a + b, 0), 1);
        // And the store goes on working; the failed batch's stream offset was not committed.
        const again = await h.store.insert([rec({ message: 'ghostword delta', stream: 'st', offset: 5 })]);
        assert.equal(again.accepted, 1);
        assert.ok(again.lastId! > before.lastId!);
      } finally {
        await h.cleanup();
      }
    });

    test('histogram equals a naive count for random ranges, bucket counts and filters', async () => {
      const seed = 4242;
      const r = rng(seed);
      const h = await makeStore();
      try {
        const all = await insertAll(h.store, randomRecords(r, 1500), 250);
        // The whole data set with minute-aligned edges, then random ranges with partial minutes.
        await naiveHistogramCheck(h.store, all, {}, T0, T0 + 2 * HOUR, 60, `seed ${seed} aligned`);
        await naiveHistogramCheck(h.store, all, {}, T0 - HOUR, T0 + 3 * HOUR, 7, `seed ${seed} wide`);
        await naiveHistogramCheck(h.store, all, { levels: ['info', 'warn'] }, T0 - 5 * HOUR + 12_345, T0 + 7 * HOUR, 3, `seed ${seed} hours`);
        await naiveHistogramCheck(h.store, all, { sources: ['api'] }, T0 + 1234, T0 + 2 * HOUR - 999, 2, `seed ${seed} hours, partial`);
        for (let i = 0; i < 50; i++) {
          const f = randomFilter(r);
          const from = T0 + Math.floor(r() * 2 * HOUR) - 600_000;
          const span = [1, 999, 45_000, 61_000, 600_000, HOUR, 2 * HOUR][Math.floor(r() * 7)] + Math.floor(r() * 60_000);
          const buckets = 1 + Math.floor(r() * 100);
          await naiveHistogramCheck(h.store, all, f, from, from + span, buckets, `seed ${seed} #${i} ${JSON.stringify({ ...filterOf(f), from, span, buckets })}`);
        }
        // Dense data (one row a second) and edges deep inside minutes, on both sides.
        const dense = (
          await h.store.insert(Array.from({ length: 900 }, (_, i) => rec({ message: `dense ${i}`, ts: T0 + 5 * HOUR + i * 1000, level: i % 7 ? 'info' : 'warn', source: i % 3 ? 'api' : 'db' })))
        ).records;
        const all2 = [...all, ...dense];
        for (const [a, b, n] of [[10_000, 4 * 60_000 + 45_000, 4], [50_000, 9 * 60_000 + 15_000, 3], [59_999, 14 * 60_000 + 1, 1], [1, 60_000 + 59_999, 60]]) {
          await naiveHistogramCheck(h.store, all2, {}, T0 + 5 * HOUR + a, T0 + 5 * HOUR + b, n, `dense edges ${a}..${b}/${n}`);
          await naiveHistogramCheck(h.store, all2, { levels: ['warn'], sources: ['db'] }, T0 + 5 * HOUR + a, T0 + 5 * HOUR + b, n, `dense edges filtered ${a}..${b}/${n}`);
        }
        // An empty range is valid and empty.
        const empty = await h.store.histogram({ from: T0, to: T0, buckets: 10 });
        assert.equal(Object.values(empty.counts).flat().reduce((a, b) => a + b, 0), 0);
      } finally {
        await h.cleanup();
      }
    });

    test('sources() lists each source with its count and last-seen time', async () => {
      const h = await makeStore();
      try {
        const all = await insertAll(h.store, randomRecords(rng(99), 400), 64);
        const want = new Map<string, { count: number; lastSeen: number }>();
        for (const x of all) {
          const w = want.get(x.source) ?? { count: 0, lastSeen: -Infinity };
          w.count++;
          w.lastSeen = Math.max(w.lastSeen, x.ts);
          want.set(x.source, w);
        }
        const got = await h.store.sources();
        assert.deepEqual(
          [...got].sort((a, b) => a.source.localeCompare(b.source)),
          [...want].map(([source, w]) => ({ source, ...w })).sort((a, b) => a.source.localeCompare(b.source)),
        );
      } finally {
        await h.cleanup();
      }
    });

    test('context() returns neighbours from the same source in event-time order', async () => {
      const h = await makeStore();
      try {
        // Arrival order is the reverse of time order, and two pairs share a timestamp.
        const recs = Array.from({ length: 30 }, (_, i) => rec({ message: `m${i}`, source: i % 3 === 0 ? 'a' : 'b', ts: T0 + (i === 9 || i === 15 ? 18 : 30 - i) * 1000 }));
        const all = (await h.store.insert(recs)).records;
        const a = all.filter((x) => x.source === 'a').sort(byTime);
        const mid = a[4];
        const c = await h.store.context(mid.id, 2, 3);
        assert.ok(c);
        assert.deepEqual(c.record, mid);
        assert.deepEqual(c.before, a.slice(2, 4));
        assert.deepEqual(c.after, a.slice(5, 8));
        const first = await h.store.context(a[0].id, 5, 1);
        assert.deepEqual(first?.before, []);
        assert.deepEqual(first?.after, [a[1]]);
        const last = await h.store.context(a[a.length - 1].id, 1, 5);
        assert.deepEqual(last?.before, [a[a.length - 2]]);
        assert.deepEqual(last?.after, []);
        assert.equal(await h.store.context(all[all.length - 1].id + 100, 2, 2), undefined);
      } finally {
        await h.cleanup();
      }
    });

    test('since() returns what came after an id, oldest first, filtered and bounded', async () => {
      const r = rng(5);
      const h = await makeStore();
      try {
        const all = await insertAll(h.store, randomRecords(r, 600), 100);
        for (let i = 0; i < 30; i++) {
          const f = randomFilter(r);
          const afterId = all[Math.floor(r() * all.length)].id;
          const limit = 1 + Math.floor(r() * 80);
          const want = all.filter((x) => x.id > afterId && matches(x, f)).slice(0, limit);
          assert.deepEqual(await h.store.since(afterId, filterOf(f), limit), want, `since #${i} ${JSON.stringify(filterOf(f))} after ${afterId}`);
        }
        assert.deepEqual(await h.store.since(all[all.length - 1].id, {}, 10), []);
        const res = await h.store.insert([rec({ message: 'late arrival' })]);
        assert.deepEqual(await h.store.since(all[all.length - 1].id, {}, 10), res.records);
      } finally {
        await h.cleanup();
      }
    });

    test('retention by age deletes old rows but keeps recently ingested rows with old timestamps', async () => {
      let now = T0 + 10 * 24 * HOUR;
      const h = await makeStore({ now: () => now });
      try {
        const day = 24 * HOUR;
        const old = (await h.store.insert(Array.from({ length: 50 }, (_, i) => rec({ message: `oldword ${i}`, ts: now - 3 * day + i, source: 'old' })))).records;
        const fresh = (await h.store.insert(Array.from({ length: 5 }, (_, i) => rec({ message: `freshword ${i}`, ts: now + i })))).records;
        now += 2 * day;
        // Imported just now, but stamped long ago: must not vanish on arrival.
        const imported = (await h.store.insert(Array.from({ length: 10 }, (_, i) => rec({ message: `importword ${i}`, ts: T0 + i, source: 'import' })))).records;
        const policy = { maxAgeMs: day };
        let deleted = 0;
        for (let i = 0, n = -1; i < 100 && n !== 0; i++) {
          n = await h.store.enforceRetention(policy, 7);
          assert.ok(n <= 7);
          deleted += n;
        }
        assert.equal(deleted, old.length + fresh.length);
        const left = (await h.store.query({ order: 'asc', limit: 1000 })).map((x) => x.id);
        assert.deepEqual(left, imported.map((x) => x.id));
        assert.deepEqual(await h.store.query({ q: 'oldword', order: 'desc', limit: 10 }), []);
        assert.equal((await h.store.query({ q: 'importword', order: 'desc', limit: 100 })).length, 10);
        assert.deepEqual((await h.store.sources()).map((s) => [s.source, s.count]), [['import', 10]]);
        assert.equal((await h.store.stats()).rows, 10);
        const hist = await h.store.histogram({ from: T0 - day, to: now + day, buckets: 20 });
        assert.equal(Object.values(hist.counts).flat().reduce((a, b) => a + b, 0), 10);
        // Later, the imported rows age out too.
        now += 2 * day;
        assert.equal(await h.store.enforceRetention(policy, 100), 10);
        assert.equal(await h.store.enforceRetention(policy, 100), 0);
      } finally {
        await h.cleanup();
      }
    });

    test('retention by age under a jumping clock deletes only what real time expired; a reading that would expire most of the data waits until it proves steady', async () => {
      const day = 24 * HOUR;
      let wall = T0 + 10 * day;
      let mono = 0;
      const h = await makeStore({ now: () => wall });
      const warnings: string[] = [];
      const guardOf = () => new RetentionGuard({ maxAgeMs: day, settleMs: 10 * 60_000, wallNow: () => wall, monoNow: () => mono, warn: (m) => warnings.push(m) });
      let guard = guardOf();
      const policy = { maxAgeMs: day };
      const pass = async () => {
        let total = 0;
        for (let n = -1, i = 0; n !== 0 && i < 1000; i++) total += n = await enforceGuardedRetention(h.store, policy, guard, 50);
        return total;
      };
      const rows = async () => (await h.store.stats()).rows;
      const tick = (ms: number) => {
        wall += ms;
        mono += ms;
      };
      try {
        // Two days of steady ingestion, 5 records an hour, retention running as time passes.
        for (let i = 0; i < 48; i++) {
          await h.store.insert(Array.from({ length: 5 }, (_, j) => rec({ message: `steady ${i} ${j}`, ts: wall })));
          await pass();
          tick(HOUR);
        }
        await pass();
        const steady = await rows();
        assert.ok(steady >= 24 * 5 && steady <= 26 * 5, `one day of records is kept (${steady})`);
        assert.deepEqual(warnings, []);

        // The wall clock jumps three days forward for six seconds; a batch arrives meanwhile.
        wall += 3 * day;
        mono += 2000;
        await h.store.insert(Array.from({ length: 5 }, (_, j) => rec({ message: `during jump ${j}`, ts: wall })));
        for (let i = 0; i < 3; i++) {
          assert.equal(await pass(), 0, 'nothing is deleted on the jumped reading');
          mono += 1000;
        }
        assert.ok(guard.refusals >= 3);
        assert.equal(warnings.length, 1, 'one warning for the episode');
        assert.match(warnings[0], /jumped forward by 3\.0 d/);
        assert.match(warnings[0], /Retention by age is paused/);
        assert.equal(await rows(), steady + 5);

        // The clock comes back: retention goes on with what six seconds expired (almost nothing).
        wall -= 3 * day;
        wall += 6000;
        mono += 1000;
        const back = await pass();
        assert.ok(back <= 5, `only what real time expired goes (${back})`);
        assert.ok((await rows()) >= steady);

        // A restart two days later: most of the data would expire on the first reading.
        tick(2 * day);
        mono = 0;
        guard = guardOf();
        const before = await rows();
        const outlook = await h.store.retentionOutlook(wall - day);
        assert.ok(outlook.expiring >= before - 5 && outlook.expiring <= before, `outlook ${JSON.stringify(outlook)} of ${before}`);
        assert.equal(await pass(), 0, 'an untrusted reading that would expire most of the data waits');
        assert.match(warnings.at(-1)!, /would delete about \d+ of \d+ records/);
        tick(10 * 60_000 - 1000);
        assert.equal(await pass(), 0, 'still waiting before settleMs');
        tick(2000);
        const settled = await pass();
        assert.match(warnings.at(-1)!, /trusts the clock again/);
        assert.equal(settled, before - 5, 'after agreeing with the monotonic clock for settleMs, the reading is trusted');
        // Records ingested during the jump carry a future ingest time and wait for it.
        assert.deepEqual((await h.store.query({ order: 'asc', limit: 10 })).map((x) => x.message.replace(/ \d+$/, '')), new Array(5).fill('during jump'));
        // A small step (NTP) that expires little is not a refusal.
        const refusals = guard.refusals;
        wall += 90_000;
        await pass();
        assert.equal(guard.refusals, refusals);
      } finally {
        await h.cleanup();
      }
    });

    test('retention by size deletes the oldest rows until under the limit, and nothing when under it', async () => {
      const h = await makeStore();
      try {
        const all = await insertAll(h.store, randomRecords(rng(11), 3000), 500);
        assert.equal(await h.store.enforceRetention({ maxBytes: 1e12 }, 500), 0);
        assert.equal((await h.store.stats()).rows, all.length);
        const size = (await h.store.stats()).dbBytes;
        let deleted = 0;
        for (let i = 0, n = -1; i < 200 && n !== 0; i++) {
          n = await h.store.enforceRetention({ maxBytes: Math.floor(size / 2) }, 200);
          assert.ok(n <= 200);
          deleted += n;
        }
        assert.ok(deleted > 0 && deleted < all.length, `deleted ${deleted} of ${all.length}`);
        const left = await h.store.query({ order: 'asc', limit: 10_000 });
        // Size retention removes the first ingested (an old file imported last must not go
        // first); what is left still comes back in event-time order.
        assert.deepEqual(left.map((x) => x.id), all.slice(deleted).sort(byTime).map((x) => x.id), 'the oldest rows go first');
        // Derived data follows the deletes.
        const gone = all[0].message.split(' ')[all[0].message.split(' ').length - 1];
        assert.deepEqual(await h.store.query({ q: gone, order: 'desc', limit: 5 }), []);
        const kept = all[deleted].message.split(' ').pop()!;
        assert.equal((await h.store.query({ q: kept, order: 'desc', limit: 5 }))[0]?.id, all[deleted].id);
        assert.equal((await h.store.stats()).rows, left.length);
        assert.equal((await h.store.sources()).reduce((a, s) => a + s.count, 0), left.length);
        await naiveHistogramCheck(h.store, left, {}, T0 - HOUR, T0 + 3 * HOUR, 40, 'after size retention');
      } finally {
        await h.cleanup();
      }
    });

    test('inserts interleaved with retention keep queries, histograms and sources exact', async () => {
      const seed = 777;
      const r = rng(seed);
      const h = await makeStore();
      try {
        let model: LogRecord[] = [];
        for (let round = 0; round < 6; round++) {
          model.push(...(await insertAll(h.store, randomRecords(r, 300), 1 + Math.floor(r() * 150))));
          const size = (await h.store.stats()).dbBytes;
          for (let i = 0, n = -1; i < 3 && n !== 0; i++) {
            n = await h.store.enforceRetention({ maxBytes: Math.floor(size * 0.7) }, 1 + Math.floor(r() * 120));
            model = model.slice(n);
          }
          const label = `seed ${seed} round ${round}`;
          assert.deepEqual((await h.store.query({ order: 'asc', limit: 100_000 })).map((x) => x.id), [...model].sort(byTime).map((x) => x.id), label);
          for (let i = 0; i < 8; i++) {
            const f = randomFilter(r);
            const want = model.filter((x) => matches(x, f)).sort(byTime).map((x) => x.id).reverse().slice(0, 25);
            assert.deepEqual((await h.store.query({ ...filterOf(f), order: 'desc', limit: 25 })).map((x) => x.id), want, `${label} filter ${JSON.stringify(filterOf(f))}`);
            const from = T0 + Math.floor(r() * 2 * HOUR) - 600_000;
            await naiveHistogramCheck(h.store, model, f, from, from + 1 + Math.floor(r() * 3 * HOUR), 1 + Math.floor(r() * 80), `${label} histogram ${i}`);
          }
          const counts = new Map<string, number>();
          for (const x of model) counts.set(x.source, (counts.get(x.source) ?? 0) + 1);
          assert.deepEqual(
            (await h.store.sources()).map((s) => [s.source, s.count]).sort(),
            [...counts].sort(),
            label,
          );
          assert.equal((await h.store.stats()).rows, model.length, label);
        }
      } finally {
        await h.cleanup();
      }
    });

    test('ids are never reused, even after deleting everything and reopening', async () => {
      const h = await makeStore();
      try {
        const first = await h.store.insert(Array.from({ length: 20 }, (_, i) => rec({ message: `r${i}` })));
        for (let i = 0; i < 50 && (await h.store.enforceRetention({ maxBytes: 1 }, 7)) > 0; i++);
        assert.equal((await h.store.stats()).rows, 0);
        assert.equal((await h.store.stats()).lastId, first.lastId);
        const store = await h.reopen();
        const next = await store.insert([rec({ message: 'after' })]);
        assert.ok(next.firstId! > first.lastId!, `id ${next.firstId} reused (last was ${first.lastId})`);
        assert.deepEqual(await store.sources(), [{ source: 'api', count: 1, lastSeen: T0 }]);
      } finally {
        await h.cleanup();
      }
    });
  });
}
