// Store faults with a real server: a full store (simulated with --sqlite-max-page-count), the
// database locked by another process, and the data directory removed while running. Each
// gets a clear 503 (or a clear start-up error), nothing acknowledged is lost, and the
// database passes PRAGMA integrity_check afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, ROOT, makeTempDir, startServer } from './helpers/server.js';
import { http, postJson } from './helpers/http.js';
import { storedRecords } from './helpers/stored.js';
import { mulberry32 } from '../src/shared/random.js';

// Payload that does not compress (seeded, so runs repeat): the store keeps text in compressed
// blocks, and repeated filler would fill a 300-page database only after millions of lines.
const noiseRng = mulberry32(7);
function noise(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(noiseRng() * 0x100000000).toString(36);
  return s.slice(0, n);
}

function batch(tag: string, n: number, pad = 15): { message: string; source: string }[] {
  return Array.from({ length: n }, (_, i) => ({ message: `2026-11-28 04:00:00.000 - [INFO]: ${tag}-${i} ${noise(pad * 8)}`, source: 'faults' }));
}

/** Opens the database read-only after the server stopped: integrity and the stored messages. */
async function inspect(dataDir: string): Promise<{ integrity: string; messages: string[] }> {
  const db = new Database(join(dataDir, 'logpipe.db'));
  let integrity: string;
  try {
    integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
  const messages = (await storedRecords(join(dataDir, 'logpipe.db'))).map((r) => r.message);
  return { integrity, messages };
}

test('a full store answers 503 LP_ERR_STORE_FULL with Retry-After, stores nothing of that batch, and loses nothing once space returns', async () => {
  const dataDir = makeTempDir();
  let srv = await startServer({ dataDir, args: ['--sqlite-max-page-count', '300'] });
  const acknowledged: string[] = [];
  let refused: { message: string }[] | undefined;
  try {
    for (let b = 0; b < 200 && !refused; b++) {
      const records = batch(`b${b}`, 100);
      const res = await postJson(`${srv.url}/api/v1/logs`, records);
      if (res.status === 200) {
        acknowledged.push(...records.map((r) => r.message));
        continue;
      }
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.error, 'LP_ERR_STORE_FULL');
      assert.match(res.json.message, /full/);
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After tells shippers when to come back');
      refused = records;
    }
    assert.ok(refused, 'the store filled up');
    assert.ok(acknowledged.length >= 500, `some batches fit first (${acknowledged.length})`);
    // Reads keep working while the store is full.
    const q = await http(`${srv.url}/api/v1/logs?limit=1`);
    assert.equal(q.status, 200);
    assert.equal((await http(`${srv.url}/healthz`)).status, 200);
    // Still full: the same answer, not a crash.
    assert.equal((await postJson(`${srv.url}/api/v1/logs`, refused)).status, 503);
  } finally {
    await srv.stop();
  }
  let { integrity, messages } = await inspect(dataDir);
  assert.equal(integrity, 'ok');
  assert.deepEqual(messages, acknowledged, 'exactly the acknowledged batches are stored, the refused ones not at all');

  // Space returns: restart with a larger limit, and the refused batch goes in.
  srv = await startServer({ dataDir, args: ['--sqlite-max-page-count', '100000'] });
  try {
    const res = await postJson(`${srv.url}/api/v1/logs`, refused!);
    assert.equal(res.status, 200, res.text);
  } finally {
    await srv.stop();
  }
  ({ integrity, messages } = await inspect(dataDir));
  assert.equal(integrity, 'ok');
  assert.deepEqual(messages, [...acknowledged, ...refused!.map((r) => r.message)]);
  rmSync(dataDir, { recursive: true, force: true });
});

test('--sqlite-max-page-count is validated', () => {
  const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', makeTempDir(), '--sqlite-max-page-count', '0'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sqlite-max-page-count must be at least 1/);
});

