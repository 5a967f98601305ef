// Payload format v3 (schema 5): blocks written by a schema-4 logpipe are zstd v2 payloads (one
// frame) and must read forever beside the v3 payloads (three frames) written since, in one
// file. The schema-4 file is a real one, written by the schema-4 store at 5996ab7
// (test/fixtures/make-schema4-db.mjs).
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
import { QueryEngine } from '../../query/engine.js';
import { Codec } from '../block.js';
import type { LogFilter, QueryOptions } from '../store.js';
import { SqliteStore } from './sqlite-store.js';
import { SCHEMA_VERSION } from './schema.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/${name}`, import.meta.url));

interface Answers {
  rows: number;
  queries: Record<string, { filter: QueryOptions; rows: LogRecord[] }>;
  get: Record<string, LogRecord | null>;
}
const answers = JSON.parse(readFileSync(fixture('schema4-v2.json'), 'utf8')) as Answers;
const dump = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** A private copy of the fixture (a store upgrades what it opens), checked to be schema 4. */
function copyFixture(dir: string): string {
  const file = join(dir, 'schema4-v2.db');
  writeFileSync(file, readFileSync(fixture('schema4-v2.db')));
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), 4, 'schema4-v2.db must stay a schema-4 database');
  raw.close();
  return file;
}

/** Payload formats in the file: v2 (a zstd frame, magic first byte 0x28) and v3 (mark 0x03). */
function formats(db: Database.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of db.prepare('SELECT codec, hex(substr(payload, 1, 1)) AS first, count(*) AS n FROM blocks GROUP BY 1, 2').all() as { codec: number; first: string; n: number }[]) {
    assert.equal(r.codec, Codec.zstd);
    out[r.first === '03' ? 'v3' : r.first === '28' ? 'v2' : `first byte ${r.first}`] = r.n;
  }
  return out;
}

function bruteForce(all: LogRecord[], f: LogFilter): LogRecord[] {
  const pred = compileFilter({ ...f, host: undefined, fields: undefined, contains: undefined });
  return all
    .filter((x) => (!pred || pred(x, () => tokenize(x.message))) && (f.host === undefined || x.host === f.host) && matchesFields(x.attrs, f.fields))
    .sort((a, b) => a.ts - b.ts || a.id - b.id);
}

/** Whether a record holds every `contains` text (the hint's meaning: a store may keep others, never drop these). */
const holds = (f: LogFilter) => (x: LogRecord) => (f.contains ?? []).every((c) => x.message.toLowerCase().includes(c));

