// Rotation as an operator runs it: Debian's logrotate rotates app.log while an application
// writes ~2,000 lines/s into it (each with seq=N), a real `logpipe collect` tails it and a real
// `logpipe server` stores it; what the server holds is read back through the query API.
// Every line that still exists on disk — in app.log or a rotated copy, .gz ones decompressed —
// must be stored exactly once. Only lines that logrotate itself destroyed (copytruncate: those
// written between its copy and its truncate) may be absent, and never twice. (issue 9)
import { test } from 'node:test';
import { LogRotate, seqsOnDisk, type RotateConfig } from './helpers/logrotate.js';
import { assertVerdict, judge, Rig } from './helpers/chaos.js';

/** Runs `fn` on a fresh rig and always cleans up. */
async function withRig<T>(o: Parameters<typeof Rig.create>[0], fn: (rig: Rig) => Promise<T>): Promise<T> {
  const rig = await Rig.create(o);
  try {
    return await fn(rig);
  } finally {
    await rig.cleanup();
  }
}

/** create + rename; the writer reopens on the SIGHUP that postrotate sends. */
const createVariants: [string, Partial<RotateConfig>][] = [
  ['rotate 100', {}],
  ['compress + delaycompress', { compress: true, delaycompress: true }],
  ['dateext', { dateext: true }],
  ['rotate 0 (the old file is deleted at once)', { rotate: 0 }],
  ['rotate 1', { rotate: 1 }],
];

for (const [name, extra] of createVariants) {
  test(`logrotate create + rename, ${name}, writer reopens on SIGHUP: every line once`, async (t) => {
    await withRig({}, async (rig) => {
      await rig.startCollector();
      const w = await rig.startWriter({ count: 6000 });
      const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create', postrotate: `kill -HUP ${w.pid}`, ...extra });
      for (const at of [1500, 3000, 4500]) {
        await w.reached(at);
        await rot.rotate();
      }
      const last = await w.done;
      const all = await rig.finish(last);
      assertVerdict(t, judge(all.map((r) => r.message), { last }), `create, ${name}`, { notes: rig.notes() });
    });
  });
}

test('logrotate copytruncate, nothing else happening: every line still on disk stored once', async (t) => {
  await withRig({}, async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: 12_000 });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'copytruncate' });
    for (let at = 1500; at < 12_000; at += 1500) {
      await w.reached(at);
      await rot.rotate();
    }
    const last = await w.done;
    // What logrotate lost between its copy and its truncate is not on disk: not owed.
    const expected = seqsOnDisk(rig.dir);
    const all = await rig.finish(expected.size);
    const v = judge(all.map((r) => r.message), { last, expected });
    t.diagnostic(`copytruncate dropped ${last - expected.size} lines between copy and truncate (${rot.runs} rotations)`);
    assertVerdict(t, v, 'copytruncate idle', { notes: rig.notes() });
  });
});

test('logrotate create + rename, the writer reopens late (2.5 s of lines into the renamed file): every line once', async (t) => {
  await withRig({}, async (rig) => {
    await rig.startCollector();
    // 5,000 more lines at 2,000/s into app.log.1 after the rename: longer than --rotate-wait 1s.
    const w = await rig.startWriter({ count: 12_000, reopenAfter: 5000 });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create', postrotate: `kill -HUP ${w.pid}` });
    await w.reached(2000);
    await rot.rotate();
    await w.reached(9000);
    await rot.rotate();
    const last = await w.done;
    const all = await rig.finish(last);
    t.diagnostic(`writer reopened after seq ${w.reopens.join(', ')}`);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'create, late reopen', { notes: rig.notes() });
  });
});

test('logrotate create + rename, the writer never reopens (keeps writing to app.log.1, then app.log.2): every line once', async (t) => {
  await withRig({}, async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: 10_000, onHup: 'ignore' });
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create' });
    await w.reached(2000);
    await rot.rotate();
    await w.reached(5000);
    await rot.rotate();
    const last = await w.done;
    const all = await rig.finish(last);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'create, writer never reopens', { notes: rig.notes() });
  });
});

test('glob app.log* with logrotate compress: .gz copies are not shipped as binary junk, every line once', async (t) => {
  await withRig({ pattern: (dir) => `${dir}/app.log*` }, async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: 8000 });
    // Without delaycompress, logrotate gzips app.log.1 right after postrotate: a writer still
    // appending to it then makes gzip fail ("file size changed while zipping") and its last
    // lines are lost, by logrotate, not by us. As an operator would, postrotate waits until the
    // writer has reopened (its first line is in the new app.log), bounded at 10 s.
    const reopened = `i=0; while [ ! -s ${rig.log} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`;
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create', compress: true, postrotate: `kill -HUP ${w.pid}; ${reopened}` });
    for (const at of [2000, 4000, 6000]) {
      await w.reached(at);
      await rot.rotate();
    }
    const last = await w.done;
    const all = await rig.finish(last);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'glob + compress', { notes: rig.notes() });
  });
});
