// The engine's conformance suite, run on each store (engine.test.ts): for queries that cover
// every construct of the language, alone, negated, OR-ed and combined with the level/source/host
// parameters, what the store plus the engine returns — pages joined by cursor, pages cut by a
// tiny scan budget and continued, the live-tail catch-up, histograms by level and by a field,
// and the pipes' tables — equals the reference evaluator (`matches`, `runPipe`) over every
// record, and the live tail's matcher (PreparedQuery.matches) selects exactly those records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LEVELS, type Level } from '../../shared/levels.js';
import { matches, parseQuery, runPipe, groupValue } from '../../shared/query/index.js';
import { mulberry32 } from '../../shared/random.js';
import type { LogRecord, NormalizedRecord } from '../../shared/record.js';
import type { LogFilter, Store } from '../storage/store.js';
import { QueryEngine } from './engine.js';

export const T0 = Date.UTC(2026, 10, 30, 10);

/** 600 records over 10 minutes, two to a timestamp, out of arrival order, with every kind of attrs the language reads. */
export function engineCorpus(n = 600): NormalizedRecord[] {
  const r = mulberry32(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const WORDS = ['GET', 'POST', '/api/v1/orders/42', 'charge', 'failed', 'connect', 'ECONNREFUSED', 'timeout', 'retrying', 'billing', 'auth', 'user', 'café', 'disk', 'full', '->', 'upstream', 'error', 'ok'];
  const out: NormalizedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const attrs: Record<string, unknown> = {};
    if (r() < 0.6) attrs.request_id = pick(['req-1', 'req-2', 'req-42']);
    if (r() < 0.5) attrs.http = { status: pick([200, 404, 500, 503]) };
    if (r() < 0.3) attrs['http.status'] = pick(['200', '503']);
    if (r() < 0.4) attrs.duration = pick(['12ms', '250ms', '1.5s', 300, 0.2]);
    if (r() < 0.3) attrs.bytes = pick([512, 20480, '12 KiB', '3MB']);
    if (r() < 0.3) attrs.tags = pick([['blue'], ['blue', 'canary'], []]);
    out.push({
      // Arrival order is not time order, and records share timestamps in pairs: pages, cursors
      // and the time bound moved to a cursor must keep (ts, id) order through ties.
      ts: T0 + Math.floor(((i * 7) % n) / 2) * 2000,
      level: pick(LEVELS),
      source: pick(['billing', 'auth', 'checkout']),
      host: pick(['web-1', 'web-2', 'db-1', '']),
      message: Array.from({ length: 2 + Math.floor(r() * 6) }, () => pick(WORDS)).join(' '),
      attrs: Object.keys(attrs).length ? JSON.stringify(attrs) : null,
      stream: null,
      offset: null,
    });
  }
  return out;
}

/** Every construct at least once, alone and in combinations (exact and not). */
export const ENGINE_QUERIES = [
  '', 'charge', 'fail*', '"connect econnrefused"', 'charge failed', '/api/v1/orders', 'CAFÉ',
  'level:error', 'level:warn,fatal', 'level:e*', '-level:info', 'source:billing', 'source:auth,checkout', 'source:bill*', 'host:web-1', 'host:web-*', 'host:*', '-host:*',
  'request_id:req-42', 'request_id:req-*', 'request_id:req-1,req-2', 'request_id:*', '-request_id:*', '-request_id:req-1',
  'http.status:503', 'http.status:>=500', 'http.status:>500', 'http.status:<300', 'http.status:<=404', '-http.status:>=500',
  'tags:canary', 'tags:*', 'duration:>200ms', 'duration:<1s', 'bytes:>10KB', 'bytes:<=1MiB',
  '~"ECONN"', '~"->"', '->', '/orders\\/\\d+/', '/(?i)TIME/', 'NOT charge', 'charge -timeout', 'charge OR timeout', 'billing OR auth',
  '(level:error OR http.status:503)', '(charge OR timeout) level:error', '-(charge OR upstream) source:auth', 'level:info level:error',
  'source:billing host:web-2 request_id:req-42', '~"econn" OR /disk\\s+full/', 'NOT (NOT ok)',
  'level:error | stats count() by (source)', 'charge | stats count() by (source, http.status) limit 3', '| stats count()', 'ok | top 2 request_id', 'zzzz | stats count()',
];

/** Parameter filters the queries are also combined with. */
const PARAMS: LogFilter[] = [{}, { levels: ['error', 'warn'] }, { sources: ['billing'], host: 'web-1' }];

export interface EngineStoreHandle {
  store: Store;
  cleanup(): Promise<void>;
}

function ids(rs: readonly LogRecord[]): number[] {
  return rs.map((x) => x.id);
}

function inParams(r: LogRecord, p: LogFilter): boolean {
  return (!p.levels || p.levels.includes(r.level)) && (!p.sources || p.sources.includes(r.source)) && (p.host === undefined || r.host === p.host) &&
    (p.from === undefined || r.ts >= p.from) && (p.to === undefined || r.ts < p.to);
}

