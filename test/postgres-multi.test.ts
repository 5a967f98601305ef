// Two real servers on one PostgreSQL schema: a live-tail subscriber on either server sees the
// lines posted to both, each once and in id order (LISTEN/NOTIFY + catch-up), and stream
// offsets posted to both at once are stored exactly once. Skipped when no PostgreSQL answers
// at LOGPIPE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test). Needs a fresh
// `npm run build:node`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { http } from './helpers/http.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { SseClient } from './helpers/sse.js';

const URL_BASE = process.env.LOGPIPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: URL_BASE, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

let unreachable: string | undefined;
try {
  await admin((c) => c.query('SELECT 1'));
} catch (err) {
  unreachable = (err as Error).message;
  console.log(`# PostgreSQL multi-server test skipped: no server at LOGPIPE_TEST_PG_URL (${unreachable}).`);
}

function post(server: ServerHandle, records: unknown[]) {
  return http(`${server.url}/api/v1/logs`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
}

test('two servers on one PostgreSQL schema share the live tail and exactly-once offsets', { skip: unreachable ? `no PostgreSQL (${unreachable})` : false, timeout: 60_000 }, async () => {
  const schema = `logpipe_test_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const db = `${URL_BASE}${URL_BASE.includes('?') ? '&' : '?'}schema=${schema}`;
  const servers: ServerHandle[] = [];
  const subs: SseClient[] = [];
  try {
    // Both start at once: schema creation happens under an advisory lock.
    servers.push(...(await Promise.all([startServer({ args: ['--db', db] }), startServer({ args: ['--db', db] })])));
    const [a, b] = servers;
    const onA = new SseClient(`${a.url}/api/v1/tail`);
    const onB = new SseClient(`${b.url}/api/v1/tail`);
    subs.push(onA, onB);
    await onA.until(() => onA.status === 200);
    await onB.until(() => onB.status === 200);

    // 40 batches of 25 lines, three in four to A, sent a few at a time so commits from the
    // two servers interleave.
    const total = 40 * 25;
    for (let k = 0; k < 40; k += 4) {
      const res = await Promise.all(
        [k, k + 1, k + 2, k + 3].map((j) => post(j % 4 === 3 ? b : a, Array.from({ length: 25 }, (_, i) => ({ message: `line ${j * 25 + i}`, source: 'multi' })))),
      );
      for (const r of res) assert.equal(r.status, 200, r.text);
    }
    for (const sub of [onA, onB]) {
      await sub.until(() => sub.records().length >= total, 20_000);
      const got = sub.records<{ id: number; message: string }>();
      assert.equal(got.length, total, 'every line once');
      const ids = got.map((r) => r.id);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'in id order');
      assert.equal(new Set(got.map((r) => r.message)).size, total);
    }
    // Both servers answer queries from the same data.
    const qa = await http(`${a.url}/api/v1/logs?limit=5&q=line`);
    const qb = await http(`${b.url}/api/v1/logs?limit=5&q=line`);
    assert.deepEqual(qa.json.logs, qb.json.logs);

    // The same stream batches posted to both servers at once: every offset stored once.
    const batch = (k: number) => Array.from({ length: 20 }, (_, i) => ({ message: `offset line ${k * 20 + i}`, source: 'files', stream: 'host:1:2:abc', offset: (k * 20 + i + 1) * 80 }));
    let accepted = 0;
    let duplicates = 0;
    for (let k = 0; k < 10; k++) {
      const res = await Promise.all([post(a, batch(k)), post(b, batch(k)), post(a, batch(k))]);
      for (const r of res) {
        assert.equal(r.status, 200, r.text);
        accepted += r.json.accepted;
        duplicates += r.json.duplicates;
      }
    }
    assert.equal(accepted, 200);
    assert.equal(duplicates, 400);
    const stored = await http(`${b.url}/api/v1/logs?limit=1000&source=files&order=asc`);
    const messages = stored.json.logs.map((r: { message: string }) => r.message);
    assert.deepEqual(messages, Array.from({ length: 200 }, (_, i) => `offset line ${i}`));
  } finally {
    for (const s of subs) s.close();
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) s.cleanup();
    await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => {});
  }
});
