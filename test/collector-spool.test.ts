// The spool on a disk that refuses writes: the collector says so loudly, keeps what it read
// waiting (it never claims it in the checkpoint), and once writes succeed again every line
// arrives exactly once — without a restart. The refusal is real: the collector runs under a
// file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail with EFBIG, as they
// would with ENOSPC), which `prlimit` then lifts from outside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeTempDir } from './helpers/server.js';
import { assertSequence, seqLine, waitUntil } from './collector-helpers.js';
import { startSink } from './collector-sink.js';

const LINES = 30_000;

test('a spool that cannot be written pauses reading loudly; once it can, every line arrives once without a restart', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-spoolfull-');
  const log = join(dir, 'app.log');
  let text = '';
  for (let i = 1; i <= LINES; i++) text += seqLine(i) + ' ' + 'x'.repeat(40) + '\n';
  writeFileSync(log, text);
  const args = [BIN, 'collect', '--url', sink.url, '--state', join(dir, 'state.json'), '--progress-interval', '0', '--batch-lines', '500', log].map((a) => `'${a}'`).join(' ');
  // 128 KiB per file: the state file fits, the spool segment soon does not.
  const proc = spawn('bash', ['-c', `trap '' XFSZ; ulimit -S -f 128; exec '${process.execPath}' ${args}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((r) => proc.on('exit', (code, sig) => r(code ?? sig ?? -1)));
  try {
    await waitUntil(() => /"level":50,[^\n]*"msg":"Cannot write to the spool .*EFBIG/.test(out), 60_000, `the collector to say the spool cannot be written (output: ${out.slice(-500)})`);
    assert.ok(sink.records.length < LINES, 'not everything got through before the spool failed');
    assert.equal(proc.exitCode, null, 'the collector keeps running');
    const lifted = spawnSync('prlimit', ['--pid', String(proc.pid), '--fsize=unlimited:unlimited']);
    assert.equal(lifted.status, 0, `prlimit failed: ${lifted.stderr}`);
    await sink.waitFor(LINES, 60_000);
    await waitUntil(() => /can be written again; reading goes on/.test(out), 10_000, 'the collector to say the spool works again');
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assertSequence(sink.records.map((r) => r.message), LINES, 'after the spool could be written again');
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
