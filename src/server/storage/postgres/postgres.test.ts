// The PostgreSQL store: the shared conformance suite against a real server, plus what only
// PostgreSQL has (partitions, several stores on one schema, LISTEN/NOTIFY, start-up errors).
// Each run works in fresh schemas named logpipe_test_<random>, dropped afterwards, so parallel
// runs do not collide. Skipped, with a message, when no server answers at LOGPIPE_TEST_PG_URL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import pg from 'pg';
import { LogpipeError } from '../../../shared/errors.js';
import { matchesFields, type FieldFilter } from '../../../shared/fields.js';
import type { NormalizedRecord } from '../../../shared/record.js';
import { runStoreConformance, type MakeStoreOptions } from '../conformance.js';
import { runFieldConformance } from '../conformance-fields.js';
import { openStore } from '../open.js';
import { translatePgError } from './pg-errors.js';
import { PostgresStore } from './pg-store.js';
import { PG_SCHEMA_VERSION } from './pg-schema.js';
import { prepareFieldEntries } from './pg-fields.js';
import { toTsqueryLiteral, toTsvectorLiteral } from './text-search.js';

const URL_BASE = process.env.LOGPIPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;

async function reachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: URL_BASE, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}

const unreachable = await reachable();
if (unreachable) console.log(`# PostgreSQL tests skipped: no server at ${URL_BASE.replace(/\/\/[^@]*@/, '//')} (${unreachable}). Set LOGPIPE_TEST_PG_URL to run them.`);
const skip = unreachable ? `no PostgreSQL at LOGPIPE_TEST_PG_URL (${unreachable})` : false;

const schemas = new Set<string>();