/** A child process that opens the database, takes a lock and holds it for `ms`; resolves once it holds it. */
async function holdLock(file: string, ms: number, mode: 'write' | 'exclusive'): Promise<{ done: Promise<void>; release(): Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    ${mode === 'exclusive' ? "db.pragma('locking_mode = EXCLUSIVE');" : ''}
    db.exec('BEGIN EXCLUSIVE');
    db.prepare("INSERT INTO meta (key, value) VALUES ('lock-test', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1").run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, ${ms});
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}: ${err}`)));
  });
  return {
    done,
    // Ending the holder mid-transaction is what a crashed backup tool does: SQLite rolls it back.
    release: () => {
      child.kill('SIGKILL');
      return done;
    },
  };
}

test('database locked by another process: writes answer 503 with a clear message, reads go on, writes resume after; no corruption', async () => {
  const dataDir = makeTempDir();
  const srv = await startServer({ dataDir });
  const acknowledged: string[] = [];
  try {
    const first = batch('before-lock', 10, 1);
    assert.equal((await postJson(`${srv.url}/api/v1/logs`, first)).status, 200);
    acknowledged.push(...first.map((r) => r.message));
    const lock = await holdLock(join(dataDir, 'logpipe.db'), 8000, 'write');
    const started = Date.now();
    const res = await postJson(`${srv.url}/api/v1/logs`, batch('during-lock', 10, 1));
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.error, 'LP_ERR_STORE_UNAVAILABLE');
    assert.match(res.json.message, /locked|busy/i);
    assert.match(res.json.message, /nothing from this batch was stored/);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.ok(Date.now() - started < 7500, 'the server waits a bounded time for the lock, then answers');
    // WAL: readers are not blocked by another process's write lock.
    const q = await http(`${srv.url}/api/v1/logs?source=faults&limit=100`);
    assert.equal(q.status, 200);
    assert.equal(q.json.logs.length, 10);
    await lock.done;
    const after = batch('after-lock', 10, 1);
    const ok = await postJson(`${srv.url}/api/v1/logs`, after);
    assert.equal(ok.status, 200, ok.text);
    acknowledged.push(...after.map((r) => r.message));
  } finally {
    await srv.stop();
  }
  const { integrity, messages } = await inspect(dataDir);
  assert.equal(integrity, 'ok');
  assert.deepEqual(messages, acknowledged);
  rmSync(dataDir, { recursive: true, force: true });
});

test('database locked exclusively by another process at start-up: a clear start-up error naming the file', async () => {
  const dataDir = makeTempDir();
  const srv = await startServer({ dataDir });
  await srv.stop();
  const file = join(dataDir, 'logpipe.db');
  const lock = await holdLock(file, 60_000, 'exclusive');
  const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', dataDir], { encoding: 'utf8', timeout: 30_000 });
  await lock.release();
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(file), `names the file: ${r.stderr}`);
  assert.match(r.stderr, /locked|busy/i);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'a sentence, not a stack trace');
  const { integrity } = await inspect(dataDir);
  assert.equal(integrity, 'ok');
  rmSync(dataDir, { recursive: true, force: true });
});

test('data directory removed while running: writes answer 503 saying so instead of acknowledging into a deleted file', async () => {
  const dataDir = makeTempDir();
  const srv = await startServer({ dataDir });
  try {
    assert.equal((await postJson(`${srv.url}/api/v1/logs`, batch('before-rm', 5, 1))).status, 200);
    rmSync(dataDir, { recursive: true, force: true });
    assert.ok(!existsSync(dataDir));
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${srv.url}/api/v1/logs`, batch(`after-rm-${i}`, 5, 1));
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.error, 'LP_ERR_STORE_UNAVAILABLE');
      assert.match(res.json.message, /was removed while the server was running/);
      assert.match(res.json.message, /Restart the server/);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
    // Every door is guarded, not only the native one.
    const seed = await postJson(`${srv.url}/logs`, [{ message: 'seed after rm' }]);
    assert.equal(seed.status, 503);
    // The server itself stays up and answers reads without a 500, and /healthz reports the
    // problem so a load balancer takes it out of rotation (and a supervisor restarts it).
    const q = await http(`${srv.url}/api/v1/logs?limit=5`);
    assert.ok(q.status < 500 || q.status === 503, `query: ${q.status}`);
    const health = await http(`${srv.url}/healthz`);
    assert.equal(health.status, 503);
    assert.equal(health.json.error, 'LP_ERR_STORE_UNAVAILABLE');
    assert.match(health.json.message, /was removed while the server was running; restart the server/);
  } finally {
    assert.equal(await srv.stop(), 0, 'shuts down cleanly');
  }
  // Restarting creates a fresh, healthy database in the recreated directory.
  const again = await startServer({ dataDir });
  try {
    assert.equal((await postJson(`${again.url}/api/v1/logs`, batch('fresh', 3, 1))).status, 200);
  } finally {
    await again.stop();
  }
  const { integrity, messages } = await inspect(dataDir);
  assert.equal(integrity, 'ok');
  assert.equal(messages.length, 3);
  rmSync(dataDir, { recursive: true, force: true });
});

for (const how of ['removed', 'replaced'] as const) {
  test(`WAL ${how} while running: writes answer 503 before anything more is acknowledged, and what was acknowledged survives SIGKILL`, async () => {
    const dataDir = makeTempDir();
    const wal = join(dataDir, 'logpipe.db-wal');
    const srv = await startServer({ dataDir });
    const acknowledged: string[] = [];
    const answers: string[] = [];
    try {
      for (let b = 0; b < 3; b++) {
        const records = batch(`before-${b}`, 40, 1);
        const res = await postJson(`${srv.url}/api/v1/logs`, records);
        assert.equal(res.status, 200, res.text);
        acknowledged.push(...records.map((r) => r.message));
      }
      assert.ok(existsSync(wal), 'the server runs in WAL mode');
      rmSync(wal);
      if (how === 'replaced') writeFileSync(wal, ''); // another inode at the same path
      for (let i = 0; i < 3; i++) {
        const records = batch(`after-${i}`, 5, 1);
        const res = await postJson(`${srv.url}/api/v1/logs`, records);
        if (res.status === 200) acknowledged.push(...records.map((r) => r.message));
        answers.push(`${res.status} ${res.json?.error}`);
        assert.equal(res.status, 503, res.text);
        assert.equal(res.json.error, 'LP_ERR_STORE_UNAVAILABLE');
        assert.match(res.json.message, new RegExp(`write-ahead log ".*logpipe\\.db-wal" was ${how}`));
        assert.match(res.json.message, /Restart the server/);
      }
      const health = await http(`${srv.url}/healthz`);
      assert.equal(health.status, 503);
      assert.match(health.json.message, /write-ahead log/);
    } finally {
      // A crash, not a clean close: SQLite's close would checkpoint and hide the loss.
      await srv.stop('SIGKILL');
    }
    const again = await startServer({ dataDir });
    try {
      const stored = (await http(`${again.url}/api/v1/logs?limit=5000&order=asc`)).json.logs.map((r: { message: string }) => r.message);
      assert.deepEqual(stored, acknowledged, `every acknowledged record is there after SIGKILL and restart (answers after the ${how} WAL: ${answers.join(', ')})`);
      assert.equal((await postJson(`${again.url}/api/v1/logs`, batch('restarted', 3, 1))).status, 200, 'a restart opens a fresh WAL');
    } finally {
      await again.stop();
    }
    assert.equal((await inspect(dataDir)).integrity, 'ok');
    rmSync(dataDir, { recursive: true, force: true });
  });
}
