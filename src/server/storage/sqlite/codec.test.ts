// Block codecs (schema 4): blocks written by a schema-3 logpipe are brotli and must read
// forever, blocks written now are zstd, and each block's stored mark (blocks.codec,
// block_terms.codec) decides how it is read. The schema-3 files are real ones, written by
// main's store at 5eef81e (test/fixtures/make-schema3-db.mjs).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { matchesFields } from '../../../shared/fields.js';
import type { LogRecord, NormalizedRecord } from '../../../shared/record.js';
import { tokenize } from '../../../shared/search.js';
import { compileFilter } from '../../live/match.js';
import { Codec } from '../block.js';
import type { HistogramQuery, HistogramResult, LogFilter, QueryOptions } from '../store.js';
import { SqliteStore } from './sqlite-store.js';
import { SCHEMA_VERSION } from './schema.js';
import { upgrade3to4 } from './upgrade.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/${name}`, import.meta.url));

interface Answers {
  rows: number;
  queries: Record<string, { filter: QueryOptions; rows: LogRecord[] }>;
  histograms: Record<string, { query: HistogramQuery; result: HistogramResult }>;
  get: Record<string, LogRecord | null>;
}
const answers = JSON.parse(readFileSync(fixture('schema3-brotli.json'), 'utf8')) as Answers;

/** Records as JSON carries them (what the fixture's answers were written as). */
const dump = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logpipe-codec-'));
}

/** A private copy of a fixture: a store upgrades what it opens. */
// (Checked on the copy: opening the fixture itself, even read-only, leaves -wal and -shm files beside it.)
function copyFixture(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, readFileSync(fixture(name)));
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), 3, `${name} must stay a schema-3 database`);
  raw.close();
  return file;
}

function codecs(db: Database.Database, table: 'blocks' | 'block_terms'): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of db.prepare(`SELECT codec, count(*) AS n FROM ${table} GROUP BY codec`).all() as { codec: number; n: number }[]) out[r.codec] = r.n;
  return out;
}

function rec(p: Partial<NormalizedRecord> & { message: string }): NormalizedRecord {
  return { ts: T0, level: 'info', source: 'api', host: 'h1', attrs: null, stream: null, offset: null, ...p };
}

function bruteForce(all: LogRecord[], f: LogFilter): LogRecord[] {
  const pred = compileFilter({ ...f, host: undefined, fields: undefined });
  return all
    .filter((x) => (!pred || pred(x, () => tokenize(x.message))) && (f.host === undefined || x.host === f.host) && matchesFields(x.attrs, f.fields))
    .sort((a, b) => a.ts - b.ts || a.id - b.id);
}

