// The SQLite block store (storage v2) beyond the shared conformance suite: a property test
// against a brute-force filter, field and host filters answered from block summaries, whole
// blocks removed by retention, and SIGKILL during compaction and during the schema-1 upgrade.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { LEVELS, type Level } from '../../../shared/levels.js';
import { matchesFields, type FieldFilter } from '../../../shared/fields.js';
import { mulberry32 } from '../../../shared/random.js';
import type { LogRecord, NormalizedRecord } from '../../../shared/record.js';
import { tokenize } from '../../../shared/search.js';
import { compileFilter } from '../../live/match.js';
import type { HistogramResult, LogFilter, Position } from '../store.js';
import { SqliteStore } from './sqlite-store.js';
import { SCHEMA_VERSION } from './schema.js';
import { Codec, decodeBlock, payloadBytes } from '../block.js';
import { pairsText } from '../text-pairs.js';
import { encodePayloadV1, encodePayloadV2 } from '../../../../test/helpers/block-v1.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOUR = 3_600_000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logpipe-blocks-'));
}

function rec(p: Partial<NormalizedRecord> & { message: string }): NormalizedRecord {
  return { ts: T0, level: 'info', source: 'api', host: 'h1', attrs: null, stream: null, offset: null, ...p };
}

function byTime(a: LogRecord, b: LogRecord): number {
  return a.ts - b.ts || a.id - b.id;
}

/** The brute force: the live tail's matcher for the columns and search, fields.ts for fields. */
function bruteForce(all: LogRecord[], f: LogFilter): LogRecord[] {
  const pred = compileFilter({ ...f, host: undefined, fields: undefined });
  return all.filter((x) => (!pred || pred(x, () => tokenize(x.message))) && (f.host === undefined || x.host === f.host) && matchesFields(x.attrs, f.fields));
}

async function readAll(store: SqliteStore, f: LogFilter, order: 'asc' | 'desc', limit: number): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let after: Position | undefined;
  for (let page = 0; page < 10_000; page++) {
    const rows = await store.query({ ...f, order, limit, after });
    out.push(...rows);
    if (rows.length < limit) break;
    after = { ts: rows[rows.length - 1].ts, id: rows[rows.length - 1].id };
  }
  return out;
}

