// Per-file write watches (native inotify, inotify.ts) and the growing linger (reader.ts): a file
// that keeps growing wakes the collector about once per linger instead of once per write, its
// rotations are still seen at once, and a quiet file beside it still ships each line at once.
// These tests run a real collector in process (to read its metrics) against the in-test HTTP
// sink, with the regular poll pushed out of the way (--poll-interval 60 s): only inotify and
// the readers' own linger timers can make a line arrive in time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Collector, type CollectorOptions } from './collector.js';
import { DirWatcher } from './discover.js';
import { Inotify } from './inotify.js';
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

async function start(sink: Sink, path: string, logs: string[], more: Partial<CollectorOptions> = {}): Promise<Collector> {
  const opts: CollectorOptions = {
    url: sink.url,
    patterns: [path],
    statePath: join(dirname(path), 'state.json'),
    host: 'polling',
    from: 'beginning',
    pollIntervalMs: 60_000,
    lingerMs: 200,
    lingerMaxMs: 1000,
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
    ...more,
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

async function withCollector(name: string, body: (c: { dir: string; path: string; sink: Sink; collector: Collector; logs: string[] }) => Promise<void>, more: Partial<CollectorOptions> = {}): Promise<void> {
  const sink = await startSink();
  const dir = mkdtempSync(join(tmpdir(), `logpipe-polling-${name}-`));
  const path = join(dir, 'app.log');
  const fd = openSync(path, 'a');
  writeSync(fd, 'first line\n');
  closeSync(fd);
  const logs: string[] = [];
  const collector = await start(sink, path, logs, more);
  try {
    await sink.waitFor(1);
    await body({ dir, path, sink, collector, logs });
  } finally {
    await collector.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the native inotify addon is built and used on Linux', { skip: process.platform !== 'linux' }, () => {
  const w = new DirWatcher(() => {});
  try {
    assert.equal(w.fallbackWhy, '', 'the collector would fall back to fs.watch');
    assert.equal(w.perFileWrites, true);
  } finally {
    w.close();
  }
});

const native = new DirWatcher(() => {});
const nativeSkip = native.perFileWrites ? false : `no native inotify: ${native.fallbackWhy}`;
native.close();

test('a file written line by line wakes the collector about once per linger, not once per write', { skip: nativeSkip }, async () => {
  await withCollector('wakeups', async ({ path, sink, collector }) => {
    const fd = openSync(path, 'a');
    try {
      const events0 = collector.metrics.fsEvents;
      const requests0 = sink.requests.length;
      const t = trickle(() => fd, 'busy');
      await until(() => t.written.length >= 100, '100 lines were written');
      await t.stop();
      await sink.waitFor(1 + t.written.length);
      const events = collector.metrics.fsEvents - events0;
      const requests = sink.requests.length - requests0;
      // 100 writes 20 ms apart (~2 s): the first wakes the reader, the linger (200 ms, doubling
      // to 1 s) paces the rest. fs.watch would have made 100 events.
      assert.ok(events <= 10, `${events} file system events for ${t.written.length} writes`);
      assert.ok(requests <= 8, `${requests} requests for ${t.written.length} lines over ~2 s (linger 200 ms doubling to 1 s)`);
    } finally {
      closeSync(fd);
    }
  });
});

test('a rename+create rotation of a file that keeps growing is seen at once and loses nothing', async () => {
  await withCollector(
    'rename',
    async ({ path, sink, collector, logs }) => {
      let fd = openSync(path, 'a');
      const t = trickle(() => fd, 'rename');
      try {
        // ~3 s of lines 20 ms apart: the linger has doubled from 200 ms to 3.2 s (batches close
        // at ~0.2, 0.6, 1.4 and 3 s), so the reader's next look of its own is ~3 s away.
        await until(() => t.written.length >= 150, 'lines were written');
        const rotations = collector.metrics.rotations;
        const renamedAt = Date.now();
        renameSync(path, `${path}.1`);
        // Only the rename's event can make the reader notice this soon (the poll is a minute away).
        await until(() => collector.metrics.rotations > rotations, 'the rotation was seen', 20_000);
        const seenInMs = Date.now() - renamedAt;
        assert.ok(seenInMs < 2000, `the rotation was seen ${seenInMs} ms after the rename`);
        // A few late lines to the old file, then the writer reopens the path.
        const late = t.written.length + 3;
        await until(() => t.written.length >= late, 'late lines were written');
        const old = fd;
        fd = openSync(path, 'a');
        closeSync(old);
        await until(() => t.written.length >= late + 30, 'lines were written to the new file');
      } finally {
        await t.stop();
        closeSync(fd);
      }
      await deliveredOnce(sink, t.written, logs);
    },
    { lingerMaxMs: 30_000 },
  );
});

test('a copytruncate of a file that keeps growing loses nothing', async () => {
  await withCollector('copytruncate', async ({ path, sink, logs }) => {
    const fd = openSync(path, 'a');
    const t = trickle(() => fd, 'copy');
    try {
      // Enough content that what follows the truncation stays shorter than where we read to.
      await until(() => t.written.length >= 60, 'lines were written');
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

/** Milliseconds from writing each of `n` lines, `gapMs` apart, to its arrival at the sink. */
async function quietLatencies(sink: Sink, fd: number, n: number, gapMs: number, prefix: string): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(gapMs);
    const line = `${prefix} ${i}`;
    const t0 = Date.now();
    writeSync(fd, line + '\n');
    await until(() => sink.records.some((r) => r.message === line), `"${line}" arrived`, 10_000);
    latencies.push(Date.now() - t0);
  }
  return latencies.sort((a, b) => a - b);
}

test('after a busy spell the linger is --linger again and a quiet line goes at once', async () => {
  await withCollector('quiet', async ({ path, sink }) => {
    const fd = openSync(path, 'a');
    try {
      const t = trickle(() => fd, 'busy');
      await until(() => t.written.length >= 80, 'the trickle went on');
      await t.stop();
      await sink.waitFor(1 + t.written.length);
      // Quiet for longer than --linger-max (1 s): each line is a quiet line. An event ships it in
      // milliseconds; the linger would hold it up to a second, the regular poll a minute.
      const latencies = await quietLatencies(sink, fd, 3, 1200, 'quiet');
      assert.ok(latencies[1] < 400, `quiet lines after a busy spell took ${latencies.join(', ')} ms`);
    } finally {
      closeSync(fd);
    }
  });
});

test('a quiet file beside a busy one in the same directory ships each line at once', async () => {
  const sink = await startSink();
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-write-watch-beside-'));
  const busy = join(dir, 'busy.log');
  const quiet = join(dir, 'quiet.log');
  const bfd = openSync(busy, 'a');
  const qfd = openSync(quiet, 'a');
  writeSync(qfd, 'first line\n');
  const logs: string[] = [];
  const collector = await start(sink, join(dir, '*.log'), logs);
  try {
    await sink.waitFor(1);
    const t = trickle(() => bfd, 'busy');
    try {
      await until(() => t.written.length >= 20, 'the busy file kept growing');
      const latencies = await quietLatencies(sink, qfd, 5, 150, 'beside');
      assert.ok(latencies[2] < 400, `lines of the quiet file took ${latencies.join(', ')} ms while its neighbour kept growing`);
    } finally {
      await t.stop();
    }
    await sink.waitFor(1 + t.written.length + 5);
  } finally {
    await collector.stop();
    await sink.close();
    closeSync(bfd);
    closeSync(qfd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a line written between the end of a linger and the new write watch is not missed', { skip: nativeSkip }, async () => {
  const arm = Inotify.prototype.armWrite;
  let injected = '';
  let fd = -1;
  let busyOver = false;
  // The write lands after the reader's last read and before its watch is set up again: no event
  // will tell about it, only the look after arming can find it.
  Inotify.prototype.armWrite = function (this: Inotify, watched: number, onWrite: () => void) {
    if (busyOver && !injected) {
      injected = `between read and watch ${Date.now()}`;
      writeSync(fd, injected + '\n');
    }
    return arm.call(this, watched, onWrite);
  };
  try {
    await withCollector('rearm', async ({ sink, path, logs }) => {
      fd = openSync(path, 'a');
      try {
        const t = trickle(() => fd, 'busy');
        await until(() => t.written.length >= 20, 'the trickle went on');
        await t.stop();
        busyOver = true;
        await until(() => injected !== '', 'the write watch is set up again');
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
    Inotify.prototype.armWrite = arm;
  }
});

test('a file that cannot be watched for writes is read at the poll, and the collector says why once', { skip: nativeSkip }, async () => {
  const arm = Inotify.prototype.armWrite;
  Inotify.prototype.armWrite = function (this: Inotify) {
    this.armError = 'inotify_add_watch "/proc/self/fd/99": No space left on device';
    return -1;
  };
  try {
    await withCollector(
      'unarmed',
      async ({ path, sink, logs }) => {
        // The reader asks for a write watch once its first line's linger is over.
        await until(() => logs.some((l) => l.includes('cannot be watched for writes')), 'the reader tried to watch its file');
        const fd = openSync(path, 'a');
        try {
          for (let i = 0; i < 3; i++) writeSync(fd, `unwatched ${i}\n`);
          await sink.waitFor(4, 10_000);
        } finally {
          closeSync(fd);
        }
        const warnings = logs.filter((l) => l.includes('cannot be watched for writes'));
        assert.equal(warnings.length, 1, logs.join(' | '));
        assert.match(warnings[0], /No space left on device/);
      },
      { pollIntervalMs: 200 },
    );
  } finally {
    Inotify.prototype.armWrite = arm;
  }
});

test('lines written a little more than --linger apart are each a quiet line and go at once', async () => {
  await withCollector('spaced', async ({ path, sink }) => {
    const fd = openSync(path, 'a');
    try {
      // 300 ms apart with --linger 200 ms: each comes after the linger ended with nothing new,
      // so the linger must not grow (it would hold them up to --linger-max, 1 s).
      const latencies = await quietLatencies(sink, fd, 7, 300, 'spaced');
      assert.ok(latencies[3] < 150, `lines 300 ms apart took ${latencies.join(', ')} ms`);
    } finally {
      closeSync(fd);
    }
  });
});

test('with inotify watching the directory and the file the poll is a backstop; a symlinked path polls every --poll-interval', { skip: nativeSkip }, async () => {
  await withCollector(
    'backstop',
    async ({ collector }) => {
      assert.equal(collector.pollEveryMs, 10_000);
    },
    { pollIntervalMs: 1000 },
  );
  const sink = await startSink();
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-polling-link-'));
  const logs: string[] = [];
  try {
    // The link's target can be renamed in a directory nobody watches: only the poll sees that.
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'real.log'), 'first line\n');
    symlinkSync(join(dir, 'elsewhere', 'real.log'), join(dir, 'app.log'));
    const collector = await start(sink, join(dir, 'app.log'), logs, { pollIntervalMs: 1000 });
    try {
      await sink.waitFor(1);
      assert.equal(collector.pollEveryMs, 1000);
    } finally {
      await collector.stop();
    }
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write that inotify never reports is found by the backstop poll, which then polls every --poll-interval', { skip: nativeSkip }, async () => {
  // A file system whose writes make no inotify event (NFS written from another host, FUSE): the
  // write watch is "armed" and never fires.
  const arm = Inotify.prototype.armWrite;
  const disarm = Inotify.prototype.disarmWrite;
  let armed = 0;
  Inotify.prototype.armWrite = () => {
    armed++;
    return 1_000_000;
  };
  Inotify.prototype.disarmWrite = () => {};
  try {
    await withCollector(
      'deaf',
      async ({ path, sink, collector, logs }) => {
        assert.equal(collector.pollEveryMs, 1500, 'the backstop pace');
        // Written once the reader sleeps with its (deaf) write watch, after the first line's linger.
        await until(() => armed > 0, 'the reader to watch its file for writes');
        const fd = openSync(path, 'a');
        try {
          writeSync(fd, 'unreported 1\n');
          await sink.waitFor(2, 20_000);
          await until(() => collector.pollEveryMs === 200, 'the poll to go back to --poll-interval');
          assert.equal(logs.filter((l) => l.includes('made no inotify event')).length, 1, logs.join(' | '));
          writeSync(fd, 'unreported 2\n');
          await sink.waitFor(3, 10_000);
        } finally {
          closeSync(fd);
        }
      },
      { pollIntervalMs: 200, backstopPollMs: 1500 },
    );
  } finally {
    Inotify.prototype.armWrite = arm;
    Inotify.prototype.disarmWrite = disarm;
  }
});
