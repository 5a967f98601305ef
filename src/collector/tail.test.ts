// Property test for tailing: random sequences of writes (whole and split lines), rename
// rotations with late writes to the old file, copytruncates and delete+recreate, against a
// model that says every written line arrives exactly once.
//
// The model's one allowance is what no tailer can do: a copytruncate loses lines written after
// the tailer's last read and before the truncation, and a file created and deleted before the
// tailer ever saw it is unknown to it. So before a copytruncate, and after creating a new file
// (once it has a line), the test waits until the sink has everything written so far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdtempSync, openSync, renameSync, rmSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector } from './collector.js';
import { startSink, type Sink } from '../../test/collector-sink.js';
import { mulberry32 as rng } from '../shared/random.js';
import { logInto } from '../command/logger.js';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runScenario(seed: number, sink: Sink): Promise<string[]> {
  const rand = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-prop-'));
  const path = join(dir, 'app.log');
  const expected: string[] = [];
  const ops: string[] = [];
  let fd = openSync(path, 'a');
  let seq = 0;
  let held = ''; // the unfinished line the writer has started
  let files = 0;
  const logs: string[] = [];
  const collector = await Collector.start({
    url: sink.url,
    patterns: [path],
    statePath: join(dir, 'state.json'),
    host: 'prop',
    from: 'beginning',
    pollIntervalMs: 40,
    batchLines: 50,
    batchBytes: 64 * 1024,
    batchWaitMs: 100,
    maxLineBytes: 1 << 20,
    multiline: false,
    multilineTimeoutMs: 100,
    flushPartial: false,
    rotateWaitMs: 300,
    shutdownTimeoutMs: 3000,
    spoolMaxBytes: 64 * 1024 * 1024,
    readCompressed: false,
    readBytes: 4096, // small reads: lines cross read boundaries all the time
    log: logInto(logs),
  });
  const before = sink.records.length;
  // Synced = every expected line is there (counting distinct lines: a duplicate must not
  // make the model believe a missing line arrived).
  const synced = async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const have = new Set(sink.records.slice(before).map((r) => r.message));
      if (expected.every((m) => have.has(m))) return;
      if (Date.now() > deadline) {
        const missing = expected.filter((m) => !have.has(m)).map((m) => m.replace(/x+$/, '…'));
        throw new Error(`lines never arrived: ${missing.slice(0, 20).join(', ')}; ops: ${ops.join(', ')}; log: ${logs.join(' | ')}`);
      }
      await sleep(10);
    }
  };
  const line = () => {
    const pad = rand() < 0.1 ? 'x'.repeat(Math.floor(rand() * 6000)) : '';
    return `s${seed}-${++seq}${pad}`;
  };
  const writeLines = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) {
      // A held (half-written) line is already in the file: only its rest is written now.
      const rest = line();
      expected.push(held + rest);
      held = '';
      s += rest + '\n';
    }
    // Sometimes leave a line half-written; the next write finishes it.
    if (!held && rand() < 0.3) {
      held = line();
      s += held;
    }
    writeSync(fd, s);
  };
  try {
    for (let step = 0; step < 40; step++) {
      const r = rand();
      if (r < 0.55) {
        const n = 1 + Math.floor(rand() * 120);
        ops.push(`write ${n}@${seq}${held ? '+held' : ''}`);
        writeLines(n);
      } else if (r < 0.72) {
        ops.push(`rotate@${seq}${held ? '+held' : ''}`);
        renameSync(path, `${path}.${++files}`);
        if (rand() < 0.7) writeLines(Math.floor(rand() * 20)); // late lines to the old file
        if (held) {
          // The app finishes its line on the old file before it reopens.
          expected.push(held);
          writeSync(fd, '\n');
          held = '';
        }
        closeSync(fd);
        fd = openSync(path, 'a');
        writeLines(1 + Math.floor(rand() * 5));
        await synced();
      } else if (r < 0.86) {
        ops.push(`copytruncate@${seq}${held ? '+held' : ''}`);
        if (held) {
          expected.push(held);
          writeSync(fd, '\n');
          held = '';
        }
        await synced();
        copyFileSync(path, `${path}.c${++files}`);
        truncateSync(path, 0);
        if (rand() < 0.5) await sleep(rand() * 100);
        writeLines(1 + Math.floor(rand() * 30));
      } else {
        ops.push(`delete+recreate@${seq}${held ? '+held' : ''}`);
        if (held) {
          expected.push(held);
          writeSync(fd, '\n');
          held = '';
        }
        unlinkSync(path);
        closeSync(fd);
        fd = openSync(path, 'a');
        writeLines(1 + Math.floor(rand() * 5));
        await synced();
      }
      await sleep(rand() * 25);
    }
    if (held) {
      expected.push(held);
      writeSync(fd, '\n');
      held = '';
    }
    await synced().catch((err) => {
      throw new Error(`seed ${seed}: ${(err as Error).message}; ops: ${ops.join(', ')}; log: ${logs.join(' | ')}`);
    });
    await sleep(150);
    const got = sink.records.slice(before).map((r) => r.message);
    const counts = new Map<string, number>();
    for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1);
    const short = (m: string) => m.replace(/x+$/, '…');
    const missing = expected.filter((m) => !counts.has(m)).map(short);
    const twice = [...counts].filter(([, n]) => n > 1).map(([m]) => short(m));
    const unexpected = got.filter((m) => !expected.includes(m)).map(short);
    assert.deepEqual({ missing, twice, unexpected }, { missing: [], twice: [], unexpected: [] }, `seed ${seed}; ops: ${ops.join(', ')}; log: ${logs.join(' | ')}`);
    return ops;
  } finally {
    closeSync(fd);
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tailing through random writes, rotations, truncations and deletions delivers every line once', async () => {
  const sink = await startSink();
  try {
    const base = Number(process.env.LOGPIPE_PROP_SEED ?? Date.now() % 100_000);
    for (let i = 0; i < 4; i++) await runScenario(base + i, sink);
  } finally {
    await sink.close();
  }
});
