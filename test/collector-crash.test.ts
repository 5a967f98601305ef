// End-to-end: the collector is killed with SIGKILL at random moments and restarted while lines
// keep being written. Whatever the moment, the server must end up with every line exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, startServer } from './helpers/server.js';
import { assertSequence, fetchAll, waitForRecords, sleep, startCollector, writeSteadily, type CollectorHandle } from './collector-helpers.js';

const FAST = ['--poll-interval', '100ms'];

test('collector SIGKILLed at random moments and restarted, several times: every line once', async () => {
  const server = await startServer();
  const dir = makeTempDir('logpipe-kill-');
  const log = join(dir, 'app.log');
  const state = join(dir, 'state.json');
  writeFileSync(log, '');
  const args = ['--url', server.url, '--state', state, ...FAST, log];
  let collector: CollectorHandle = startCollector(args);
  try {
    const N = 40_000;
    const writing = writeSteadily(log, 1, N, 400, 20); // ~2 s of writing… stretched by the kills
    let kills = 0;
    const killing = (async () => {
      // Random moments: during start-up, mid-batch, mid-checkpoint; restart at once.
      for (let i = 0; i < 6; i++) {
        await sleep(100 + Math.floor(Math.random() * 500));
        await collector.stop('SIGKILL');
        kills++;
        collector = startCollector(args);
      }
    })();
    await Promise.all([writing, killing]);
    assert.equal(kills, 6);
    await waitForRecords(server.url, N, 30_000);
    await sleep(500);
    const all = await fetchAll(server.url);
    assertSequence(all.map((r) => r.message), N, `after ${kills} SIGKILLs`);
    assert.equal(all.length, N);
  } finally {
    await collector.stop();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
