// End-to-end with the real generator: `logpipe generate` writes (with rename rotation and
// multi-line stack traces), `logpipe collect --multiline` tails, `logpipe server` stores.
// Every generated record must be stored exactly once, each stack trace as part of its record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeTempDir, startServer } from './helpers/server.js';
import { extractRecordSeq } from '../src/generator/lines.js';
import { fetchAll, sleep, startCollector, waitForRecords, waitUntil } from './collector-helpers.js';

const FAST = ['--poll-interval', '100ms', '--rotate-wait', '1s'];

test('logpipe generate with rename rotation and stack traces → collector --multiline → server: every record once', async () => {
  const server = await startServer();
  const dir = makeTempDir('logpipe-gen-');
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  // The glob also matches the rotated names, as one would configure it for rename rotation:
  // a file rotated away before the collector saw it at app.log is still found as app.log.N.
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), '--multiline', '--multiline-timeout', '200ms', ...FAST, `${log}*`]);
  try {
    await waitUntil(() => /Shipping/.test(collector.output()), 10_000, 'the collector to start');
    const N = 30_000;
    const gen = spawn(process.execPath, [BIN, 'generate', '--out', log, '--count', String(N), '--rate', '15000', '--rotate-bytes', '1MB', '--rotate-keep', '50', '--seed', '7', '--no-progress'], { stdio: 'inherit' });
    const code = await new Promise((r) => gen.on('exit', r));
    assert.equal(code, 0);
    const all = await waitForRecords(server.url, N, 40_000);
    await sleep(500);
    const seqs = new Map<number, number>();
    for (const r of await fetchAll(server.url)) {
      const s = extractRecordSeq(r);
      assert.ok(s !== undefined, `a record without a sequence number (a stack trace split off?): ${r.message.slice(0, 200)}`);
      seqs.set(s, (seqs.get(s) ?? 0) + 1);
    }
    const missing = [];
    for (let i = 1; i <= N; i++) if (!seqs.has(i)) missing.push(i);
    assert.deepEqual({ missing: missing.slice(0, 10), twice: [...seqs].filter(([, c]) => c > 1).slice(0, 10) }, { missing: [], twice: [] });
    assert.ok(all.length >= N);
    assert.ok((await fetchAll(server.url)).some((r) => r.message.includes('\n\tat ') || r.message.includes('\n    at ')), 'some stack traces stored whole');
  } finally {
    await collector.stop();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
