// End-to-end: bin/logpipe collect into a real bin/logpipe server, with real files changing
// under it. Completeness is checked through the query API: every sequence number once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, copyFileSync, openSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, startServer } from './helpers/server.js';
import { assertSequence, fetchAll, waitForRecords, seqLine, sleep, startCollector, waitUntil } from './collector-helpers.js';

const FAST = ['--poll-interval', '100ms', '--rotate-wait', '1s'];

test('rename+create rotation during heavy writing: every line once, old files drained', async () => {
  const server = await startServer();
  const dir = makeTempDir('logpipe-rot-');
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), ...FAST, log]);
  try {
    await waitUntil(() => /Shipping/.test(collector.output()), 10_000, 'the collector to start');
    const N = 60_000;
    let fd = openSync(log, 'a');
    let rotations = 0;
    let nextRotation = 10_000;
    for (let seq = 1; seq <= N; ) {
      let chunk = '';
      for (let i = 0; i < 500 && seq <= N; i++, seq++) chunk += seqLine(seq) + '\n';
      writeSync(fd, chunk);
      if (seq > nextRotation && seq <= N) {
        nextRotation += 10_000;
        // Rotate like logrotate (rename, then the app reopens): a few more lines still go to
        // the old file through the old descriptor before the app switches.
        renameSync(log, `${log}.${++rotations}`);
        let late = '';
        for (let i = 0; i < 200 && seq <= N; i++, seq++) late += seqLine(seq) + '\n';
        writeSync(fd, late);
        closeSync(fd);
        fd = openSync(log, 'a');
      }
      // About 25,000 lines/s: heavy, yet each new file lives long enough (~0.4 s) for the
      // collector to open it at its path even on a loaded machine. (A file renamed away before
      // the collector ever saw it is unknown to it; a glob like "app.log*" would cover that.)
      await sleep(20);
    }
    closeSync(fd);
    assert.ok(rotations >= 4);
    await waitForRecords(server.url, N, 40_000);
    await sleep(300);
    const all = await fetchAll(server.url);
    assertSequence(all.map((r) => r.message), N, 'after rename rotations');
    assert.ok(all.every((r) => r.source === 'app.log'));
  } finally {
    await collector.stop();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('copytruncate: lines after each truncation arrive as a new generation, none taken for re-sends', async () => {
  const server = await startServer();
  const dir = makeTempDir('logpipe-ct-');
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), ...FAST, log]);
  const write = (from: number, to: number) => {
    let s = '';
    for (let i = from; i <= to; i++) s += seqLine(i) + '\n';
    appendFileSync(log, s);
  };
  const stored = (n: number) => waitForRecords(server.url, n, 20_000);
  try {
    write(1, 5000);
    await stored(5000);
    // copytruncate as logrotate does it: copy, then truncate in place; the writer goes on.
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    await sleep(300);
    write(5001, 7000); // shorter than before: size < offset tells the truncation
    await stored(7000);
    copyFileSync(log, `${log}.2`);
    truncateSync(log, 0);
    write(7001, 12_000); // at once and longer than before: only the first line tells
    await stored(12_000);
    await sleep(300);
    assertSequence((await fetchAll(server.url)).map((r) => r.message), 12_000, 'after copytruncate');
    assert.match(collector.output(), /was truncated/);
  } finally {
    await collector.stop();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a glob picks up a file created later; a stack trace is one record; a 1 MiB line is cut with a marker', async () => {
  const server = await startServer();
  const dir = makeTempDir('logpipe-glob-');
  writeFileSync(join(dir, 'first.log'), seqLine(1) + '\n');
  const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), '--multiline', ...FAST, join(dir, '*.log')]);
  try {
    await waitForRecords(server.url, 1, 10_000);
    const trace = [
      '2026-11-28 03:29:10.000 - [ERROR]: seq=2 payment failed',
      'java.lang.IllegalStateException: card declined',
      '\tat com.shop.Payment.charge(Payment.java:42)',
      '\tat com.shop.Checkout.run(Checkout.java:7)',
      'Caused by: java.io.IOException: gateway timeout',
      '\t... 12 more',
    ];
    const huge = '2026-11-28 03:29:11.000 - [INFO]: seq=3 ' + 'z'.repeat(1024 * 1024);
    // A new file matching the glob, written after the collector started.
    writeFileSync(join(dir, 'later.log'), [...trace, huge, seqLine(4), ''].join('\n'));
    await waitForRecords(server.url, 4, 15_000);
    const all = await fetchAll(server.url);
    assertSequence(all.map((r) => r.message), 4);
    const stack = all.find((r) => r.message.includes('seq=2'))!;
    assert.equal(stack.source, 'later.log');
    assert.equal(stack.message, trace.join('\n'), 'the stack trace is one record');
    assert.equal(stack.level, 'error');
    const cut = all.find((r) => r.message.includes('seq=3'))!;
    assert.match(cut.message, /… \[truncated \d+ bytes\]$/);
    const kept = Buffer.byteLength(cut.message.replace(/… \[truncated \d+ bytes\]$/, ''));
    const dropped = Number(/truncated (\d+) bytes/.exec(cut.message)![1]);
    assert.equal(kept + dropped, Buffer.byteLength(huge), 'kept + dropped bytes = the line');
    assert.ok(Buffer.byteLength(cut.message) <= 256 * 1024, 'line and marker fit the limit');
  } finally {
    await collector.stop();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--multiline-start: lines not matching the start pattern continue the record', async () => {
  const server = await startServer();
  const dir = makeTempDir('logpipe-mls-');
  const log = join(dir, 'py.log');
  const lines = [
    '2026-11-28 03:29:10,000 ERROR seq=1 handler crashed',
    'Traceback (most recent call last):',
    '  File "app.py", line 3, in <module>',
    'ZeroDivisionError: division by zero',
    '2026-11-28 03:29:10,100 INFO seq=2 recovered',
  ];
  writeFileSync(log, lines.join('\n') + '\n');
  const collector = startCollector([
    '--url', server.url, '--state', join(dir, 'state.json'), '--multiline-start', '^\\d{4}-\\d\\d-\\d\\d ', '--multiline-timeout', '200ms', ...FAST, log,
  ]);
  try {
    await waitForRecords(server.url, 2, 10_000);
    const all = await fetchAll(server.url);
    assert.deepEqual(all.map((r) => r.message), [lines.slice(0, 4).join('\n'), lines[4]]);
    // The last record left the joiner on its timeout, not during a read: it is counted too.
    await collector.stop();
    assert.match(collector.output(), /Done: 2 lines read, 2 shipped/);
  } finally {
    await collector.stop();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
