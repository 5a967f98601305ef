// The PostgreSQL store, each figure beside a reference measured in the same run:
//  1. insert rate through Store.insert (1000-record batches, everything the store keeps:
//     partitions, tsvector, rollups, offsets, NOTIFY, one advisory lock per batch) against a
//     raw multi-row INSERT (unnest arrays) of the same rows into the same table and indexes,
//     tsvector computed by PostgreSQL's own to_tsvector('simple'), nothing else;
//  2. the same with two writers at once (two pools), showing what serializing writers costs;
//  3. the query set of the former bench/query.bench.ts on a smaller database, each against the
//     straightforward SQL for the same answer on the same tables;
//  4. retention: a chunk of deletes against a bare DELETE, and an expired day dropped whole.
// Every schema is fresh (logpipe_bench_<random>) and dropped at the end.
// Usage: node --import tsx bench/postgres.bench.ts [insert-rows=50000] [rounds=3] [query-rows=1000000] [runs=15]
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { LEVEL_CODE } from '../src/shared/levels.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { PostgresStore } from '../src/server/storage/postgres/pg-store.js';
import { COMMON_WORD, makeRecords, RARE_WORD, rng, walkInfoPages } from './store-data.js';

const URL_BASE = process.env.LOGPIPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.argv[2] ?? 50_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const QUERY_ROWS = Number(process.argv[4] ?? 1_000_000);
const RUNS = Number(process.argv[5] ?? 15);
const BATCH = 1000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 28, 3, 0, 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const admin = new pg.Pool({ connectionString: URL_BASE, max: 4 });
const made: string[] = [];

