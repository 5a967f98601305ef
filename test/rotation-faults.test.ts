// Rotation under faults: logrotate keeps rotating a file written at ~2,000 lines/s while the
// server goes away, or the collector (and the server) die by SIGKILL and come back. Every line
// still on disk when the collector gets to it must be stored exactly once; lines that
// copytruncate itself destroyed (written between its copy and its truncate) are computed from
// what is on disk, not excused by a tolerance. (issue 9)
import { test } from 'node:test';
import { sleep } from './collector-helpers.js';
import { LogRotate, seqsOnDisk } from './helpers/logrotate.js';
import { assertVerdict, judge, onSchedule, Rig, storedCount, waitForCount, type Step } from './helpers/chaos.js';
import type { WriterHandle } from './helpers/writer.js';

async function withRig<T>(fn: (rig: Rig) => Promise<T>): Promise<T> {
  const rig = await Rig.create();
  try {
    return await fn(rig);
  } finally {
    await rig.cleanup();
  }
}

/**
 * The writer runs until the schedule is over and `tail` more lines are written, then stops: on
 * a loaded machine the faults take longer, and the writer must not finish before them.
 */
async function endWriting(w: WriterHandle, tail = 1000): Promise<number> {
  await w.reached(w.written() + tail);
  return w.finish();
}

const OPEN_ENDED = 1_000_000;

test('server away ~10 s during copytruncate rotations: every line still on disk stored once', async (t) => {
  await withRig(async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'copytruncate' });
    await w.reached(2000);
    // Away while 20,000 lines (10 s) are written and five copytruncates move them into copies.
    await rig.restartServer('SIGTERM', () => onSchedule(w, [...[5000, 9000, 13_000, 17_000, 21_000].map((at) => [at, () => rot.rotate()] as Step), [22_000, async () => {}]]));
    // Back: 1,000 more lines, then the writer stops; the collector's next retry (backoff from
    // 50 ms here, capped at 30 s) delivers again.
    const atRestart = await storedCount(rig.server.url);
    const last = await endWriting(w);
    await waitForCount(rig.server.url, atRestart + 1, 45_000, 'the first delivery after the server came back').catch((err) => t.diagnostic((err as Error).message));
    const expected = seqsOnDisk(rig.dir);
    const all = await rig.finish(expected.size);
    t.diagnostic(`copytruncate dropped ${last - expected.size} lines between copy and truncate (${rot.runs} rotations)`);
    assertVerdict(t, judge(all.map((r) => r.message), { last, expected }), 'server away during copytruncate', { notes: rig.notes() });
  });
});

test('collector SIGKILLed six times during copytruncate rotations: every line still on disk stored once', async (t) => {
  await withRig(async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'copytruncate' });
    const rotate = (at: number): Step => [at, () => rot.rotate()];
    const kill = (at: number): Step => [
      at,
      async () => {
        await rig.stopCollector('SIGKILL');
        await rig.startCollector();
      },
    ];
    // Some kills land right after a rotation (2,600, 5,100, 15,050), others mid-stream.
    await onSchedule(w, [...[2500, 5000, 7500, 10_000, 12_500, 15_000, 17_500].map(rotate), ...[1200, 2600, 5100, 7900, 11_000, 15_050].map(kill)]);
    const last = await endWriting(w);
    const expected = seqsOnDisk(rig.dir);
    const all = await rig.finish(expected.size);
    t.diagnostic(`copytruncate dropped ${last - expected.size} lines between copy and truncate (${rot.runs} rotations)`);
    assertVerdict(t, judge(all.map((r) => r.message), { last, expected }), 'collector SIGKILL x6 during copytruncate', { notes: rig.notes() });
  });
});

test('collector and server SIGKILLed together during copytruncate rotations: every line still on disk stored once', async (t) => {
  await withRig(async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'copytruncate' });
    const crash = (at: number): Step => [
      at,
      async () => {
        await Promise.all([rig.stopCollector('SIGKILL'), rig.server.stop('SIGKILL')]);
        await rig.restartServer('SIGKILL');
        await rig.startCollector();
      },
    ];
    await onSchedule(w, [...[2500, 5000, 7500, 10_000, 12_500, 15_000, 17_500].map((at) => [at, () => rot.rotate()] as Step), ...[4000, 9000, 14_000].map(crash)]);
    const last = await endWriting(w);
    const expected = seqsOnDisk(rig.dir);
    const all = await rig.finish(expected.size);
    t.diagnostic(`copytruncate dropped ${last - expected.size} lines between copy and truncate (${rot.runs} rotations)`);
    assertVerdict(t, judge(all.map((r) => r.message), { last, expected }), 'collector+server SIGKILL during copytruncate', { notes: rig.notes() });
  });
});

test('collector and server SIGKILLed together during create rotations of a literal path: every line once', async (t) => {
  await withRig(async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create', postrotate: `kill -HUP ${w.pid}` });
    const crash = (at: number): Step => [
      at,
      async () => {
        const t0 = Date.now();
        const seq = w.written();
        await Promise.all([rig.stopCollector('SIGKILL'), rig.server.stop('SIGKILL')]);
        await rig.restartServer('SIGKILL');
        const t1 = Date.now();
        await rig.startCollector();
        t.diagnostic(`crash at seq ${seq}: server back in ${t1 - t0} ms, collector in ${Date.now() - t1} ms`);
      },
    ];
    // Crashes 10–100 ms after a rotation (the new app.log barely seen) and one between rotations.
    await onSchedule(w, [...[2500, 5000, 7500, 10_000, 12_500, 15_000, 17_500].map((at) => [at, () => rot.rotate()] as Step), ...[2520, 6200, 7600, 12_700, 15_060].map(crash)]);
    const last = await endWriting(w);
    const all = await rig.finish(last);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'collector+server SIGKILL during create', { notes: rig.notes() });
  });
});

test('collector SIGKILLed 50 ms after a rename rotation and rotated again while it is down, three times: every line once', async (t) => {
  await withRig(async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create', postrotate: `kill -HUP ${w.pid}` });
    // Three times: rename rotation; 50 ms later (the new app.log barely seen) SIGKILL; a second
    // rotation while the collector is down hides the first new file as app.log.1; restart.
    await w.reached(2000);
    for (let cycle = 0; cycle < 3; cycle++) {
      await rot.rotate();
      await sleep(50); // the scenario's own timing, not a wait for readiness
      await rig.stopCollector('SIGKILL');
      await w.reached(w.written() + 1500);
      await rot.rotate(); // app.log.1 → app.log.2, the new app.log → app.log.1, a third app.log
      await w.reached(w.written() + 500);
      await rig.startCollector();
      await w.reached(w.written() + 2500);
    }
    const last = await endWriting(w);
    const all = await rig.finish(last);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'SIGKILL 50 ms after rename, rotated again while down', { notes: rig.notes() });
  });
});