test('a schema-4 database of zstd v2 blocks (test/fixtures/schema4-v2.db) opens as schema 6 without a block rewritten, answers as the schema-4 logpipe did, and reads v2 and v3 blocks side by side', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-v3-'));
  try {
    const file = copyFixture(dir);
    let store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16, now: () => T0 + 3_600_000 });
    const db = () => store.database;
    assert.equal(db().pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, 6);
    assert.deepEqual(formats(db()), { v2: 41 }, 'the upgrade rewrote no block');
    for (const [name, { filter, rows }] of Object.entries(answers.queries)) {
      store.dropBlockCache();
      const got = dump(await store.query(filter));
      if (filter.contains) {
        // A hint: the schema-4 store kept every non-ASCII line; this one may skip a block whose
        // bytes show that none of its lines holds the text. Every line that does is still there.
        assert.deepEqual(got.filter(holds(filter)), rows.filter(holds(filter)), `query ${name}`);
        assert.ok(got.every((x) => rows.some((y) => y.id === x.id)), `query ${name}: nothing beyond the schema-4 answer`);
      } else assert.deepEqual(got, rows, `query ${name}`);
    }
    for (const [id, row] of Object.entries(answers.get)) {
      store.dropBlockCache();
      assert.deepEqual(dump(await store.get(Number(id))), row, `get ${id}`);
    }

    // New lines go into v3 blocks beside the v2 ones (and some late ones between them in time).
    const all = dump(await store.query({ order: 'asc', limit: 100_000 }));
    const ODD = ['SİGNAL again', '\u212aelvin scale', 'ｆｕｌｌwidth timeout', 'plain timeout', 'zxqrare twice'];
    const fresh: NormalizedRecord[] = Array.from({ length: 300 }, (_, i) => ({
      ts: i % 10 === 0 ? T0 + i * 700 : T0 + 700_000 + i * 1000,
      level: (['info', 'warn', 'error'] as const)[i % 3],
      source: ['api', 'worker', 'new'][i % 3],
      host: `h${i % 2}`,
      message: i % 13 === 0 ? ODD[(i / 13) % ODD.length | 0] : `fresh ${i} request ${i % 7 === 0 ? 'timeout' : 'ok'}`,
      attrs: i % 2 ? JSON.stringify({ http: { status: 200 + (i % 5) * 100 }, ms: i * 3 }) : null,
      stream: null,
      offset: null,
    }));
    all.push(...dump((await store.insert(fresh)).records));
    store.compact(true);
    const f = formats(db());
    assert.ok(f.v2 === 41 && f.v3 >= 15, `v2 and v3 blocks in one file: ${JSON.stringify(f)}`);

    const engine = () => new QueryEngine(store, { budget: { rows: 1_000_000, ms: 60_000 }, fieldsInStore: true });
    const check = async (where: string) => {
      const filters: LogFilter[] = [
        {},
        { q: 'request' },
        { q: 'timeout' },
        { q: 'zxqrare' },
        { q: 'req*', levels: ['error'] },
        { contains: ['signal'] },
        { contains: ['kelvin'], levels: ['info', 'warn'] },
        { contains: ['out'], q: 'timeout' },
        { fields: [{ path: 'http.status', op: 'eq', value: '500' }] },
        { fields: [{ path: 'ms', op: 'range', gte: 300, lt: 900 }], levels: ['error'] },
        { host: 'h1', sources: ['api', 'new'] },
        { from: T0 + 6 * 60_000, to: T0 + 14 * 60_000 },
      ];
      for (const lf of filters) {
        for (const order of ['asc', 'desc'] as const) {
          store.dropBlockCache();
          const want = bruteForce(all, lf);
          if (order === 'desc') want.reverse();
          const got = dump(await store.query({ ...lf, order, limit: 10_000 }));
          assert.deepEqual(got.filter(holds(lf)), want.filter(holds(lf)), `${where}: ${JSON.stringify(lf)} ${order}`);
          assert.ok(got.every((x) => want.some((y) => y.id === x.id)), `${where}: ${JSON.stringify(lf)} ${order}: only rows of the filter`);
        }
      }
      // The query language's substring and regex over both formats: exactly the brute force.
      for (const [q, test] of [
        ['~"signal"', (m: string) => m.toLowerCase().includes('signal')],
        ['~"KELVIN"', (m: string) => m.toLowerCase().includes('kelvin')],
        ['/fresh \\d+ request timeout/', (m: string) => /fresh \d+ request timeout/.test(m)],
      ] as const) {
        store.dropBlockCache();
        const page = await engine().page(engine().prepare(q, {}), { limit: 1000, order: 'desc' });
        assert.deepEqual(page.logs.map((x) => x.id), all.filter((x) => test(x.message)).sort((a, b) => b.ts - a.ts || b.id - a.id).map((x) => x.id), `${where}: ${q}`);
      }
      for (const x of [all[0], all[Math.floor(all.length / 2)], all[all.length - 1]]) {
        store.dropBlockCache();
        assert.deepEqual(dump(await store.get(x.id)), x, `${where}: get ${x.id}`);
      }
    };
    await check('mixed v2 and v3 blocks');
    await store.close();
    store = new SqliteStore(file, { compactIntervalMs: 0, blockRows: 16, now: () => T0 + 3_600_000 });
    assert.deepEqual(formats(db()), f, 'reopening changes nothing');
    await check('after a reopen');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
