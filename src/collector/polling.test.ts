// --busy-poll: a directory whose file keeps growing is polled instead of watched (collector.ts,
// #pollDir): its events cost a wake-up of the process per write. These tests run a real collector (in
// process, so they can see which directories are polled) against the in-test HTTP sink, with
// the regular poll pushed out of the way (--poll-interval 60 s): only fs events and the
// directory's poll can make a line arrive in time.
//
// - rename+create and copytruncate while the directory is polled lose nothing;
// - once the file is quiet the watch is back, and a quiet line goes at once;
// - a line written between the last poll and the new watch is not missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdtempSync, openSync, renameSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Collector, type CollectorOptions } from './collector.js';
import { DirWatcher } from './discover.js';
import { startSink, type Sink } from '../../test/collector-sink.js';
import { logInto } from '../command/logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds (checked every 5 ms), or fails after `timeoutMs`. */
async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

async function start(sink: Sink, path: string, logs: string[]): Promise<Collector> {
  const opts: CollectorOptions = {
    url: sink.url,
    patterns: [path],
    statePath: join(dirname(path), 'state.json'),
    host: 'polling',
    from: 'beginning',
    pollIntervalMs: 60_000,
    lingerMs: 200,
    busyPollMs: 1000,
    batchLines: 500,
    batchBytes: 256 * 1024,
    batchWaitMs: 1000,
    maxLineBytes: 1 << 20,
    multiline: false,
    multilineTimeoutMs: 1000,
    flushPartial: false,
    rotateWaitMs: 1000,
    shutdownTimeoutMs: 5000,
    spoolMaxBytes: 64 * 1024 * 1024,
    readCompressed: false,
    log: logInto(logs),
  };
  return Collector.start(opts);
}

/** Writes a line to whatever `fd()` is every 20 ms until stopped; returns the lines written. */
function trickle(fd: () => number, prefix: string) {
  const written: string[] = [];
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const line = `${prefix} ${i} ${'x'.repeat(80)}`;
      writeSync(fd(), line + '\n');
      written.push(line);
      await sleep(20);
    }
  })();
  return {
    written,
    async stop() {
      stop = true;
      await done;
    },
  };
}

function assertOnce(sink: Sink, expected: string[], context: string): void {
  const counts = new Map<string, number>();
  for (const r of sink.records) counts.set(r.message, (counts.get(r.message) ?? 0) + 1);
  const missing = expected.filter((m) => !counts.has(m));
  const twice = [...counts].filter(([, n]) => n > 1).map(([m]) => m);
  assert.deepEqual({ missing, twice }, { missing: [], twice: [] }, context);
}

/** Waits until the first line and every trickled line arrived, then checks each came once. */
async function deliveredOnce(sink: Sink, written: string[], logs: string[]): Promise<void> {
  await sink.waitFor(1 + written.length, 15_000).catch((err) => {
    throw new Error(`${(err as Error).message}; log: ${logs.join(' | ')}`);
  });
  assertOnce(sink, ['first line', ...written], logs.join(' | '));
}

async function withCollector(name: string, body: (c: { dir: string; path: string; sink: Sink; collector: Collector; logs: string[] }) => Promise<void>): Promise<void> {
  const sink = await startSink();
  const dir = mkdtempSync(join(tmpdir(), `logpipe-polling-${name}-`));
  const path = join(dir, 'app.log');
  const fd = openSync(path, 'a');
  writeSync(fd, 'first line\n');
  closeSync(fd);
  const logs: string[] = [];
  const collector = await start(sink, path, logs);
  try {
    await sink.waitFor(1);
    await body({ dir, path, sink, collector, logs });
  } finally {
    await collector.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a rename+create rotation while the directory is polled loses nothing', async () => {
  await withCollector('rename', async ({ dir, path, sink, collector, logs }) => {
    let fd = openSync(path, 'a');
    const t = trickle(() => fd, 'rename');
    try {
      await until(() => collector.polledDirs.includes(dir), 'the directory is polled');
      await until(() => t.written.length >= 30, 'more lines were written');
      assert.ok(collector.polledDirs.includes(dir), 'still polled when the file is rotated');
      renameSync(path, `${path}.1`);
      // A few late lines to the old file, then the writer reopens the path.
      await until(() => t.written.length >= 33, 'late lines were written');
      const old = fd;
      fd = openSync(path, 'a');
      closeSync(old);
      await until(() => t.written.length >= 60, 'lines were written to the new file');
    } finally {
      await t.stop();
      closeSync(fd);
    }
    await deliveredOnce(sink, t.written, logs);
  });
});