const WORDS = ['alpha', 'beta', 'gamma', 'timeout', 'connect', 'connection', 'disk', 'retry'];
const SOURCES = ['api', 'worker', 'db'];
const HOSTS = ['h1', 'h2', 'h3', 'h4'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function randomAttrs(r: () => number): string | null {
  const k = r();
  if (k < 0.25) return null;
  const a: Record<string, unknown> = {};
  if (r() < 0.6) a.request_id = `r${Math.floor(r() * 40)}`;
  if (r() < 0.5) a.http = { status: pick(r, [200, 201, 404, 500, 503]), path: pick(r, ['/a', '/api/x', '/api/y']) };
  if (r() < 0.3) a['http.status'] = pick(r, [200, 503, '503', 'bad']);
  if (r() < 0.4) a.ms = r() < 0.8 ? Math.floor(r() * 1000) / 4 : String(Math.floor(r() * 100));
  if (r() < 0.2) a.tags = [pick(r, WORDS), pick(r, WORDS)];
  if (r() < 0.1) a.ok = r() < 0.5;
  if (r() < 0.1) a.nested = { deep: { v: Math.floor(r() * 5) } };
  if (r() < 0.05) a.gone = null;
  return JSON.stringify(a);
}

/**
 * A message and its attrs: mostly randomAttrs; a third of the lines carry key=value pairs in
 * their text, with attrs that are exactly those pairs (stored as a mark, text-pairs.ts), or
 * nearly (another order, a value more), or none.
 */
function randomText(r: () => number, text: string): { message: string; attrs: string | null } {
  if (r() < 0.66) return { message: text, attrs: randomAttrs(r) };
  const id = `r${Math.floor(r() * 40)}`;
  const ms = String(Math.floor(r() * 1000) / 4);
  const message = r() < 0.5 ? `${text} request_id=${id} ms=${ms}` : `request_id=${id} msg="${text} \\"q\\"" ms=${ms}`;
  const k = r();
  if (k < 0.7) return { message, attrs: pairsText(message) };
  if (k < 0.8) return { message, attrs: JSON.stringify({ ms, request_id: id }) };
  if (k < 0.9) return { message, attrs: JSON.stringify({ request_id: id, ms: Number(ms), tags: [pick(r, WORDS)] }) };
  return { message, attrs: null };
}

/** How many rows of the file's blocks hold the mark "attrs = the message's key=value pairs" in place of their attrs text. */
function derivedMarks(db: Database.Database): number {
  let marks = 0;
  for (const { payload, codec } of db.prepare('SELECT payload, codec FROM blocks').all() as { payload: Buffer; codec: number }[]) {
    const b = payloadBytes(payload, codec);
    if (b[0] !== 0x02 && b[0] !== 0x03) continue;
    const nl = b.indexOf(10);
    const [h, c, m, a] = b.toString('latin1', 1, nl).split(',').map(Number);
    const from = nl + 1 + h + c + m;
    const attrs = JSON.parse(b.toString('utf8', from, from + a)) as unknown[];
    marks += attrs.filter((x) => x === 0).length;
  }
  return marks;
}

function randomField(r: () => number): FieldFilter {
  const negate = r() < 0.2;
  switch (Math.floor(r() * 6)) {
    case 0:
      return { path: 'request_id', op: 'eq', value: `r${Math.floor(r() * 40)}`, negate };
    case 1:
      return { path: 'http.status', op: 'eq', value: pick(r, ['200', '503', '404', 'bad']), negate };
    case 2:
      return { path: pick(r, ['http.path', 'request_id', 'tags']), op: 'prefix', value: pick(r, ['/api', 'r1', 'al', '']), negate };
    case 3:
      return { path: pick(r, ['ms', 'http.status', 'nested.deep.v']), op: 'range', gte: Math.floor(r() * 200), lt: r() < 0.5 ? Math.floor(200 + r() * 400) : undefined, negate };
    case 4:
      return { path: pick(r, ['ok', 'tags', 'nested', 'gone', 'http']), op: 'exists', negate };
    default:
      return { path: 'tags', op: 'eq', value: pick(r, WORDS), negate };
  }
}

function randomFilter(r: () => number): LogFilter {
  const f: LogFilter = {};
  if (r() < 0.3) f.levels = [pick(r, LEVELS), pick(r, ['info', 'error'] as Level[])];
  if (r() < 0.3) f.sources = [pick(r, SOURCES)];
  if (r() < 0.25) f.host = pick(r, HOSTS);
  if (r() < 0.4) f.from = T0 + Math.floor(r() * 2 * HOUR) - 60_000;
  if (r() < 0.4) f.to = (f.from ?? T0) + Math.floor(r() * HOUR);
  if (r() < 0.3) f.q = pick(r, [pick(r, WORDS), `${pick(r, WORDS).slice(0, 3)}*`, `"${pick(r, WORDS)} ${pick(r, WORDS)}"`, '-', 'n1']);
  if (r() < 0.45) f.fields = Array.from({ length: 1 + Math.floor(r() * 2) }, () => randomField(r));
  return f;
}

test('property: for random records and queries the block store returns exactly what a brute-force filter does, in (ts, id) order, across blocks and hot rows', async () => {
  const seed = 4242;
  const r = mulberry32(seed);
  const dir = tempDir();
  try {
    const store = new SqliteStore(join(dir, 'p.db'), { blockRows: 9, compactIntervalMs: 0 });
    const all: LogRecord[] = [];
    let t = T0;
    for (let b = 0; b < 30; b++) {
      const batch: NormalizedRecord[] = [];
      for (let i = 0; i < 40; i++) {
        // Mostly forward with ties; a quarter of the lines are late, scattered over two hours.
        if (r() < 0.8) t += Math.floor(r() * 5000);
        const ts = r() < 0.25 ? T0 + Math.floor(r() * 2 * HOUR) : t;
        const words = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, WORDS));
        batch.push(rec({ ts, level: pick(r, LEVELS), source: pick(r, SOURCES), host: pick(r, HOSTS), ...randomText(r, `${words.join(' ')} n${b * 40 + i}`) }));
      }
      all.push(...(await store.insert(batch)).records);
      // Now and then compress everything, partial blocks included (what the age timer does).
      if (b % 7 === 3) store.compact(true);
    }
    const st = store.database.prepare('SELECT (SELECT count(*) FROM blocks) AS blocks, (SELECT count(*) FROM hot) AS hot').get() as { blocks: number; hot: number };
    assert.ok(st.blocks > 50 && st.hot > 0, `both blocks and hot rows are exercised: ${JSON.stringify(st)}`);
    const marks = derivedMarks(store.database);
    assert.ok(marks > 100, `rows whose attrs are their message's pairs are stored as a mark: ${marks}`);
    for (let i = 0; i < 120; i++) {
      const f = randomFilter(r);
      const order = r() < 0.5 ? 'asc' : 'desc';
      const limit = 1 + Math.floor(r() * 50);
      const want = bruteForce(all, f).sort(byTime);
      if (order === 'desc') want.reverse();
      const got = await readAll(store, f, order, limit);
      assert.deepEqual(got.map((x) => x.id), want.map((x) => x.id), `seed ${seed} query #${i} ${JSON.stringify(f)} ${order} limit ${limit}`);
      if (i % 10 === 0) {
        assert.deepEqual(got, want, `whole records, query #${i}`);
        const after = all[Math.floor(r() * all.length)].id;
        const since = await store.since(after, f, 25);
        assert.deepEqual(since.map((x) => x.id), bruteForce(all, f).filter((x) => x.id > after).sort((a, b) => a.id - b.id).slice(0, 25).map((x) => x.id), `since #${i}`);
      }
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mixed blocks: v1 and v2 payloads (written the old ways into the file) and v3 payloads answer queries, since and histograms exactly as brute force', async () => {
  const seed = 777;
  const r = mulberry32(seed);
  const dir = tempDir();
  try {
    const file = join(dir, 'mixed.db');
    let store = new SqliteStore(file, { blockRows: 40, compactIntervalMs: 0 });
    const all: LogRecord[] = [];
    for (let b = 0; b < 30; b++) {
      const batch: NormalizedRecord[] = [];
      for (let i = 0; i < 40; i++) {
        const words = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, WORDS));
        batch.push(rec({ ts: T0 + Math.floor(r() * 2 * HOUR), level: pick(r, LEVELS), source: pick(r, SOURCES), host: pick(r, HOSTS), message: `${words.join(' ')} n${b * 40 + i}`, attrs: randomAttrs(r) }));
      }
      all.push(...(await store.insert(batch)).records);
    }
    store.compact(true);
    // A third of the blocks go back to format v1, as a database written before v2 holds it
    // (format v1 was written with brotli, before schema 4 added the codec mark), and a third to
    // format v2 as schema 4 wrote it (one zstd frame); the rest stay v3.
    const blocks = store.database.prepare('SELECT id, source, id_min, ts_min, codec, payload FROM blocks ORDER BY id').all() as { id: number; source: string; id_min: number; ts_min: number; codec: number; payload: Buffer }[];
    const update = store.database.prepare('UPDATE blocks SET payload = ?, codec = ? WHERE id = ?');
    for (const b of blocks.filter((_, i) => i % 3 === 0)) update.run(encodePayloadV1(decodeBlock(b.source, b.id_min, b.ts_min, b.payload, b.codec)), Codec.brotli, b.id);
    for (const b of blocks.filter((_, i) => i % 3 === 1)) update.run(encodePayloadV2(b.payload), Codec.zstd, b.id);
    await store.close();
    store = new SqliteStore(file, { blockRows: 40, compactIntervalMs: 0 });
    const marks = (store.database.prepare('SELECT codec, payload FROM blocks').all() as { codec: number; payload: Buffer }[]).map((b) => payloadBytes(b.payload, b.codec)[0]);
    assert.ok([0x7b, 0x02, 0x03].every((mark) => marks.filter((m) => m === mark).length >= 8), `all three formats present: ${marks.length} blocks`);
    for (let i = 0; i < 100; i++) {
      const f = randomFilter(r);
      const order = r() < 0.5 ? 'asc' : 'desc';
      const limit = 1 + Math.floor(r() * 60);
      const want = bruteForce(all, f).sort(byTime);
      if (order === 'desc') want.reverse();
      const got = await readAll(store, f, order, limit);
      assert.deepEqual(got.map((x) => x.id), want.map((x) => x.id), `seed ${seed} query #${i} ${JSON.stringify(f)} ${order} limit ${limit}`);
      if (i % 5 === 0) {
        assert.deepEqual(got, want, `whole records, query #${i}`);
        const after = all[Math.floor(r() * all.length)].id;
        const since = await store.since(after, f, 25);
        assert.deepEqual(since.map((x) => x.id), bruteForce(all, f).filter((x) => x.id > after).sort((a, b) => a.id - b.id).slice(0, 25).map((x) => x.id), `since #${i}`);
        const h = await store.histogram({ ...f, from: T0, to: T0 + 2 * HOUR, buckets: 12 });
        const counted = Object.fromEntries(LEVELS.map((l) => [l, (h.counts[l] ?? []).reduce((x, y) => x + y, 0)]));
        const brute = Object.fromEntries(LEVELS.map((l) => [l, bruteForce(all, { ...f, from: T0, to: T0 + 2 * HOUR }).filter((x) => x.level === l).length]));
        assert.deepEqual(counted, brute, `histogram #${i} ${JSON.stringify(f)}`);
      }
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('field equality, host and rare words are answered from block summaries: only blocks that may match are decompressed', async () => {
  const dir = tempDir();
  try {
    const store = new SqliteStore(join(dir, 'f.db'), { blockRows: 100, compactIntervalMs: 0 });
    for (let b = 0; b < 20; b++) {
      await store.insert(
        Array.from({ length: 100 }, (_, i) =>
          rec({
            ts: T0 + (b * 100 + i) * 1000,
            host: b === 13 ? 'rare-host' : 'web-1',
            message: `GET /api/items ${b === 7 && i === 50 ? 'zebracorn' : 'ok'} ${i}`,
            attrs: JSON.stringify({ request_id: `req-${b}-${i}`, http: { status: b === 4 ? 503 : 200 }, ms: b * 10 + i / 10 }),
          }),
        ),
      );
    }
    assert.equal(store.database.prepare('SELECT count(*) FROM blocks').pluck().get(), 20);
    const count = async (f: LogFilter): Promise<{ n: number; decoded: number }> => {
      store.dropBlockCache();
      const before = store.blocksDecoded;
      const rows = await store.query({ ...f, order: 'desc', limit: 100 });
      return { n: rows.length, decoded: store.blocksDecoded - before };
    };
    assert.deepEqual(await count({ fields: [{ path: 'request_id', op: 'eq', value: 'req-3-42' }] }), { n: 1, decoded: 1 });
    // A nested object's path and the flat dotted key are the same field.
    const s503 = await count({ fields: [{ path: 'http.status', op: 'eq', value: '503' }] });
    assert.equal(s503.n, 100);
    // One block holds the value; a Bloom filter answers "maybe" wrongly ~0.5% of the time per block.
    assert.ok(s503.decoded <= 3, `decoded ${s503.decoded}`);
    const range = await count({ fields: [{ path: 'ms', op: 'range', gte: 150, lt: 151 }] });
    assert.equal(range.n, 10);
    assert.equal(range.decoded, 1);
    assert.deepEqual(await count({ host: 'rare-host' }), { n: 100, decoded: 1 });
    const word = await count({ q: 'zebracorn' });
    assert.equal(word.n, 1);
    assert.ok(word.decoded <= 2, `decoded ${word.decoded}`);
    // A negated filter cannot skip by summary, but stays exact.
    assert.equal((await count({ fields: [{ path: 'http.status', op: 'eq', value: '200', negate: true }] })).n, 100);
    assert.equal((await count({ fields: [{ path: 'nope', op: 'exists' }] })).decoded, 0);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('age retention removes whole blocks (no block is rewritten) and keeps the fresh rows', async () => {
  const dir = tempDir();
  try {
    let now = T0 + 10 * 24 * HOUR;
    const store = new SqliteStore(join(dir, 'r.db'), { blockRows: 10, compactIntervalMs: 0, now: () => now });
    await store.insert(Array.from({ length: 100 }, (_, i) => rec({ ts: now - 5 * 24 * HOUR + i, message: `old ${i}` })));
    now += 2 * 24 * HOUR;
    await store.insert(Array.from({ length: 3 }, (_, i) => rec({ ts: now + i, message: `fresh ${i}` })));
    const db = store.database;
    assert.equal(db.prepare('SELECT count(*) FROM blocks').pluck().get(), 10);
    const maxBlock = db.prepare('SELECT max(id) FROM blocks').pluck().get() as number;
    let deleted = 0;
    for (let i = 0, n = -1; i < 50 && n !== 0; i++) {
      deleted += n = await store.enforceRetention({ maxAgeMs: 24 * HOUR }, 1000);
      assert.equal(db.prepare('SELECT count(*) FROM blocks WHERE id > ?').pluck().get(maxBlock), 0, 'no survivor block was written');
    }
    assert.equal(deleted, 100);
    assert.equal(db.prepare('SELECT count(*) FROM blocks').pluck().get(), 0);
    assert.deepEqual((await store.query({ order: 'asc', limit: 10 })).map((x) => x.message), ['fresh 0', 'fresh 1', 'fresh 2']);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Spawns a TypeScript child, calling `onLine` for each stdout line; resolves with its exit signal. */
function runChild(script: string, onLine: (line: string, kill: () => void, resume: () => void) => void, stdin = false): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine(line, () => proc.kill('SIGKILL'), () => proc.stdin?.write('.'));
      }
    });
    proc.on('exit', (_code, signal) => resolve({ signal, stderr }));
    proc.on('error', reject);
  });
}

// Both compactors: inline (in insert(), the default) and the server's worker thread, whose
// steps commit after insert() has returned (there the kill lands after the blocks are encoded).
for (const compactor of ['inline', 'worker'] as const)
test(`SIGKILL while compacting (${compactor}): after a restart every acknowledged line is stored exactly once, and re-sends are duplicates`, async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'kill.db');
    const storeModule = fileURLToPath(new URL('./sqlite-store.ts', import.meta.url));
    const child = join(dir, 'writer.mts');
    // Blocks of 50 rows and batches of 400: every insert is followed by compaction (eight
    // blocks per transaction). The child announces each compaction transaction from inside
    // it, before encoding its blocks; the parent kills it on the n-th announcement, so the
    // kill lands while a compaction is under way (encoding 400 lines takes milliseconds even
    // with zstd — the summaries, terms and JSON are most of it — and the signal arrives in
    // well under one).
    writeFileSync(
      child,
      `import { SqliteStore } from ${JSON.stringify(storeModule)};
const store = new SqliteStore(${JSON.stringify(file)}, { blockRows: 50, compactIntervalMs: 0, compactor: '${compactor}', onCompactionStep: (n) => process.stdout.write('compacting ' + n + '\\n') });
let off = (await store.streamOffset('k')) + 1;
for (let b = 0; ; b++) {
  const recs = Array.from({ length: 400 }, (_, i) => ({ ts: 1_700_000_000_000 + ((off + i) * 7919) % 100_000, level: 'info', source: 'src' + ((off + i) % 3), host: 'h', message: 'kill test offset ' + (off + i) + ' ' + 'x'.repeat((off + i) % 50), attrs: JSON.stringify({ off: off + i }), stream: 'k', offset: off + i }));
  await store.insert(recs);
  off += 400;
  process.stdout.write('ack ' + (off - 1) + '\\n');
}
`,
    );
    let acked = -1;
    for (const killAt of [3, 7, 5]) {
      let steps = 0;
      const { signal } = await runChild(child, (line, kill) => {
        if (line.startsWith('ack ')) acked = Number(line.split(' ')[1]);
        else if (++steps === killAt) kill();
      });
      assert.equal(signal, 'SIGKILL');
    }
    const store = new SqliteStore(file, { compactIntervalMs: 0 });
    const rows = await store.query({ order: 'asc', limit: 1_000_000 });
    const offs = rows.map((x) => (x.attrs as { off: number }).off).sort((a, b) => a - b);
    assert.ok(offs.length >= acked + 1, `acknowledged up to offset ${acked}, stored ${offs.length} lines`);
    assert.deepEqual(offs, Array.from({ length: offs.length }, (_, i) => i), 'every line once, none missing, none twice');
    assert.equal((await store.stats()).rows, offs.length);
    const blocks = store.database.prepare('SELECT count(*) FROM blocks').pluck().get() as number;
    assert.ok(blocks > 0);
    // Every stored line is reachable by id and by word (bloom + rows).
    for (const x of rows.filter((_, i) => i % 97 === 0)) {
      assert.deepEqual(await store.get(x.id), x);
      assert.ok((await store.query({ q: `offset ${(x.attrs as { off: number }).off}`, order: 'desc', limit: 5 })).some((y) => y.id === x.id));
    }
    const again = await store.insert([rec({ message: 'resend', stream: 'k', offset: acked })]);
    assert.equal(again.duplicates, 1);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schema-1 upgrade: killed between chunks it resumes on the next open, converting every row once, with progress on stderr', async () => {
  const fixture = fileURLToPath(new URL('../../../../test/fixtures/schema1.db', import.meta.url));
  const dir = tempDir();
  try {
    // The reference: the fixture converted in one go.
    const refFile = join(dir, 'ref.db');
    writeFileSync(refFile, readFileSync(fixture));
    const ref = new SqliteStore(refFile, { compactIntervalMs: 0 });
    const want = await ref.query({ order: 'asc', limit: 10_000 });
    await ref.close();
    assert.equal(want.length, 261);

    const file = join(dir, 'old.db');
    writeFileSync(file, readFileSync(fixture));
    const storeModule = fileURLToPath(new URL('./sqlite-store.ts', import.meta.url));
    const child = join(dir, 'upgrade.mts');
    // The child reports each committed chunk and then waits for the parent (a blocking read of
    // stdin), so the kill lands exactly between two chunks of a half-done conversion.
    writeFileSync(
      child,
      `import { readSync } from 'node:fs';
import { SqliteStore } from ${JSON.stringify(storeModule)};
new SqliteStore(${JSON.stringify(file)}, { compactIntervalMs: 0, upgradeChunkRows: 20, blockRows: 8, onUpgradeProgress: (done, total) => {
  process.stdout.write('chunk ' + done + ' ' + total + '\\n');
  readSync(0, Buffer.alloc(1));
} });
process.stdout.write('done\\n');
`,
    );
    let seen = '';
    const { signal, stderr } = await runChild(
      child,
      (line, kill, resume) => {
        seen = line;
        if (line.startsWith('chunk 100 ')) kill();
        else resume();
      },
      true,
    );
    assert.equal(signal, 'SIGKILL');
    assert.equal(seen, 'chunk 100 261');
    assert.match(stderr, /Upgrading the database ".*old\.db" from schema 1 to 2: 20 of 261 rows converted/);
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION, 'a half-converted database already has the current schema version, so an older logpipe refuses it');
    assert.equal(raw.prepare('SELECT count(*) FROM logs').pluck().get(), 161);
    assert.equal(raw.prepare('SELECT sum(n) FROM blocks').pluck().get(), 100);
    raw.close();

    const chunks: string[] = [];
    const store = new SqliteStore(file, { compactIntervalMs: 0, onUpgradeProgress: (done, total) => chunks.push(`${done}/${total}`) });
    assert.deepEqual(chunks, ['261/261']);
    assert.deepEqual(await store.query({ order: 'asc', limit: 10_000 }), want);
    assert.equal(store.database.prepare("SELECT count(*) FROM sqlite_schema WHERE name IN ('logs', 'logs_fts')").pluck().get(), 0);
    assert.equal((await store.stats()).rows, 261);
    assert.deepEqual((await store.query({ q: 'lateword', order: 'desc', limit: 100 })).length, 20);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a histogram of one word over whole minutes adds the blocks' term counts (no block decompressed where the word is frequent) and equals counting rows", async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'h.db');
    const store = new SqliteStore(file, { blockRows: 200, compactIntervalMs: 0 });
    const r = mulberry32(99);
    const all: LogRecord[] = [];
    // 4,000 lines over 40 minutes, three sources, every level; "request" is in 3 of 4 lines,
    // "rare" in a few, "disk" in about 1 of 20 (near the threshold for a block's terms).
    for (let b = 0; b < 20; b++) {
      const batch = Array.from({ length: 200 }, (_, i) => {
        const k = b * 200 + i;
        const words = [r() < 0.75 ? 'request' : 'other', r() < 0.05 ? 'disk disk' : 'x', k % 997 === 0 ? 'rare' : 'y'];
        return rec({ ts: T0 + k * 600, level: pick(r, LEVELS), source: pick(r, SOURCES), message: `${words.join(' ')} n${k}` });
      });
      all.push(...(await store.insert(batch)).records);
    }
    store.compact(true);
    // A few rows stay hot, a few late ones land in an old minute.
    all.push(...(await store.insert([rec({ ts: T0 + 5 * 60_000 + 1, message: 'request late' }), rec({ ts: T0 + 41 * 60_000, message: 'request hot' })])).records);
    // Histograms as "bucket start:level" -> count, the brute force bucketed by the same layout.
    const asMap = (h: HistogramResult) => {
      const counts = new Map<string, number>();
      for (const [level, ns] of Object.entries(h.counts)) ns.forEach((n, i) => n && counts.set(`${h.from + i * h.step}:${level}`, n));
      return counts;
    };
    const expect = (h: HistogramResult, q: string, from: number, to: number, levels?: Level[], sources?: string[]) => {
      const counts = new Map<string, number>();
      for (const x of bruteForce(all, { q, from, to, levels, sources })) {
        const key = `${h.from + Math.floor((x.ts - h.from) / h.step) * h.step}:${x.level}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const check = async (q: string, from: number, to: number, buckets: number, levels?: Level[], sources?: string[]) => {
      store.dropBlockCache();
      const before = store.blocksDecoded;
      const h = await store.histogram({ q, from, to, buckets, levels, sources });
      assert.deepEqual(asMap(h), expect(h, q, from, to, levels, sources), `${q} ${from}-${to}/${buckets} ${levels} ${sources}`);
      return store.blocksDecoded - before;
    };
    const from = T0;
    const to = T0 + 42 * 60_000;
    assert.equal(await check('request', from, to, 42), 0, 'a word frequent in every block needs no block decompressed');
    await check('disk', from, to, 42);
    await check('rare', from, to, 42);
    await check('request', from, to, 42, ['error', 'warn']);
    await check('request', from, to, 42, undefined, ['api']);
    await check('request', from, to, 14);
    // Edges off the minute: partial minutes are counted from rows, whole ones from terms.
    await check('request', T0 + 90_000, T0 + 30 * 60_000 + 17_000, 7);
    await store.close();

    // A schema-2 database (no block_terms) opens as schema 3 and counts its old blocks from rows.
    const raw = new Database(file);
    raw.exec('DROP TABLE block_terms');
    raw.pragma('user_version = 2');
    raw.close();
    const again = new SqliteStore(file, { blockRows: 200, compactIntervalMs: 0 });
    assert.equal(again.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const h = await again.histogram({ q: 'request', from, to, buckets: 42 });
    assert.deepEqual(asMap(h), expect(h, 'request', from, to), 'old blocks without terms are counted from rows');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the text prefilters (hot rows in SQL, a block's decompressed text) never drop a row the exact test accepts (non-ASCII, case, escapes in attrs and messages, numbers and integers in every spelling, LIKE wildcards)", async () => {
  const dir = tempDir();
  try {
    let store = new SqliteStore(join(dir, 't.db'), { compactIntervalMs: 0 });
    const all = (
      await store.insert([
        rec({ message: 'Café au lait served' }),
        rec({ message: 'the \u212Aelvin sign' }), // K (U+212A) lower-cases to an ASCII "k"
        rec({ message: 'UPPER CASE TIMEOUT here' }),
        rec({ message: '100% done_ok', attrs: '{"pct":"100%","u":"a_b"}' }),
        rec({ message: 'escaped attrs', attrs: '{"k":"\\u0041bc","path":"\\/x"}' }),
        rec({ message: 'numbers', attrs: '{"status":5.0e2,"big":1E3,"id":"5e4867a4"}' }),
        rec({ message: 'bool', attrs: '{"ok":true}' }),
        rec({ message: 'unicode value', attrs: '{"who":"Zoë"}' }),
        rec({ message: 'C:\\new\\Tab "quoted" \ttab', attrs: '{"p":"C:\\\\new","q":"say \\"hi\\""}' }),
        // One integer in every JSON spelling, as a string, as an escaped string; and -0.
        ...['503', '5.03e2', '50300E-2', '503.0', '0.503e+3', '"503"', '"\\u0035\\u00303"', '5030', '-7', '-7.0', '-0', '0.0', '"-7"'].map((v) => rec({ message: 'integer', attrs: `{"code":${v}}` })),
      ])
    ).records;
    const cases: LogFilter[] = [
      { q: 'cafe' },
      { q: 'kelvin' },
      { q: 'timeout' },
      { q: '100%' },
      { q: 'done_ok' },
      { fields: [{ path: 'pct', op: 'eq', value: '100%' }] },
      { fields: [{ path: 'u', op: 'eq', value: 'a_b' }] },
      { fields: [{ path: 'k', op: 'eq', value: 'Abc' }] },
      { fields: [{ path: 'path', op: 'eq', value: '/x' }] },
      { fields: [{ path: 'status', op: 'eq', value: '500' }] },
      { fields: [{ path: 'big', op: 'eq', value: '1000' }] },
      { fields: [{ path: 'id', op: 'eq', value: '5e4867a4' }] },
      { fields: [{ path: 'ok', op: 'eq', value: 'true' }] },
      { fields: [{ path: 'who', op: 'eq', value: 'Zoë' }] },
      { fields: [{ path: 'who', op: 'eq', value: 'zoë' }] },
      { fields: [{ path: 'code', op: 'eq', value: '503' }] },
      { fields: [{ path: 'code', op: 'eq', value: '-7' }] },
      { fields: [{ path: 'code', op: 'eq', value: '0' }] },
      { fields: [{ path: 'code', op: 'eq', value: '5030' }] },
    ];
    cases.push({ q: 'new' }, { q: 'tab' }, { q: '~"quoted"' }, { fields: [{ path: 'p', op: 'eq', value: 'C:\\new' }] }, { fields: [{ path: 'q', op: 'eq', value: 'say "hi"' }] });
    const check = async (where: string) => {
      for (const f of cases) {
        const want = bruteForce(all, f).map((x) => x.id);
        assert.deepEqual((await store.query({ ...f, order: 'asc', limit: 100 })).map((x) => x.id), want, `${where}: ${JSON.stringify(f)}`);
        assert.ok(want.length > 0 || JSON.stringify(f).includes('zoë'), `the case selects something: ${JSON.stringify(f)}`);
      }
    };
    assert.equal(store.database.prepare('SELECT count(*) FROM hot').pluck().get(), all.length, 'every row is still hot');
    await check('hot rows');
    // One block per row, so a block's text holds one row's escapes or non-ASCII or none.
    await store.close();
    store = new SqliteStore(join(dir, 't.db'), { compactIntervalMs: 0, blockRows: 1 });
    store.compact(true);
    assert.equal(store.database.prepare('SELECT count(*) FROM hot').pluck().get(), 0, 'every row is in a block');
    await check('blocks');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