/** A histogram as "bucket start:level" -> count, and the brute force bucketed the same way. */
function histogramMap(h: HistogramResult): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [level, ns] of Object.entries(h.counts)) ns.forEach((n, i) => n && counts.set(`${h.from + i * h.step}:${level}`, n));
  return counts;
}
function bruteHistogram(all: LogRecord[], h: HistogramResult, f: LogFilter): Map<string, number> {
  const counts = new Map<string, number>();
  for (const x of bruteForce(all, f)) {
    const key = `${h.from + Math.floor((x.ts - h.from) / h.step) * h.step}:${x.level}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Asks every question of the fixture's answers and checks the schema-3 store's replies. */
async function sameAnswers(store: SqliteStore, where: string): Promise<void> {
  assert.equal((await store.stats()).rows, answers.rows, where);
  for (const [name, { filter, rows }] of Object.entries(answers.queries)) {
    store.dropBlockCache();
    assert.deepEqual(dump(await store.query(filter)), rows, `${where}: query ${name}`);
  }
  for (const [name, { query, result }] of Object.entries(answers.histograms)) {
    store.dropBlockCache();
    assert.deepEqual(dump(await store.histogram(query)), result, `${where}: histogram ${name}`);
  }
  for (const [id, row] of Object.entries(answers.get)) {
    store.dropBlockCache();
    assert.deepEqual(dump(await store.get(Number(id))), row, `${where}: get ${id}`);
  }
}

test('a schema-3 database of brotli blocks (test/fixtures/schema3-brotli.db) upgrades in place (to schema 4, then 5 and 6) and answers exactly as the schema-3 logpipe did', async () => {
  const dir = tempDir();
  try {
    const file = copyFixture(dir, 'schema3-brotli.db');
    const store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16 });
    const db = store.database;
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, 6);
    // Every block and terms row already there is marked brotli; none was rewritten.
    assert.deepEqual(codecs(db, 'blocks'), { [Codec.brotli]: 41 });
    assert.deepEqual(codecs(db, 'block_terms'), { [Codec.brotli]: 41 });
    await sameAnswers(store, 'after the upgrade');
    // A word frequent in every block is counted from the brotli term counts: no block opened.
    store.dropBlockCache();
    const before = store.blocksDecoded;
    await store.histogram(answers.histograms.request.query);
    assert.equal(store.blocksDecoded - before, 0, 'the histogram reads the brotli terms, not the blocks');
    await store.close();

    // Opening it again changes nothing (the upgrade ran once).
    const again = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16 });
    await sameAnswers(again, 'reopened');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('brotli blocks from schema 3 and zstd blocks written since, a retention rewrite among them, query as one store (rows, words, fields, histograms, get), also after a reopen', async () => {
  const dir = tempDir();
  try {
    const file = copyFixture(dir, 'schema3-brotli.db');
    let store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16 });
    const all: LogRecord[] = [...answers.queries.all.rows];
    // New lines, in the same minutes as the old ones and later, through hot rows into zstd blocks.
    for (let b = 0; b < 4; b++) {
      const batch = Array.from({ length: 50 }, (_, i) => {
        const k = b * 50 + i;
        return rec({
          ts: T0 + k * 3000 + 500,
          level: (['info', 'error', 'warn'] as const)[k % 3],
          source: ['api', 'worker', 'db', 'new'][k % 4],
          host: `h${k % 2}`,
          message: `fresh ${k} ${k % 4 === 0 ? 'idle' : 'request'} ${k % 5 === 0 ? 'timeout' : 'fine'}${k === 77 ? ' zxqrare' : ''}`,
          attrs: k % 2 ? JSON.stringify({ request_id: `n${k}`, http: { status: 200 + (k % 4) * 100 }, ms: k * 5 }) : null,
        });
      });
      all.push(...dump((await store.insert(batch)).records));
    }
    store.compact(true);
    const db = store.database;
    const mixed = codecs(db, 'blocks');
    assert.ok(mixed[Codec.brotli] === 41 && mixed[Codec.zstd] > 10, `both codecs are stored: ${JSON.stringify(mixed)}`);
    assert.ok(codecs(db, 'block_terms')[Codec.zstd] > 10, 'new blocks carry zstd terms');

    // Size retention takes the 70 lowest ids (the first 70 lines of the old file, three
    // sources in blocks of 16): whole brotli blocks go, and the block each source's cut falls
    // in is rewritten without the deleted rows, as zstd.
    const deleted = await store.enforceRetention({ maxBytes: Math.floor(store.usedBytes() / 2) }, 70);
    assert.equal(deleted, 70);
    const kept = all.filter((x) => x.id > 70);
    assert.equal(kept.length, all.length - 70);
    all.length = 0;
    all.push(...kept);
    const after = codecs(db, 'blocks');
    assert.ok(after[Codec.brotli] > 0 && after[Codec.brotli] <= 41 - 6, `some brotli blocks are gone or rewritten, some stay: ${JSON.stringify(after)}`);
    const rewritten = db.prepare(`SELECT count(*) FROM blocks WHERE codec = ${Codec.zstd} AND id_max <= 620`).pluck().get() as number;
    assert.ok(rewritten >= 3, `the cut blocks' survivors are zstd blocks now (${rewritten})`);

    const check = async (where: string) => {
      const filters: LogFilter[] = [
        {},
        { q: 'request' },
        { q: 'timeout' },
        { q: 'zxqrare' },
        { q: 'req*', levels: ['error'] },
        { fields: [{ path: 'http.status', op: 'eq', value: '500' }] },
        { fields: [{ path: 'ms', op: 'range', gte: 300, lt: 900 }] },
        { host: 'h1', sources: ['api', 'new'] },
        { from: T0 + 6 * 60_000, to: T0 + 8 * 60_000 },
      ];
      for (const f of filters) {
        for (const order of ['asc', 'desc'] as const) {
          store.dropBlockCache();
          const want = bruteForce(all, f);
          if (order === 'desc') want.reverse();
          assert.deepEqual(dump(await store.query({ ...f, order, limit: 10_000 })), want, `${where}: ${JSON.stringify(f)} ${order}`);
        }
      }
      for (const x of [all[0], all[Math.floor(all.length / 2)], all[all.length - 1]]) {
        store.dropBlockCache();
        assert.deepEqual(dump(await store.get(x.id)), x, `${where}: get ${x.id}`);
      }
      for (const [q, buckets] of [
        ['request', 10],
        ['timeout', 10],
        ['request', 7],
      ] as const) {
        store.dropBlockCache();
        const h = await store.histogram({ q, from: T0, to: T0 + 10 * 60_000, buckets });
        assert.deepEqual(histogramMap(h), bruteHistogram(all, h, { q, from: T0, to: T0 + 10 * 60_000 }), `${where}: histogram ${q}/${buckets}`);
      }
    };
    await check('mixed');
    await store.close();
    store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16 });
    await check('mixed, reopened');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a block is read by its stored mark: a wrong or unknown mark is an error naming the codec, never rows read with the other codec", async () => {
  const dir = tempDir();
  try {
    const file = copyFixture(dir, 'schema3-brotli.db');
    const store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16 });
    await store.insert(Array.from({ length: 40 }, (_, i) => rec({ ts: T0 + 3_600_000 + i, message: `newer ${i} zstdword` })));
    store.compact(true);
    const db = store.database;
    const zstdBlock = db.prepare(`SELECT id FROM blocks WHERE codec = ${Codec.zstd} ORDER BY id LIMIT 1`).pluck().get() as number;
    const brotliBlock = db.prepare(`SELECT id FROM blocks WHERE codec = ${Codec.brotli} ORDER BY id LIMIT 1`).pluck().get() as number;
    const probe = async (id: number) => {
      store.dropBlockCache();
      const minId = db.prepare('SELECT id_min FROM blocks WHERE id = ?').pluck().get(id) as number;
      return store.get(minId);
    };
    assert.ok(await probe(zstdBlock));
    assert.ok(await probe(brotliBlock));
    const setCodec = db.prepare('UPDATE blocks SET codec = ? WHERE id = ?');
    // Swapped marks: each codec rejects the other's bytes.
    setCodec.run(Codec.brotli, zstdBlock);
    await assert.rejects(probe(zstdBlock));
    setCodec.run(Codec.zstd, zstdBlock);
    setCodec.run(Codec.zstd, brotliBlock);
    await assert.rejects(probe(brotliBlock));
    // A codec this logpipe does not know (a newer one's) is named, not guessed.
    setCodec.run(7, brotliBlock);
    await assert.rejects(probe(brotliBlock), /Unknown block codec 7/);
    setCodec.run(Codec.brotli, brotliBlock);
    assert.ok(await probe(brotliBlock));
    // The terms carry their own mark.
    db.prepare('UPDATE block_terms SET codec = 7 WHERE block = ?').run(brotliBlock);
    await assert.rejects(store.histogram(answers.histograms.request.query), /Unknown block codec 7/);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a schema-1 conversion that a schema-3 logpipe left half done (test/fixtures/schema3-half.db: brotli blocks + rows in logs) resumes with zstd blocks and returns every row once', async () => {
  const dir = tempDir();
  try {
    // The reference: schema1.db converted by this store in one go.
    const refFile = join(dir, 'ref.db');
    writeFileSync(refFile, readFileSync(fixture('schema1.db')));
    const ref = new SqliteStore(refFile, { compactIntervalMs: 0, blockRows: 8 });
    const want = dump(await ref.query({ order: 'asc', limit: 10_000 }));
    await ref.close();
    assert.equal(want.length, 261);

    const file = copyFixture(dir, 'schema3-half.db');
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.prepare('SELECT count(*) FROM logs').pluck().get(), 161);
    raw.close();
    const store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 8 });
    const db = store.database;
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'logs'").pluck().get(), 0);
    const c = codecs(db, 'blocks');
    assert.ok(c[Codec.brotli] > 0 && c[Codec.zstd] > 0, `the first chunk stays brotli, the rest is zstd: ${JSON.stringify(c)}`);
    assert.equal(db.prepare(`SELECT sum(n) FROM blocks WHERE codec = ${Codec.brotli}`).pluck().get(), 100);
    assert.deepEqual(dump(await store.query({ order: 'asc', limit: 10_000 })), want);
    assert.equal((await store.query({ q: 'lateword', order: 'desc', limit: 100 })).length, 20);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the schema 3 to 4 upgrade is one transaction: failing halfway leaves the schema-3 file as it was', async () => {
  const dir = tempDir();
  try {
    const file = copyFixture(dir, 'schema3-brotli.db');
    const db = new Database(file);
    // block_terms replaced by a view of the same columns: adding `codec` to blocks succeeds,
    // adding it to block_terms then fails (a view takes no column), as a crash between the two would stop it.
    db.exec('ALTER TABLE block_terms RENAME TO terms_saved; CREATE VIEW block_terms AS SELECT block, terms FROM terms_saved;');
    assert.throws(() => upgrade3to4(db), /view/i);
    assert.equal(db.pragma('user_version', { simple: true }), 3);
    assert.equal(db.prepare("SELECT count(*) FROM pragma_table_info('blocks') WHERE name = 'codec'").pluck().get(), 0, 'the first ALTER was rolled back');
    db.exec('DROP VIEW block_terms; ALTER TABLE terms_saved RENAME TO block_terms;');
    db.close();
    // The file is still a schema-3 database that upgrades normally.
    const store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16 });
    assert.equal(store.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(codecs(store.database, 'blocks'), { [Codec.brotli]: 41 });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