test('a copytruncate while the directory is polled loses nothing', async () => {
  await withCollector('copytruncate', async ({ dir, path, sink, collector, logs }) => {
    const fd = openSync(path, 'a');
    const t = trickle(() => fd, 'copy');
    try {
      await until(() => collector.polledDirs.includes(dir), 'the directory is polled');
      // Enough content that what follows the truncation stays shorter than where we read to.
      await until(() => t.written.length >= 60, 'more lines were written');
      assert.ok(collector.polledDirs.includes(dir), 'still polled when the file is copied and truncated');
      copyFileSync(path, `${path}.1`);
      truncateSync(path, 0);
      const after = t.written.length;
      await until(() => t.written.length >= after + 3, 'lines were written after the truncation');
    } finally {
      await t.stop();
      closeSync(fd);
    }
    await deliveredOnce(sink, t.written, logs);
  });
});

test('after a busy period the watch is back and a quiet line goes at once', async () => {
  await withCollector('quiet', async ({ dir, path, sink, collector }) => {
    const fd = openSync(path, 'a');
    try {
      const t = trickle(() => fd, 'busy');
      await until(() => collector.polledDirs.includes(dir), 'the directory is polled');
      await until(() => t.written.length >= 40, 'the trickle went on');
      await t.stop();
      await sink.waitFor(1 + t.written.length);
      await until(() => !collector.polledDirs.includes(dir), 'the directory is watched again');
      const latencies: number[] = [];
      for (let i = 0; i < 3; i++) {
        await sleep(400); // quiet for longer than the linger (200 ms): the next line is a quiet line
        const n = sink.records.length;
        const t0 = Date.now();
        writeSync(fd, `quiet ${i}\n`);
        await sink.waitFor(n + 1, 10_000);
        latencies.push(Date.now() - t0);
        assert.equal(sink.records.at(-1)?.message, `quiet ${i}`);
      }
      latencies.sort((a, b) => a - b);
      // An event ships it in milliseconds; the directory's poll would take up to a second, the
      // regular poll a minute.
      assert.ok(latencies[1] < 400, `quiet lines after a busy period took ${latencies.join(', ')} ms`);
    } finally {
      closeSync(fd);
    }
  });
});

test('a line written between the last poll and the new watch is not missed', async () => {
  const resume = DirWatcher.prototype.resume;
  let injected = '';
  let fd = -1;
  // The write lands after the poll that found the file quiet and before the watch is set up
  // again: no event will tell about it, only the look after re-arming can find it.
  DirWatcher.prototype.resume = function (this: DirWatcher, dir: string) {
    if (fd !== -1 && !injected) {
      injected = `between poll and watch ${Date.now()}`;
      writeSync(fd, injected + '\n');
    }
    return resume.call(this, dir);
  };
  try {
    await withCollector('rearm', async ({ dir, path, sink, collector, logs }) => {
      fd = openSync(path, 'a');
      try {
        const t = trickle(() => fd, 'busy');
        await until(() => collector.polledDirs.includes(dir), 'the directory is polled');
        await until(() => t.written.length >= 20, 'the trickle went on');
        await t.stop();
        await until(() => injected !== '', 'the watch is set up again');
        const n = 1 + t.written.length + 1;
        await sink.waitFor(n, 5000).catch((err) => {
          throw new Error(`${(err as Error).message}: the line written before the watch was set up again did not arrive; log: ${logs.join(' | ')}`);
        });
        assertOnce(sink, ['first line', ...t.written, injected], logs.join(' | '));
      } finally {
        closeSync(fd);
      }
    });
  } finally {
    DirWatcher.prototype.resume = resume;
  }
});
