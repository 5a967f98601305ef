// End-to-end: the server is killed with SIGKILL and restarted, or away for a while, while the
// collector keeps tailing a file that keeps growing. Every line must arrive exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, startServer, type ServerHandle } from './helpers/server.js';
import { assertSequence, fetchAll, waitForRecords, sleep, startCollector, waitUntil, writeSteadily } from './collector-helpers.js';

const FAST = ['--poll-interval', '100ms'];

test('server SIGKILLed and restarted while lines are written: every line once', async () => {
  let server: ServerHandle = await startServer();
  const { port, dataDir } = server;
  const dir = makeTempDir('logpipe-skill-');
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  // A short backoff base keeps the test quick; the retry logic is the same.
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), ...FAST, log], { LOGPIPE_RETRY_BASE: '100ms' });
  try {
    const N = 20_000;
    const writing = writeSteadily(log, 1, N, 300, 20);
    for (let i = 0; i < 2; i++) {
      await sleep(300 + Math.floor(Math.random() * 400));
      await server.stop('SIGKILL');
      await sleep(300);
      server = await startServer({ port, dataDir });
    }
    await writing;
    await waitForRecords(server.url, N, 30_000);
    await sleep(500);
    const all = await fetchAll(server.url);
    assertSequence(all.map((r) => r.message), N, 'after server SIGKILLs');
    assert.match(collector.output(), /retrying/);
  } finally {
    await collector.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('server down for 6 s: lines pile up in the file and all arrive once it is back', async () => {
  let server: ServerHandle = await startServer();
  const { port, dataDir } = server;
  const dir = makeTempDir('logpipe-down-');
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), ...FAST, log], { LOGPIPE_RETRY_BASE: '200ms' });
  try {
    await writeSteadily(log, 1, 2000, 200, 20);
    await waitForRecords(server.url, 2000, 10_000);
    await server.stop('SIGTERM');
    const downAt = Date.now();
    await writeSteadily(log, 2001, 20_000, 600, 20); // written while nobody listens
    await sleep(Math.max(0, 6000 - (Date.now() - downAt)));
    server = await startServer({ port, dataDir });
    await waitForRecords(server.url, 20_000, 30_000);
    await sleep(300);
    assertSequence((await fetchAll(server.url)).map((r) => r.message), 20_000, 'after 6 s down');
  } finally {
    await collector.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong token is retried, not dead-lettered: once the server accepts it, every line arrives', async () => {
  let server: ServerHandle = await startServer({ args: ['--ingest-token', 'right-token-1'] });
  const { port, dataDir } = server;
  const dir = makeTempDir('logpipe-token-');
  const log = join(dir, 'app.log');
  writeFileSync(log, Array.from({ length: 50 }, (_, i) => `line seq=${i + 1}\n`).join(''));
  const collector = startCollector(['--url', server.url, '--token', 'wrong-token-1', '--state', join(dir, 'state.json'), ...FAST, log], { LOGPIPE_RETRY_BASE: '100ms' });
  try {
    await waitUntil(() => /answered 401/.test(collector.output()), 60_000, 'the collector to report the 401');
    assert.equal(existsSync(join(dir, 'state.dead-letter.ndjson')), false, 'nothing is dead-lettered for a 401');
    await server.stop();
    // The operator rotates the server's tokens to accept the collector's.
    server = await startServer({ port, dataDir, args: ['--ingest-token', 'right-token-1,wrong-token-1'] });
    await waitForRecords(server.url, 50, 20_000);
  } finally {
    await collector.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