/** Runs the suite on stores `open` makes. */
export function runEngineConformance(name: string, open: () => Promise<EngineStoreHandle>, opts: { skip?: string | false; fieldsInStore?: boolean; todo?: string } = {}): void {
  const fieldsInStore = opts.fieldsInStore ?? false;
  const how = fieldsInStore ? 'with field filters applied by the store' : 'with field filters applied by the engine';
  test(`${name} (${how}): store + engine return exactly what the evaluator and the live matcher select, for every construct (pages, cut scans, since, histograms, pipes)`, { skip: opts.skip ?? false, todo: opts.todo, timeout: 120_000 }, async () => {
    const h = await open();
    try {
      await h.store.insert(engineCorpus());
      const all = await h.store.query({ order: 'asc', limit: 10_000 });
      assert.equal(all.length, 600);
      const engine = new QueryEngine(h.store, { budget: { rows: 1_000_000, ms: 60_000 }, fieldsInStore });
      // A budget so small every non-exact page is cut: continuing must still find everything once.
      const tiny = new QueryEngine(h.store, { budget: { rows: 37, ms: 60_000 }, fieldsInStore });
      const window = { from: T0 + 120_000, to: T0 + 420_000 };
      for (const text of ENGINE_QUERIES) {
        const tree = parseQuery(text);
        for (const params of [...PARAMS, window]) {
          const label = `q=${JSON.stringify(text)} params=${JSON.stringify(params)}`;
          const want = all.filter((r) => inParams(r, params) && matches(tree, r));
          const prepared = engine.prepare(text, params);
          // The live tail's matcher.
          assert.deepEqual(ids(all.filter((r) => prepared.matches(r))), ids(want), `${label}: live matcher`);
          // One page with everything, ascending and descending.
          const page = await engine.page(prepared, { limit: 5000, order: 'asc' });
          assert.deepEqual(ids(page.logs), ids(want), `${label}: one page`);
          assert.equal(page.partial, false);
          const desc = await engine.page(prepared, { limit: 5000, order: 'desc' });
          assert.deepEqual(ids(desc.logs), ids(want).reverse(), `${label}: one page, newest first`);
          // Pages of 7 joined by cursor under a tiny budget, both ways.
          const cut = tiny.prepare(text, params);
          let partials = 0;
          for (const order of ['desc', 'asc'] as const) {
            const joined: number[] = [];
            let after = undefined as undefined | { ts: number; id: number };
            for (let i = 0; i < 1000; i++) {
              const pg = await tiny.page(cut, { limit: 7, order, after });
              joined.push(...ids(pg.logs));
              if (pg.partial) partials++;
              assert.ok(pg.logs.length <= 7);
              if (!pg.partial) assert.ok(pg.logs.length === 7 || pg.next === null, `${label}: a short page that is not partial must be the last`);
              if (!pg.next) break;
              after = pg.next;
            }
            assert.deepEqual(joined, order === 'asc' ? ids(want) : ids(want).reverse(), `${label}: pages joined by cursor under a tiny budget, ${order}`);
          }
          if (!cut.exact && !cut.union && !cut.empty && want.length <= 7) {
            // No more matches than a page among more candidates than the budget (37 rows): cut
            // (an OR of exact parts reads no candidates: a union of exact store pages).
            const candidates = (await h.store.query({ ...cut.filter, order: 'asc', limit: 10_000 })).length;
            if (candidates > 37) assert.ok(partials > 0, `${label}: a tiny budget must cut a sparse scan of ${candidates} candidates`);
          }
          // Live-tail catch-up from id 0, 100 read at a time.
          const caught: number[] = [];
          let last = 0;
          for (;;) {
            const s = await engine.since(prepared, last, 100);
            caught.push(...ids(s.rows));
            last = s.last;
            if (s.read < 100) break;
          }
          assert.deepEqual(caught, ids(want).sort((x, y) => x - y), `${label}: since (id order)`);
          if (tree.pipe) {
            const t = await engine.table(prepared, tree.pipe);
            const ref = runPipe(tree.pipe, want);
            assert.deepEqual({ columns: t.columns, rows: t.rows }, ref, `${label}: pipe table`);
            assert.equal(t.partial, false);
          }
        }
        // Histograms over the window: by level, and by a field.
        const prepared = engine.prepare(text, window);
        const want = all.filter((r) => inParams(r, window) && matches(tree, r));
        const hl = await engine.histogram(prepared, { ...window, buckets: 10, by: 'level', top: 10 });
        assert.ok('counts' in hl);
        const byLevel = (l: Level) => hl.counts[l].reduce((a, b) => a + b, 0);
        for (const l of LEVELS) assert.equal(byLevel(l), want.filter((r) => r.level === l).length, `q=${JSON.stringify(text)}: histogram ${l}`);
        for (const by of ['source', 'http.status']) {
          const hs = await engine.histogram(prepared, { ...window, buckets: 10, by, top: 2 });
          assert.ok('series' in hs);
          const counts = new Map<string | null, number>();
          for (const r of want) counts.set(groupValue(r, by), (counts.get(groupValue(r, by)) ?? 0) + 1);
          for (const s of hs.series) assert.equal(s.total, counts.get(s.value), `q=${JSON.stringify(text)} by=${by}: series ${s.value}`);
          const shown = hs.series.reduce((a, s) => a + s.total, 0) + (hs.other?.total ?? 0);
          assert.equal(shown, want.length, `q=${JSON.stringify(text)} by=${by}: series and other add up to the matches`);
          assert.equal(hs.series.length, Math.min(2, counts.size));
        }
      }
    } finally {
      await h.cleanup();
    }
  });
}
