// Compaction on the worker thread (compactor: 'worker', what the server uses): steps commit after
// insert() has returned, a step whose rows changed meanwhile is dropped whole, the hot table
// stays bounded when ingest outruns the worker. (SIGKILL during a step: blocks.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
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
