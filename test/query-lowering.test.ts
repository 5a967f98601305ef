// The query language against a real store: a lowered query (src/shared/query/lower.ts) run on a
// real SQLite file selects a superset of what the reference evaluator accepts, and exactly that
// set when lowering says it is exact. Field filters are applied with matchesFields, the contract
// the stores implement for LogFilter.fields (the SQLite store is being rewritten to take them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesFields } from '../src/shared/fields.js';
import { LEVELS } from '../src/shared/levels.js';
import { lowerQuery, matches, parseQuery, type Query } from '../src/shared/query/index.js';
import { mulberry32 } from '../src/shared/random.js';
import type { LogRecord, NormalizedRecord } from '../src/shared/record.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';

const T0 = Date.UTC(2026, 10, 30, 10);

function corpus(n: number): NormalizedRecord[] {
  const r = mulberry32(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const WORDS = ['GET', 'POST', '/api/v1/orders/42', 'charge', 'failed', 'connect', 'ECONNREFUSED', 'timeout', 'retrying', 'billing', 'auth', 'user', 'café', 'disk', 'full', '->', 'upstream', 'error', 'ok'];
  const out: NormalizedRecord[] = [];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 2 + Math.floor(r() * 6) }, () => pick(WORDS));
    const attrs: Record<string, unknown> = {};
    if (r() < 0.6) attrs.request_id = pick(['req-1', 'req-2', 'req-42']);
    if (r() < 0.5) attrs.http = { status: pick([200, 404, 500, 503]) };
    if (r() < 0.3) attrs['http.status'] = pick(['200', '503']);
    if (r() < 0.4) attrs.duration = pick(['12ms', '250ms', '1.5s', 300, 0.2]);
    if (r() < 0.3) attrs.bytes = pick([512, 20480, '12 KiB', '3MB']);
    if (r() < 0.3) attrs.tags = pick([['blue'], ['blue', 'canary'], []]);
    out.push({
      ts: T0 + i * 1000,
      level: pick(LEVELS),
      source: pick(['billing', 'auth', 'checkout']),
      host: pick(['web-1', 'web-2', 'db-1', '']),
      message: words.join(' '),
      attrs: Object.keys(attrs).length ? JSON.stringify(attrs) : null,
      stream: null,
      offset: null,
    });
  }
  return out;
}

const FRAGMENTS = [
  'charge', 'fail*', '"connect econnrefused"', 'orders', '/api/v1/orders', 'cafe', 'CAFÉ', 'user*',
  'level:error', 'level:warn,fatal', 'level:e*', 'source:billing', 'source:auth,checkout', 'source:bill*', 'host:web-1', 'host:web-*', 'host:*',
  'request_id:req-42', 'request_id:req-*', 'request_id:req-1,req-2', 'request_id:*', 'http.status:503', 'http.status:>=500', 'http.status:>500', 'http.status:<300', 'http.status:<=404',
  'tags:canary', 'tags:*', 'duration:>200ms', 'duration:<1s', 'bytes:>10KB', 'bytes:<=1MiB',
  '~"ECONN"', '~"->"', '/orders\\/\\d+/', '/(?i)TIME/', '(charge OR timeout)', '(level:error OR http.status:503)',
];

function randomQuery(r: () => number): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const f = FRAGMENTS[Math.floor(r() * FRAGMENTS.length)];
    const joint = i === 0 ? '' : r() < 0.2 ? ' OR ' : ' ';
    parts.push(joint + (r() < 0.25 ? `-${f}` : f));
  }
  return parts.join('');
}

test('on a real SQLite store, a lowered query selects a superset of the evaluator\'s matches, and the same set when exact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-query-'));
  const store = new SqliteStore(join(dir, 'q.db'));
  try {
    await store.insert(corpus(400));
    const all = await store.query({ limit: 10_000, order: 'asc' });
    assert.equal(all.length, 400);
    const r = mulberry32(99);
    let exactCount = 0;
    for (let i = 0; i < 250; i++) {
      const text = randomQuery(r);
      const tree: Query = parseQuery(text);
      const want = all.filter((x) => matches(tree, x)).map((x) => x.id);
      const low = lowerQuery(tree);
      if (low.empty) {
        assert.deepEqual(want, [], `${text}: lowering says nothing matches`);
        continue;
      }
      const { q, levels, sources, host, fields } = low.filter;
      const rows: LogRecord[] = await store.query({ q, levels, sources, host, limit: 10_000, order: 'asc' });
      const got = rows.filter((x) => matchesFields(x.attrs, fields)).map((x) => x.id);
      const gotSet = new Set(got);
      for (const id of want) assert.ok(gotSet.has(id), `${text}: record ${id} matches but the lowered filter ${JSON.stringify(low.filter)} misses it`);
      if (low.exact) {
        exactCount++;
        assert.deepEqual(got, want, `${text}: lowering said exact (${JSON.stringify(low.filter)})`);
      }
    }
    assert.ok(exactCount > 40, `exact lowerings exercised: ${exactCount}`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
