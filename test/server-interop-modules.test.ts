// The OTLP and Loki doors are part of the server: when a package they need is missing, the
// server refuses to start with a sentence naming it (issue 10, item 6), instead of starting
// without them and answering protobuf clients with 404/415 for ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, makeTempDir } from './helpers/server.js';

const HOOK = join(ROOT, 'test', 'helpers', 'hide-modules.mjs');

/** Runs `logpipe server` with some packages hidden; resolves when it exits or once it listens (then stops it). */
function startWithout(hidden: string[]): Promise<{ code: number | string; output: string; listened: boolean }> {
  const dataDir = makeTempDir();
  const proc = spawn(process.execPath, ['--import', HOOK, BIN, 'server', '--host', '127.0.0.1', '--port', '0', '--data', dataDir], {
    env: { ...process.env, LOGPIPE_TEST_HIDE_MODULES: hidden.join(','), LOGPIPE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listened = false;
  const collect = (d: Buffer) => {
    output += d;
    if (!listened && /listening on http/.test(output)) {
      listened = true;
      proc.kill('SIGTERM');
    }
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return new Promise((resolve) => {
    proc.on('exit', (code, sig) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code: code ?? sig ?? -1, output, listened });
    });
  });
}

test('with every package present the server starts (the hook itself changes nothing)', async () => {
  const r = await startWithout([]);
  assert.ok(r.listened, r.output);
});

for (const [pkg, door] of [['protobufjs', /OTLP\/HTTP door/], ['snappyjs', /Loki push door/]] as const) {
  test(`a missing ${pkg} stops the start with LP_ERR_MISSING_MODULE naming it`, async () => {
    const r = await startWithout([pkg]);
    assert.equal(r.listened, false, `the server must not start without ${pkg}:\n${r.output}`);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /logpipe server: \[LP_ERR_MISSING_MODULE\]/);
    assert.match(r.output, door);
    assert.match(r.output, new RegExp(`Cannot find package '${pkg}'`));
    assert.match(r.output, /npm ci/);
  });
}

// Not doors but the store and its codec: native packages, the likeliest to be missing on a new
// machine (a failed build). The command says which and what to do, not a loader stack.
for (const pkg of ['zstd-napi', 'better-sqlite3']) {
  test(`a missing ${pkg} stops the start with LP_ERR_MISSING_MODULE naming it, without a stack`, async () => {
    const r = await startWithout([pkg]);
    assert.equal(r.listened, false, r.output);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /logpipe server: \[LP_ERR_MISSING_MODULE\] The command cannot be loaded/);
    assert.match(r.output, new RegExp(`Cannot find package '${pkg}'`));
    assert.match(r.output, /npm ci/);
    assert.doesNotMatch(r.output, /triggerUncaughtException|\n\s+at /);
  });
}