// Names carry their creation time (seconds), so a later run can drop what a killed run left.
function freshSchema(): string {
  const name = `logpipe_test_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  schemas.add(name);
  return name;
}

async function dropSchema(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: URL_BASE });
  try {
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    schemas.delete(name);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Drops test and benchmark schemas more than an hour old (left behind by runs that were killed). */
async function dropStaleSchemas(): Promise<void> {
  const c = new pg.Client({ connectionString: URL_BASE });
  try {
    await c.connect();
    const rows = (await c.query("SELECT nspname FROM pg_namespace WHERE nspname ~ '^logpipe_(test|bench)_[0-9]{10}_'")).rows as { nspname: string }[];
    const limit = Date.now() / 1000 - 3600;
    for (const { nspname } of rows) if (Number(nspname.split('_')[2]) < limit) await c.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await c.end().catch(() => {});
  }
}

if (!unreachable) await dropStaleSchemas().catch(() => {});

after(async () => {
  for (const s of [...schemas]) await dropSchema(s).catch(() => {});
});

function urlFor(schema: string): string {
  return `${URL_BASE}${URL_BASE.includes('?') ? '&' : '?'}schema=${schema}`;
}

function rec(p: Partial<NormalizedRecord> & { message: string }): NormalizedRecord {
  return { ts: Date.UTC(2026, 0, 1), level: 'info', source: 'app', host: 'h', attrs: null, stream: null, offset: null, ...p };
}

if (!unreachable) {
  // Retention in the shared suite counts rows per call against the chunk size, so it runs with
  // chunked deletes only; dropping whole partitions is tested below.
  // A low field-drive cap, so field filters take both plans (driven by the field index, or a
  // walk of logs in time order with lookups) on the suite's small data; the field suite runs
  // once more with every non-negated field filter driving.
  const makePostgres = (fieldDriveCap: number) => async (options?: MakeStoreOptions) => {
    const schema = freshSchema();
    const open = () => PostgresStore.open(urlFor(schema), { now: options?.now, dropPartitions: false, poolSize: 4, fieldDriveCap });
    let store = await open();
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        store = await open();
        return store;
      },
      async cleanup() {
        await store.close();
        await dropSchema(schema);
      },
    };
  };
  runStoreConformance('postgres', makePostgres(25));
  runFieldConformance('postgres', makePostgres(25));
  runFieldConformance('postgres (field index always driving)', makePostgres(1e9));
}

test('text search literals: tokens as the live tail sees them, quoted so nothing is syntax', () => {
  assert.equal(toTsvectorLiteral('Connect to example.com a-b; a again'), "'connect':1 'to':2 'example':3 'com':4 'a':5,7 'b':6 'again':8");
  assert.equal(toTsvectorLiteral("it's C:\\path"), "'it':1 's':2 'c':3 'path':4");
  assert.equal(toTsvectorLiteral('Café NAÏVE'), "'cafe':1 'naive':2");
  assert.equal(toTsqueryLiteral('conn* "refused by" x'), "'conn':* & ('refused' <-> 'by') & 'x'");
  assert.equal(toTsqueryLiteral('message:foo'), "('message' <-> 'foo')");
  assert.equal(toTsqueryLiteral('-> ** "'), null);
  assert.equal(toTsqueryLiteral("&|!(') <->"), null);
});

test('PostgreSQL failures map to 503 catalogue errors; SQL bugs pass through unchanged', () => {
  const pgError = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code });
  const codeOf = (e: unknown) => (e instanceof LogpipeError ? e.code : 'unchanged');
  assert.equal(codeOf(translatePgError(pgError('53100', 'could not extend file: No space left on device'))), 'LP_ERR_STORE_FULL');
  for (const code of ['ECONNREFUSED', 'ECONNRESET', '08006', '57P01', '25006', '53300', '55P03', '40P01']) {
    const e = translatePgError(pgError(code));
    assert.equal(codeOf(e), 'LP_ERR_STORE_UNAVAILABLE', code);
    assert.equal((e as LogpipeError).statusCode, 503);
  }
  assert.equal(codeOf(translatePgError(new Error('Connection terminated unexpectedly'))), 'LP_ERR_STORE_UNAVAILABLE');
  assert.equal(codeOf(translatePgError(pgError('42601', 'syntax error'))), 'unchanged');
  assert.equal((translatePgError(pgError('53100')) as LogpipeError).retryAfter, 5);
});

test('a URL that reaches no server is a clear start-up error', async () => {
  await assert.rejects(PostgresStore.open('postgres://postgres@127.0.0.1:1/test?schema=x'), (err: unknown) => {
    assert.ok(err instanceof LogpipeError);
    assert.equal(err.code, 'LP_ERR_STORE_OPEN');
    assert.match(err.message, /Cannot reach PostgreSQL at 127\.0\.0\.1:1\/test/);
    return true;
  });
  await assert.rejects(PostgresStore.open(`${URL_BASE}?schema=bad-name`), /not a plain identifier/);
});

test('openStore picks PostgreSQL for postgres:// and postgresql:// URLs', { skip }, async () => {
  const schema = freshSchema();
  for (const url of [urlFor(schema), urlFor(schema).replace(/^postgres:/, 'postgresql:')]) {
    const store = await openStore({ db: url, dataDir: '/nonexistent' });
    try {
      assert.equal(store.kind, 'postgres');
    } finally {
      await store.close();
    }
  }
  await dropSchema(schema);
});

test('several stores start together on one schema, and their batches get distinct ids committed in order', { skip }, async () => {
  const schema = freshSchema();
  const stores = await Promise.all([0, 1, 2].map(() => PostgresStore.open(urlFor(schema), { poolSize: 3 })));
  try {
    const seen: number[][] = [[], [], []];
    const stops = stores.map((s, i) => s.watchCommits((id) => seen[i].push(id)));
    // Every store's listener reports the current id once it is connected.
    await waitFor(() => seen.every((x) => x.length > 0), 5000);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, k) => stores[k % 3].insert(Array.from({ length: 20 }, (_, j) => rec({ message: `batch ${k} line ${j}` })))),
    );
    const ids = results.flatMap((r) => r.records.map((x) => x.id)).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: 600 }, (_, i) => i + 1), 'ids are dense and unique');
    // Every store hears every commit, in commit (= id) order.
    await waitFor(() => seen.every((x) => x[x.length - 1] === 600), 5000);
    for (const x of seen) {
      const notes = x.slice(1);
      assert.deepEqual(notes, [...notes].sort((a, b) => a - b));
      assert.equal(notes.length, 30);
    }
    stops.forEach((stop) => stop());
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await dropSchema(schema);
  }
});

test('the commit watcher reconnects after its session is killed and reports the commits it missed', { skip }, async () => {
  const schema = freshSchema();
  const [a, b] = await Promise.all([PostgresStore.open(urlFor(schema)), PostgresStore.open(urlFor(schema))]);
  const admin = new pg.Client({ connectionString: URL_BASE });
  await admin.connect();
  try {
    const seen: number[] = [];
    const stop = b.watchCommits((id) => seen.push(id));
    await waitFor(() => seen.length > 0, 5000);
    await a.insert([rec({ message: 'one' })]);
    await waitFor(() => seen.includes(1), 5000);
    const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'logpipe-listen' AND query LIKE $1", [`%${schema}%`]);
    assert.equal(killed.rowCount, 1);
    // Committed while nobody listens: reported once the watcher is back.
    await a.insert([rec({ message: 'two' }), rec({ message: 'three' })]);
    await waitFor(() => seen.includes(3), 10_000);
    await a.insert([rec({ message: 'four' })]);
    await waitFor(() => seen.includes(4), 5000);
    stop();
    await a.insert([rec({ message: 'five' })]);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!seen.includes(5), 'nothing after stop()');
  } finally {
    await admin.end();
    await Promise.all([a.close(), b.close()]);
    await dropSchema(schema);
  }
});

test('duplicate stream offsets sent through two stores at once are stored exactly once', { skip }, async () => {
  const schema = freshSchema();
  const [a, b] = await Promise.all([PostgresStore.open(urlFor(schema)), PostgresStore.open(urlFor(schema))]);
  try {
    const batch = (k: number) => Array.from({ length: 10 }, (_, j) => rec({ message: `s ${k * 10 + j}`, stream: 'st', offset: (k * 10 + j + 1) * 100 }));
    const res = await Promise.all(Array.from({ length: 20 }, (_, k) => [a.insert(batch(k >> 1)), b.insert(batch(k >> 1))]).flat());
    const accepted = res.reduce((n, r) => n + r.accepted, 0);
    const stored = (await a.query({ order: 'asc', limit: 1000 })).map((r) => r.message);
    assert.equal(new Set(stored).size, stored.length, 'no line stored twice');
    assert.equal(stored.length, accepted);
    assert.equal(await b.streamOffset('st'), Math.max(...stored.map((m) => Number(m.slice(2)) + 1)) * 100);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await dropSchema(schema);
  }
});

test('a schema-1 database made by the previous release (fixture) is upgraded in place: every stored row gets its fields, the host index, version 2', { skip }, async () => {
  const schema = freshSchema();
  const fixture = readFileSync(fileURLToPath(new URL('../../../../test/fixtures/pg-schema1.sql', import.meta.url)), 'utf8');
  const c = new pg.Client({ connectionString: URL_BASE });
  await c.connect();
  try {
    await c.query(fixture.replaceAll('logpipe_fixture_schema1', schema));
    const version = async () => Number((await c.query(`SELECT value FROM "${schema}".meta WHERE key = 'schema_version'`)).rows[0].value);
    assert.equal(await version(), 1, 'the fixture is a schema-1 database');
    const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
    let store = await PostgresStore.open(urlFor(schema), { now: () => T0 + 3_600_000 });
    try {
      assert.equal(await version(), PG_SCHEMA_VERSION);
      assert.equal((await c.query(`SELECT count(*)::int AS n FROM "${schema}".meta WHERE key = 'fields_backfill_id'`)).rows[0].n, 0);
      const all = await store.query({ order: 'asc', limit: 1000 });
      assert.equal(all.length, 261);
      const cases: FieldFilter[][] = [
        [{ path: 'request_id', op: 'eq', value: 'r3' }],
        [{ path: 'request_id', op: 'prefix', value: 'old1' }],
        [{ path: 'http.status', op: 'eq', value: '500' }],
        [{ path: 'http.status', op: 'range', gte: 400 }],
        [{ path: 'service.name', op: 'eq', value: 'checkout' }],
        [{ path: 'tags', op: 'eq', value: '3', negate: true }],
        [{ path: 'ms', op: 'exists' }],
      ];
      for (const fields of cases) {
        const want = all.filter((r) => matchesFields(r.attrs, fields)).map((r) => r.id);
        assert.ok(want.length > 0 || fields[0].negate, `case ${JSON.stringify(fields)} selects something`);
        assert.deepEqual((await store.query({ fields, order: 'asc', limit: 1000 })).map((r) => r.id), want, JSON.stringify(fields));
      }
      const indexes = (await c.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [schema])).rows.map((r) => r.indexname as string);
      assert.ok(indexes.includes('logs_host_ts_id'), 'the host index exists');
      // Rows written after the upgrade are indexed too, and opening again changes nothing.
      await store.insert([rec({ message: 'after upgrade', ts: T0 + 7_000, attrs: '{"request_id":"new"}' })]);
      await store.close();
      store = await PostgresStore.open(urlFor(schema), { now: () => T0 + 3_600_000 });
      assert.equal(await version(), PG_SCHEMA_VERSION);
      assert.deepEqual((await store.query({ fields: [{ path: 'request_id', op: 'prefix', value: 'new' }], order: 'asc', limit: 10 })).map((r) => r.message), ['after upgrade']);
      assert.equal((await store.query({ fields: [{ path: 'request_id', op: 'exists' }], order: 'asc', limit: 1000 })).length, all.filter((r) => r.attrs?.request_id !== undefined).length + 1);
    } finally {
      await store.close();
    }
  } finally {
    await c.end();
    await dropSchema(schema);
  }
});

test('an upgrade from schema 1 killed midway (SIGKILL) resumes at the next start: every row indexed once', { skip, timeout: 120_000 }, async () => {
  const schema = freshSchema();
  const fixture = readFileSync(fileURLToPath(new URL('../../../../test/fixtures/pg-schema1.sql', import.meta.url)), 'utf8');
  const c = new pg.Client({ connectionString: URL_BASE });
  await c.connect();
  try {
    await c.query(fixture.replaceAll('logpipe_fixture_schema1', schema));
    // A real process upgrades one row per transaction and is killed once some chunks committed.
    const code = `const { PostgresStore } = await import(${JSON.stringify(fileURLToPath(new URL('./pg-store.ts', import.meta.url)))}); await PostgresStore.open(${JSON.stringify(urlFor(schema))}); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, LOGPIPE_PG_UPGRADE_CHUNK: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const progress = async () => {
      try {
        return Number((await c.query(`SELECT value FROM "${schema}".meta WHERE key = 'fields_backfill_id'`)).rows[0]?.value ?? 0);
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 90_000;
    while ((await progress()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const at = await progress();
    const version = async () => Number((await c.query(`SELECT value FROM "${schema}".meta WHERE key = 'schema_version'`)).rows[0].value);
    assert.ok(at > 0, 'the upgrade committed some chunks before it was killed');
    assert.equal(await version(), 1, 'killed before it finished');
    const store = await PostgresStore.open(urlFor(schema));
    try {
      assert.equal(await version(), PG_SCHEMA_VERSION);
      const all = await store.query({ order: 'asc', limit: 1000 });
      const want = new Map(all.map((r) => [r.id, prepareFieldEntries(r.attrs === null ? null : JSON.stringify(r.attrs)).length]));
      const got = new Map(((await c.query(`SELECT id, count(*)::int AS n FROM "${schema}".fields GROUP BY id`)).rows as { id: string; n: number }[]).map((r) => [Number(r.id), r.n]));
      for (const [id, n] of want) assert.equal(got.get(id) ?? 0, n, `entries of row ${id} (killed after row ${at})`);
      assert.equal(got.size, [...want.values()].filter((n) => n > 0).length);
    } finally {
      await store.close();
    }
  } finally {
    await c.end();
    await dropSchema(schema);
  }
});

test('a schema newer than this logpipe is refused with both versions named', { skip }, async () => {
  const schema = freshSchema();
  const store = await PostgresStore.open(urlFor(schema));
  await store.close();
  const c = new pg.Client({ connectionString: URL_BASE });
  await c.connect();
  try {
    await c.query(`UPDATE "${schema}".meta SET value = ${PG_SCHEMA_VERSION + 1} WHERE key = 'schema_version'`);
    await assert.rejects(PostgresStore.open(urlFor(schema)), (err: unknown) => {
      assert.ok(err instanceof LogpipeError);
      assert.match(err.message, new RegExp(`version ${PG_SCHEMA_VERSION + 1}, newer than this logpipe understands \\(${PG_SCHEMA_VERSION}\\)`));
      return true;
    });
  } finally {
    await c.end();
    await dropSchema(schema);
  }
});

test('daily partitions: created on demand, far days in the default one, expired days dropped whole, field index partitions alongside', { skip }, async () => {
  const schema = freshSchema();
  let now = Date.UTC(2026, 5, 15, 12);
  const store = await PostgresStore.open(urlFor(schema), { now: () => now });
  const c = new pg.Client({ connectionString: URL_BASE });
  await c.connect();
  try {
    const partitions = async (parent = 'logs') =>
      (await c.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = $2 ORDER BY 1`, [schema, parent])).rows.map(
        (r) => r.relname as string,
      );
    // The field index is partitioned day for day beside logs, so a day is still dropped whole.
    const fieldsMirror = async () => assert.deepEqual(await partitions('fields'), (await partitions()).map((n) => n.replace(/^logs_/, 'fields_')));
    const count = async (table: string) => (await c.query(`SELECT count(*)::int AS n FROM "${schema}".${table}`)).rows[0].n as number;
    const req = (value: string) => store.query({ fields: [{ path: 'req', op: 'eq', value }], order: 'asc', limit: 10 });
    assert.deepEqual(await partitions(), ['logs_20260615', 'logs_20260616', 'logs_default']);
    await fieldsMirror();
    await store.insert([
      rec({ message: 'three days ago', ts: now - 3 * DAY, attrs: '{"req":"3"}' }),
      rec({ message: 'ancient', ts: Date.UTC(2001, 0, 1), attrs: '{"req":"a"}' }),
      rec({ message: 'far future', ts: now + 30 * DAY, attrs: '{"req":"f"}' }),
      ...Array.from({ length: 40 }, (_, i) => rec({ message: `two days ago ${i}`, ts: now - 2 * DAY + i, attrs: `{"req":"d${i}"}` })),
    ]);
    assert.deepEqual(await partitions(), ['logs_20260612', 'logs_20260613', 'logs_20260615', 'logs_20260616', 'logs_default']);
    await fieldsMirror();
    assert.equal(await count('fields_default'), 2);
    assert.equal(await count('fields_20260613'), 40);
    // A month later the far-future day is near: its rows move out of the default partition.
    now += 29 * DAY;
    await store.insert([rec({ message: 'tomorrow', ts: now + DAY, attrs: '{"req":"t"}' })]);
    assert.ok((await partitions()).includes('logs_20260715'));
    assert.equal((await c.query(`SELECT count(*)::int AS n FROM "${schema}".logs_default`)).rows[0].n, 1);
    assert.equal((await c.query(`SELECT count(*)::int AS n FROM "${schema}".logs_20260715`)).rows[0].n, 2);
    await fieldsMirror();
    assert.equal(await count('fields_default'), 1);
    assert.equal(await count('fields_20260715'), 2);
    assert.deepEqual((await req('f')).map((r) => r.message), ['far future']);
    assert.equal((await store.query({ q: 'future', order: 'asc', limit: 5 })).length, 1);
    // Age retention: whole days before the cutoff are dropped (rows counted), the rest deleted in chunks.
    now += DAY;
    const deleted: number[] = [];
    for (let i = 0, n = -1; i < 50 && n !== 0; i++) deleted.push((n = await store.enforceRetention({ maxAgeMs: 7 * DAY }, 5)));
    assert.ok(deleted.includes(40), `the 40-row day was dropped at once: ${deleted}`);
    assert.equal(deleted.reduce((a, b) => a + b, 0), 42);
    const left = (await store.query({ order: 'asc', limit: 100 })).map((r) => r.message);
    assert.deepEqual(left, ['far future', 'tomorrow']);
    assert.ok(!(await partitions()).includes('logs_20260613'));
    // Dropped and deleted rows take their field entries with them.
    await fieldsMirror();
    assert.equal(await count('fields'), 2);
    assert.deepEqual(await req('d3'), []);
    assert.deepEqual((await req('t')).map((r) => r.message), ['tomorrow']);
    assert.deepEqual((await store.sources()).map((s) => s.count), [2]);
    assert.equal((await store.stats()).rows, 2);
    const hist = await store.histogram({ from: 0, to: now + 10 * DAY, buckets: 10 });
    assert.equal(Object.values(hist.counts).flat().reduce((a, b) => a + b, 0), 2);
  } finally {
    await c.end();
    await store.close();
    await dropSchema(schema);
  }
});

test('size retention drops the day ingested first whole, then deletes the last day in chunks', { skip }, async () => {
  const schema = freshSchema();
  const now = Date.UTC(2026, 5, 15, 12);
  const store = await PostgresStore.open(urlFor(schema), { now: () => now });
  try {
    // Ingested in this order: two days ago, then today, then yesterday.
    const batch = (day: number, n: number) => Array.from({ length: n }, (_, i) => rec({ message: `day ${day} row ${i} ${'x'.repeat(200)}`, ts: now - day * DAY + i, source: `d${day}` }));
    await store.insert(batch(2, 300));
    await store.insert(batch(0, 300));
    await store.insert(batch(1, 300));
    const first = await store.enforceRetention({ maxBytes: 1 }, 50);
    assert.equal(first, 300, 'the day ingested first went whole');
    assert.deepEqual((await store.sources()).map((x) => x.source), ['d0', 'd1']);
    // Today's rows were ingested before yesterday's: today's day goes next, then yesterday's in chunks.
    assert.equal(await store.enforceRetention({ maxBytes: 1 }, 50), 300);
    assert.deepEqual((await store.sources()).map((x) => x.source), ['d1']);
    assert.equal(await store.enforceRetention({ maxBytes: 1 }, 50), 50);
    const left = await store.query({ order: 'asc', limit: 1000 });
    assert.equal(left.length, 250);
    assert.equal(left[0].message.slice(0, 15), 'day 1 row 50 xx');
    assert.equal((await store.stats()).rows, 250);
    // Under the limit, nothing is deleted.
    assert.equal(await store.enforceRetention({ maxBytes: 1e12 }, 50), 0);
  } finally {
    await store.close();
    await dropSchema(schema);
  }
});

test('huge and odd messages are stored and searchable: 60k words, NUL, quotes, backslashes', { skip }, async () => {
  const schema = freshSchema();
  const store = await PostgresStore.open(urlFor(schema));
  try {
    const words = Array.from({ length: 60_000 }, (_, i) => `w${i % 500}`);
    words.push('needleword');
    const res = await store.insert([
      rec({ message: words.join(' ') }),
      rec({ message: `a\u0000b 'quoted' back\\slash "dq" ${'z'.repeat(5000)}`, source: 'src\u0000x', attrs: JSON.stringify({ k: 'v\u0000' }) }),
    ]);
    assert.equal(res.accepted, 2);
    assert.equal((await store.query({ q: 'needleword', order: 'desc', limit: 5 }))[0]?.id, res.records[0].id);
    assert.equal((await store.query({ q: '"w498 w499"', order: 'desc', limit: 5 }))[0]?.id, res.records[0].id);
    const odd = await store.get(res.records[1].id);
    assert.equal(odd?.message.slice(0, 3), 'a\ufffdb');
    assert.equal(odd?.source, 'src\ufffdx');
    assert.deepEqual(odd?.attrs, { k: 'v\u0000' });
    assert.equal((await store.query({ q: "'quoted'", order: 'desc', limit: 5 }))[0]?.id, res.records[1].id);
    assert.equal((await store.query({ sources: ['src\u0000x'], order: 'desc', limit: 5 }))[0]?.id, res.records[1].id);
  } finally {
    await store.close();
    await dropSchema(schema);
  }
});

test('a read-only database answers 503 (LP_ERR_STORE_UNAVAILABLE) and recovers', { skip }, async () => {
  const schema = freshSchema();
  const store = await PostgresStore.open(urlFor(schema), { poolSize: 1 });
  try {
    await store.insert([rec({ message: 'before' })]);
    await store.pool.query('SET default_transaction_read_only = on');
    await assert.rejects(store.insert([rec({ message: 'refused' })]), (err: unknown) => {
      assert.ok(err instanceof LogpipeError);
      assert.equal(err.code, 'LP_ERR_STORE_UNAVAILABLE');
      assert.equal(err.statusCode, 503);
      return true;
    });
    await store.pool.query('SET default_transaction_read_only = off');
    assert.equal((await store.insert([rec({ message: 'after' })])).accepted, 1);
    assert.deepEqual((await store.query({ order: 'asc', limit: 10 })).map((r) => r.message), ['before', 'after']);
  } finally {
    await store.close();
    await dropSchema(schema);
  }
});

test('a server that goes away mid-flight turns into LP_ERR_STORE_UNAVAILABLE, then the pool reconnects', { skip }, async () => {
  const schema = freshSchema();
  const store = await PostgresStore.open(urlFor(schema), { poolSize: 2 });
  const admin = new pg.Client({ connectionString: URL_BASE });
  await admin.connect();
  try {
    await store.insert([rec({ message: 'one' })]);
    // Kill our connections while a query runs in one of them.
    const slow = store.pool.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    // Terminate it once the server runs it (polled, not a fixed pause before looking).
    const running = "SELECT pid FROM pg_stat_activity WHERE application_name = 'logpipe' AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%pg_sleep%'";
    for (const deadline = Date.now() + 30_000; (await admin.query(running)).rowCount === 0; ) {
      if (Date.now() > deadline) assert.fail('the slow query did not show up in pg_stat_activity within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'logpipe' AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'");
    const err = await slow;
    assert.ok(err instanceof Error);
    const t = translatePgError(err);
    assert.ok(t instanceof LogpipeError && t.code === 'LP_ERR_STORE_UNAVAILABLE', String(err));
    assert.equal((await store.insert([rec({ message: 'two' })])).accepted, 1);
  } finally {
    await admin.end();
    await store.close();
    await dropSchema(schema);
  }
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
