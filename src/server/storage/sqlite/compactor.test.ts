// Compaction on the worker thread (compactor: 'worker', opt-in for the server): steps commit after
// insert() has returned, a step whose rows changed meanwhile is dropped whole, the hot table
// stays bounded when ingest outruns the worker. And the inline compactor's blocks written from
// the batch in its own transaction: the same blocks as compacting the hot table, and a batch
// still stored when writing them fails. (SIGKILL during a step: blocks.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mulberry32 } from '../../../shared/random.js';
import type { NormalizedRecord } from '../../../shared/record.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logpipe-compactor-'));
}

function batch(from: number, n: number, t0 = T0): NormalizedRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: t0 + ((from + i) * 7919) % 100_000,
    level: 'info',
    source: 'api',
    host: 'h1',
    message: `line ${from + i} of the compactor test`,
    attrs: JSON.stringify({ n: from + i }),
    stream: null,
    offset: null,
  }));
}

function counts(store: SqliteStore): { hot: number; blocked: number } {
  return store.database.prepare('SELECT (SELECT count(*) FROM hot) AS hot, (SELECT coalesce(sum(n), 0) FROM blocks) AS blocked').get() as { hot: number; blocked: number };
}

/** The `n` attribute of every stored row, sorted: each of 0..count-1 exactly once when nothing was lost or doubled. */
async function storedNumbers(store: SqliteStore): Promise<number[]> {
  const rows = await store.query({ order: 'asc', limit: 1_000_000 });
  return rows.map((r) => (r.attrs as { n: number }).n).sort((a, b) => a - b);
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

test('worker compactor: insert() returns once its batch is committed and the blocks follow; queries read the same rows as an inline store', async () => {
  const dir = tempDir();
  try {
    const store = new SqliteStore(join(dir, 'w.db'), { blockRows: 100, compactIntervalMs: 0, compactor: 'worker' });
    const inline = new SqliteStore(join(dir, 'i.db'), { blockRows: 100, compactIntervalMs: 0 });
    await store.insert(batch(0, 450));
    await inline.insert(batch(0, 450));
    // Whole blocks are due, but encoding them has not even started on the worker yet.
    assert.deepEqual(counts(store), { hot: 450, blocked: 0 });
    assert.deepEqual(counts(inline), { hot: 50, blocked: 400 });
    await store.settled();
    assert.deepEqual(counts(store), { hot: 50, blocked: 400 });
    for (const f of [{}, { q: 'line 77' }, { from: T0 + 10_000, to: T0 + 50_000 }]) {
      assert.deepEqual(await store.query({ ...f, order: 'desc', limit: 1000 }), await inline.query({ ...f, order: 'desc', limit: 1000 }), JSON.stringify(f));
    }
    await store.close();
    await inline.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('worker compactor: a step whose rows were compacted or removed by retention meanwhile is dropped, blocks and all (every row once)', async () => {
  const dir = tempDir();
  try {
    let now = T0 + 3_600_000;
    const store = new SqliteStore(join(dir, 's.db'), { blockRows: 100, compactIntervalMs: 0, compactor: 'worker', now: () => now });
    // 1. compact() moves the rows inline while the worker encodes the same rows.
    await store.insert(batch(0, 400));
    assert.equal(store.compact(true), 400);
    await store.settled();
    assert.deepEqual(counts(store), { hot: 0, blocked: 400 });
    assert.deepEqual(await storedNumbers(store), upTo(400));
    // 2. Retention removes hot rows while the worker encodes them: 200 old rows and 200 new
    // ones; the step holds the oldest 400 by time, so it holds the 200 that retention takes.
    await store.insert([...batch(400, 200), ...batch(600, 200, T0 + 3 * 3_600_000)]);
    now = T0 + 3 * 3_600_000;
    let removed = 0;
    for (let n = -1; n !== 0; ) removed += n = await store.enforceRetention({ maxAgeMs: 3_600_000 }, 100_000);
    assert.equal(removed, 600, 'the 400 compacted rows and the 200 old hot ones');
    await store.settled();
    // The counts were read again, so the 200 new rows (two whole blocks) went in a later step.
    assert.deepEqual(counts(store), { hot: 0, blocked: 200 });
    assert.deepEqual(await storedNumbers(store), upTo(800).slice(600));
    await store.insert(batch(800, 200, T0 + 3 * 3_600_000));
    await store.settled();
    assert.deepEqual(counts(store), { hot: 0, blocked: 400 });
    assert.deepEqual(await storedNumbers(store), upTo(1000).slice(600));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('worker compactor: when inserts outrun the worker, insert() waits for its steps and the hot table stays bounded', async () => {
  const dir = tempDir();
  try {
    // Each batch is 20 blocks' worth and a step moves at most 8: without waiting, the hot
    // table would grow by 12 blocks' worth per batch.
    const store = new SqliteStore(join(dir, 'b.db'), { blockRows: 10, compactIntervalMs: 0, compactor: 'worker' });
    let most = 0;
    for (let b = 0; b < 40; b++) {
      await store.insert(batch(b * 200, 200));
      most = Math.max(most, counts(store).hot);
    }
    // HOT_BACKLOG_BLOCKS (16) blocks of 10 rows, or less.
    assert.ok(most <= 160, `the hot table held ${most} rows after an insert`);
    await store.settled();
    assert.deepEqual(await storedNumbers(store), upTo(8000));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every block as stored (summaries, Bloom filter, payload, terms), by source and then in the order written. */
function blockDump(store: SqliteStore): unknown[] {
  return store.database
    .prepare('SELECT b.source, b.ts_min, b.ts_max, b.id_min, b.id_max, b.n, b.levels, b.raw_bytes, b.host, b.nums, hex(b.bloom) AS bloom, hex(b.payload) AS payload, hex(t.terms) AS terms FROM blocks b LEFT JOIN block_terms t ON t.block = b.id ORDER BY b.source, b.id')
    .all();
}

test('inline compactor: blocks written from the batch are exactly the blocks compaction of the hot table writes (random batch sizes, sources, late lines)', async () => {
  const dir = tempDir();
  const stderr = process.stderr.write;
  try {
    const r = mulberry32(99);
    // The worker compactor still takes every row through `hot` and cuts blocks from there,
    // oldest (ts, id) first: the reference for what the inline store writes from each batch.
    const direct = new SqliteStore(join(dir, 'd.db'), { blockRows: 25, compactIntervalMs: 0 });
    // A failed block write falls back to hot rows and compaction, which would hide a wrong
    // write here: nothing may fail.
    let said = '';
    process.stderr.write = ((chunk: string) => {
      said += chunk;
      return true;
    }) as typeof process.stderr.write;
    const viaHot = new SqliteStore(join(dir, 'h.db'), { blockRows: 25, compactIntervalMs: 0, compactor: 'worker' });
    let n = 0;
    let t = T0;
    for (let b = 0; b < 60; b++) {
      const size = 1 + Math.floor(r() * 70);
      const recs: NormalizedRecord[] = [];
      for (let i = 0; i < size; i++, n++) {
        t += Math.floor(r() * 3000);
        // A fifth of the lines are late, by up to ten minutes.
        const ts = r() < 0.2 ? t - Math.floor(r() * 600_000) : t;
        recs.push({ ts, level: r() < 0.8 ? 'info' : 'error', source: `s${Math.floor(r() * 3)}`, host: `h${Math.floor(r() * 2)}`, message: `request ${n} took ${Math.floor(r() * 900)} ms for user${Math.floor(r() * 5)}`, attrs: r() < 0.5 ? JSON.stringify({ n, user: `u${Math.floor(r() * 5)}` }) : null, stream: null, offset: null });
      }
      await direct.insert(recs);
      assert.equal(said, '', `batch ${b}`);
      await viaHot.insert(recs);
      await viaHot.settled();
      assert.deepEqual(counts(direct), counts(viaHot), `after batch ${b}`);
    }
    const dump = blockDump(direct);
    assert.ok(dump.length >= 60, `${dump.length} blocks`);
    assert.deepEqual(dump, blockDump(viaHot));
    for (const f of [{}, { q: 'user3' }, { sources: ['s1'], from: T0 + 100_000 }]) {
      assert.deepEqual(await direct.query({ ...f, order: 'asc', limit: 5000 }), await viaHot.query({ ...f, order: 'asc', limit: 5000 }), JSON.stringify(f));
    }
    await direct.close();
    await viaHot.close();
  } finally {
    process.stderr.write = stderr;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inline compactor: when writing blocks from a batch fails, the batch is still stored (in hot) and compaction catches up later', async () => {
  const dir = tempDir();
  const stderr = process.stderr.write;
  let said = '';
  try {
    let fail = true;
    const store = new SqliteStore(join(dir, 'f.db'), {
      blockRows: 100,
      compactIntervalMs: 0,
      onCompactionStep: () => {
        if (fail) throw new Error('no room for blocks');
      },
    });
    process.stderr.write = ((chunk: string) => {
      said += chunk;
      return true;
    }) as typeof process.stderr.write;
    const res = await store.insert(batch(0, 250));
    process.stderr.write = stderr;
    assert.equal(res.accepted, 250);
    assert.deepEqual(counts(store), { hot: 250, blocked: 0 });
    assert.match(said, /Compacting the database ".*f\.db" failed \(no room for blocks\)/);
    assert.deepEqual(await storedNumbers(store), upTo(250));
    // The next batch writes the whole blocks, hot rows first by time.
    fail = false;
    await store.insert(batch(250, 100));
    assert.deepEqual(counts(store), { hot: 50, blocked: 300 });
    assert.deepEqual(await storedNumbers(store), upTo(350));
    await store.close();
  } finally {
    process.stderr.write = stderr;
    rmSync(dir, { recursive: true, force: true });
  }
});
