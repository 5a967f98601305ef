// The disk-full path end to end: bin/logpipe collect ships a file into a server whose store
// fills up (--sqlite-max-page-count), gets 503 LP_ERR_STORE_FULL with Retry-After, and keeps
// retrying; the server is restarted with room to spare and every line arrives exactly once.
// About 10 s: the collector honours the store's Retry-After of 5 s, as it must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeTempDir, startServer } from './helpers/server.js';
import { http } from './helpers/http.js';
import { storedRecords } from './helpers/stored.js';
import { assertSequence, fetchAll, seqLine, startCollector, waitForRecords, waitUntil } from './collector-helpers.js';

test('store full → 503 and collector retries; after a restart with space every line is stored exactly once', async () => {
  const dataDir = makeTempDir();
  const dir = makeTempDir('logpipe-full-');
  const log = join(dir, 'app.log');
  const N = 15_000;
  let text = '';
  for (let i = 1; i <= N; i++) text += seqLine(i) + '\n';
  writeFileSync(log, text);

  // 50 pages: the empty schema takes about 17 and lines are kept compressed (about a tenth of
  // their text), so a few thousand of the 15,000 lines fit before the store is full.
  let server = await startServer({ dataDir, args: ['--sqlite-max-page-count', '50'] });
  const port = server.port;
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), '--batch-lines', '500', '--poll-interval', '100ms', log], { LOGPIPE_RETRY_BASE: '100ms' });
  try {
    // Wait for the store to refuse a batch.
    await waitUntil(async () => {
      const m = await http(`${server.url}/metrics`);
      return /^logpipe_http_errors_total\{status="503"\} [1-9]/m.test(m.text);
    }, 20_000, 'the store to fill up and answer 503');
    const before = await fetchAll(server.url);
    assert.ok(before.length > 0 && before.length < N, `part of the file fit before the store filled (${before.length})`);
    assert.match(server.output(), /answered 503: The store is full/);
    await waitUntil(() => /retrying in \d+ ms/.test(collector.output()), 10_000, 'the collector to report its retry');

    // Space returns: restart on the same data directory and port with a larger limit.
    assert.equal(await server.stop(), 0);
    server = await startServer({ dataDir, port, args: ['--sqlite-max-page-count', '1000000'] });
    const all = await waitForRecords(server.url, N, 50_000);
    assertSequence(all.map((r) => r.message), N, 'after the store filled and space returned');
    // What was acknowledged before the restart is still there, unchanged: the first ids stored
    // (the API pages by event time, so compare in arrival order).
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    assert.deepEqual([...all].sort(byId).slice(0, before.length).map((r) => r.message), [...before].sort(byId).map((r) => r.message));
  } finally {
    await collector.stop();
    await server.stop();
  }
  const db = new Database(join(dataDir, 'logpipe.db'), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
  assert.equal((await storedRecords(join(dataDir, 'logpipe.db'))).length, N);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});
