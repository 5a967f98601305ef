// --linger: a line after a quiet interval is sent at once; lines that follow it within the
// linger go together in one request when it ends (a trickle costs a request per linger, not per
// line), and a file that lingers does not hold back the other files of its directory.
// Real collector process, real files, the in-test HTTP sink (it counts requests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './helpers/server.js';
import { sleep, startCollector } from './collector-helpers.js';
import { startSink } from './collector-sink.js';

// The poll is pushed out of the way: only fs events and the linger may wake a reader here.
const SLOW_POLL = ['--poll-interval', '60s'];

test('a quiet line goes at once; lines within --linger of it go together in one request', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-linger-');
  const log = join(dir, 'app.log');
  writeFileSync(log, 'first line\n');
  const collector = startCollector(['--url', sink.url, '--state', join(dir, 'state.json'), '--linger', '2s', ...SLOW_POLL, log]);
  try {
    await sink.waitFor(1);
    await sleep(2100); // the file is quiet for longer than the linger
    const t0 = Date.now();
    appendFileSync(log, 'quiet line\n');
    await sink.waitFor(2);
    const quietMs = Date.now() - t0;
    assert.ok(quietMs < 1500, `a line after a quiet linger is sent at once, not held (took ${quietMs} ms)`);
    const before = sink.requests.length;
    // A trickle within the linger: ten lines, 30 ms apart.
    for (let i = 0; i < 10; i++) {
      appendFileSync(log, `trickle ${i}\n`);
      await sleep(30);
    }
    await sink.waitFor(12);
    const requests = sink.requests.slice(before);
    assert.ok(requests.length <= 2, `ten lines within the linger take at most two requests, took ${requests.length} (${requests.map((r) => r.lines).join(', ')} lines)`);
    assert.deepEqual(
      sink.records.map((r) => r.message),
      ['first line', 'quiet line', ...Array.from({ length: 10 }, (_, i) => `trickle ${i}`)],
    );
  } finally {
    await collector.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('while one file of a directory trickles and lingers, a line in another file of it is not held back', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-linger-dir-');
  const a = join(dir, 'a.log');
  const b = join(dir, 'b.log');
  writeFileSync(a, 'a first\n');
  writeFileSync(b, 'b first\n');
  const collector = startCollector(['--url', sink.url, '--state', join(dir, 'state.json'), '--linger', '400ms', ...SLOW_POLL, join(dir, '*.log')]);
  try {
    await sink.waitFor(2);
    // a.log gets a line every 40 ms for 4 s: its reader lingers the whole time. One second in,
    // b.log gets one line.
    let bSent = 0;
    let bLatency = -1;
    const waitB = (async () => {
      while (!sink.records.some((r) => r.message === 'b second')) await sleep(10);
      bLatency = Date.now() - bSent;
    })();
    const start = Date.now();
    for (let i = 0; Date.now() - start < 4000; i++) {
      appendFileSync(a, `a ${i}\n`);
      if (!bSent && Date.now() - start >= 1000) {
        bSent = Date.now();
        appendFileSync(b, 'b second\n');
      }
      await sleep(40);
    }
    await waitB;
    assert.ok(bLatency >= 0 && bLatency < 1500, `b.log's line arrived ${bLatency} ms after it was written (a's trickle went on for 3 s more)`);
  } finally {
    await collector.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