async function freshStore(poolSize = 4): Promise<PostgresStore> {
  const schema = `logpipe_bench_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  made.push(schema);
  // "now" inside the data's hour, so every row lands in a daily partition as in production.
  return PostgresStore.open(`${URL_BASE}${URL_BASE.includes('?') ? '&' : '?'}schema=${schema}`, { poolSize, now: () => START + HOUR });
}

async function dropAll(): Promise<void> {
  for (const s of made.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
}

function batchesOf(seed: number, rows: number): NormalizedRecord[][] {
  const r = rng(seed);
  const out: NormalizedRecord[][] = [];
  for (let i = 0; i < rows; i += BATCH) out.push(makeRecords(r, i, Math.min(BATCH, rows - i), rows, START, HOUR, true));
  return out;
}

/** The reference: the same rows into the same table (and indexes), one multi-row INSERT per batch, nothing else. */
async function insertRaw(pool: pg.Pool, schema: string, batches: NormalizedRecord[][], firstId: number): Promise<void> {
  let id = firstId;
  for (const b of batches) {
    const ids = b.map(() => id++);
    await pool.query(
      `INSERT INTO "${schema}".logs (id, ts, level, source, host, message, attrs, tsv) ` +
        "SELECT i, t, l, s, h, m, a, to_tsvector('simple', m) FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u (i, t, l, s, h, m, a)",
      [ids, b.map((r) => r.ts), b.map((r) => LEVEL_CODE[r.level]), b.map((r) => r.source), b.map((r) => r.host), b.map((r) => r.message), b.map((r) => r.attrs)],
    );
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

// 1 and 2: insert rates. Rounds alternate the variants on fresh schemas, so machine noise
// (the machine is shared) hits them alike.
const rates: Record<string, number[]> = { store: [], raw: [], store2: [], raw2: [] };
const half = Math.floor(ROWS / 2);
for (let round = 0; round < ROUNDS; round++) {
  const all = batchesOf(100 + round, ROWS);
  {
    const store = await freshStore();
    rates.raw.push(ROWS / (await timed(() => insertRaw(store.pool, store.schema, all, 1))));
    await store.close();
  }
  {
    const store = await freshStore();
    rates.store.push(ROWS / (await timed(async () => {
      for (const b of all) await store.insert(b);
    })));
    await store.close();
  }
  {
    // Two writers: two stores (as two servers would be), each with half the batches.
    const a = await freshStore(2);
    const b = await PostgresStore.open(`${URL_BASE}?schema=${a.schema}`, { poolSize: 2, now: () => START + HOUR });
    const halves = [all.filter((_, i) => i % 2 === 0), all.filter((_, i) => i % 2 === 1)];
    rates.store2.push(ROWS / (await timed(() => Promise.all([a, b].map(async (s, k) => {
      for (const x of halves[k]) await s.insert(x);
    })))));
    await Promise.all([a.close(), b.close()]);
    const c = await freshStore(2);
    rates.raw2.push(ROWS / (await timed(() => Promise.all([insertRaw(c.pool, c.schema, halves[0], 1), insertRaw(c.pool, c.schema, halves[1], 10_000_000)]))));
    await c.close();
  }
  await dropAll();
  console.log(`round ${round + 1}: raw ${Math.round(rates.raw[round])}, store ${Math.round(rates.store[round])}, 2 writers: raw ${Math.round(rates.raw2[round])}, store ${Math.round(rates.store2[round])} rows/s`);
}
const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
console.log(`\nInsert, ${ROWS} rows per round, ${BATCH}-row batches, medians of ${ROUNDS} rounds:`);
console.log(`  one writer:  Store.insert ${Math.round(m.store)} rows/s   raw INSERT ${Math.round(m.raw)} rows/s   ratio ${(m.store / m.raw).toFixed(2)}`);
console.log(`  two writers: Store.insert ${Math.round(m.store2)} rows/s   raw INSERT ${Math.round(m.raw2)} rows/s   ratio ${(m.store2 / m.raw2).toFixed(2)}`);
console.log(`  a second writer changes the store's rate by x${(m.store2 / m.store).toFixed(2)} (raw: x${(m.raw2 / m.raw).toFixed(2)})`);

// 3: queries on QUERY_ROWS rows over one hour, built through Store.insert.
if (QUERY_ROWS > 0) {
  const store = await freshStore();
  const s = `"${store.schema}"`;
  const r = rng(7);
  const t0 = performance.now();
  for (let i = 0; i < QUERY_ROWS; i += BATCH) await store.insert(makeRecords(r, i, Math.min(BATCH, QUERY_ROWS - i), QUERY_ROWS, START, HOUR, true));
  const buildSeconds = (performance.now() - t0) / 1000;
  await admin.query(`VACUUM ANALYZE ${s}.logs`);
  console.log(`\nQuery database: ${QUERY_ROWS} rows built in ${buildSeconds.toFixed(0)} s (${Math.round(QUERY_ROWS / buildSeconds)} rows/s), ${((await store.fileBytes()) / 1e6).toFixed(0)} MB; medians of ${RUNS} runs (references: ${Math.min(RUNS, 5)}).`);
  const L = 20 * 60_000;
  const unaligned = START + 17_345;
  const q = (sql: string, values: unknown[] = []) => async () => (await admin.query(sql, values)).rows;
  const cases: { name: string; run: () => Promise<unknown>; reference: () => Promise<unknown> }[] = [
    {
      name: `newest 100 matching a rare word ("${RARE_WORD}")`,
      run: () => store.query({ q: RARE_WORD, order: 'desc', limit: 100 }),
      reference: q(`SELECT * FROM ${s}.logs WHERE message ILIKE $1 ORDER BY id DESC LIMIT 100`, [`%${RARE_WORD}%`]),
    },
    {
      name: `newest 100 matching a common word ("${COMMON_WORD}")`,
      run: () => store.query({ q: COMMON_WORD, order: 'desc', limit: 100 }),
      reference: q(`SELECT * FROM ${s}.logs WHERE message ILIKE $1 ORDER BY id DESC LIMIT 100`, [`%${COMMON_WORD}%`]),
    },
    {
      name: 'newest 100 with level=error in a 10-minute range',
      run: () => store.query({ levels: ['error'], from: START + L, to: START + L + 600_000, order: 'desc', limit: 100 }),
      reference: q(`SELECT * FROM ${s}.logs WHERE level = 4 AND ts >= $1 AND ts < $2 ORDER BY id DESC LIMIT 100`, [START + L, START + L + 600_000]),
    },
    {
      name: '60-bucket histogram over the whole hour',
      run: () => store.histogram({ from: START, to: START + HOUR, buckets: 60 }),
      reference: q(`SELECT (ts - $1) / 60000 AS b, level, count(*) FROM ${s}.logs WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2`, [START, START + HOUR]),
    },
    {
      name: '60-bucket histogram over an hour not aligned to minutes',
      run: () => store.histogram({ from: unaligned, to: unaligned + HOUR, buckets: 60 }),
      reference: q(`SELECT (ts - $1) / 60000 AS b, level, count(*) FROM ${s}.logs WHERE ts >= $2 AND ts < $3 GROUP BY 1, 2`, [Math.floor(unaligned / 60_000) * 60_000, unaligned, unaligned + HOUR]),
    },
    {
      name: 'sources()',
      run: () => store.sources(),
      reference: q(`SELECT source, count(*), max(ts) FROM ${s}.logs GROUP BY source`),
    },
    {
      name: `60-bucket histogram, whole hour, q="${RARE_WORD}"`,
      run: () => store.histogram({ from: START, to: START + HOUR, buckets: 60, q: RARE_WORD }),
      reference: q(`SELECT (ts - $1) / 60000 AS b, level, count(*) FROM ${s}.logs WHERE ts >= $1 AND ts < $2 AND message ILIKE $3 GROUP BY 1, 2`, [START, START + HOUR, `%${RARE_WORD}%`]),
    },
    {
      name: 'newest 100 with level=info, whole hour, page 50 (cursor)',
      run: () => walkInfoPages(store, START, START + HOUR, 50),
      reference: q(`SELECT * FROM ${s}.logs WHERE level = 2 AND ts >= $1 AND ts < $2 ORDER BY id DESC LIMIT 100 OFFSET 4900`, [START, START + HOUR]),
    },
  ];
  for (const c of cases) {
    const mine: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) mine.push(await timed(c.run));
    for (let i = 0; i < Math.min(RUNS, 5); i++) theirs.push(await timed(c.reference));
    console.log(`${c.name.padEnd(64)} store ${(median(mine) * 1000).toFixed(2).padStart(8)} ms   reference ${(median(theirs) * 1000).toFixed(2).padStart(9)} ms`);
  }

  // 4: retention on the same data. One 2000-row chunk through the store (rows, rollups,
  // totals, partition counts in one transaction) against a bare DELETE of the oldest 2000
  // rows; then the whole day expiring by age, which the store does with one DROP TABLE.
  const chunks: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    chunks.push(await timed(() => store.enforceRetention({ maxBytes: 1 }, 2000)));
    bare.push(await timed(() => admin.query(`DELETE FROM ${s}.logs WHERE id IN (SELECT id FROM ${s}.logs ORDER BY id LIMIT 2000)`)));
  }
  const left = (await admin.query(`SELECT count(*)::int AS n FROM ${s}.logs`)).rows[0].n as number;
  const later = await PostgresStore.open(`${URL_BASE}?schema=${store.schema}`, { now: () => START + 10 * 24 * HOUR });
  let dropped = 0;
  const drop = await timed(async () => {
    dropped = await later.enforceRetention({ maxAgeMs: 24 * HOUR }, 2000);
  });
  await later.close();
  const chunk = median(chunks);
  console.log(`\nRetention: a 2000-row chunk ${(chunk * 1000).toFixed(1)} ms (bare DELETE of 2000 rows ${(median(bare) * 1000).toFixed(1)} ms);`);
  console.log(`  the expired day (${dropped} of ${left} rows) dropped whole in ${(drop * 1000).toFixed(0)} ms; in chunks it would take about ${((left / 2000) * chunk).toFixed(0)} s.`);
  await store.close();
}
await dropAll();
await admin.end();
