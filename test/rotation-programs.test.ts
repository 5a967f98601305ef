// Rotation programs other than logrotate's defaults, run for real: Debian's `savelog` (app.log →
// app.log.0, older copies gzipped as app.log.1.gz …) with a writer that reopens on SIGHUP; a
// rename to a name that shares nothing with the tailed one (multilog/svlogd style: current →
// @<stamp>.s) while the collector is down; logrotate with `olddir` (the copies go into a
// directory under the log's), create and copytruncate. Counted through the server: every line
// once (with copytruncate: every line that still exists on disk).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertVerdict, judge, withRig } from './helpers/chaos.js';
import { sleep } from './collector-helpers.js';
import { LogRotate, seqsOnDisk } from './helpers/logrotate.js';

const OPEN_ENDED = 1e9;

test('savelog rotations, the collector SIGKILLed 50 ms after each and a second savelog while it is down: every line once', async (t) => {
  await withRig({}, async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    const savelog = () => {
      execFileSync('savelog', ['-q', '-c', '9', '-n', rig.log]);
      process.kill(w.pid, 'SIGHUP');
    };
    await w.reached(2000);
    for (let cycle = 0; cycle < 3; cycle++) {
      savelog();
      await sleep(50); // the scenario's own timing, not a wait for readiness
      await rig.stopCollector('SIGKILL');
      await w.reached(w.written() + 1500);
      savelog(); // app.log.0 → app.log.1.gz (a new inode), the new app.log → app.log.0
      await w.reached(w.written() + 500);
      await rig.startCollector();
      await w.reached(w.written() + 2500);
    }
    const last = await w.finish();
    const all = await rig.finish(last);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'savelog', { notes: rig.notes() });
  });
});

test('a file renamed while the collector is down to a name unlike its own (multilog style @<stamp>.s) is read to its end: every line once', async (t) => {
  await withRig({}, async (rig) => {
    await rig.startCollector();
    const w = await rig.startWriter({ count: OPEN_ENDED });
    await w.reached(2000);
    await rig.stopCollector('SIGKILL');
    await w.reached(w.written() + 1000);
    renameSync(rig.log, join(rig.dir, '@400000006745f2a1.s'));
    process.kill(w.pid, 'SIGHUP');
    await w.reached(w.written() + 1000);
    await rig.startCollector();
    await w.reached(w.written() + 1000);
    const last = await w.finish();
    const all = await rig.finish(last);
    assertVerdict(t, judge(all.map((r) => r.message), { last }), 'renamed to @stamp.s', { notes: rig.notes() });
  });
});

for (const style of ['create', 'copytruncate'] as const) {
  test(`logrotate ${style} with olddir, twice while the collector is down and twice while it runs: every line on disk once`, async (t) => {
    await withRig({}, async (rig) => {
      const old = join(rig.dir, 'old');
      mkdirSync(old);
      await rig.startCollector();
      const w = await rig.startWriter({ count: OPEN_ENDED });
      const rot = new LogRotate(rig.dir, { paths: [rig.log], style, olddir: old, postrotate: style === 'create' ? `kill -HUP ${w.pid}` : undefined });
      await w.reached(2000);
      for (let cycle = 0; cycle < 2; cycle++) {
        await rig.stopCollector('SIGKILL');
        await w.reached(w.written() + 1000);
        await rot.rotate();
        await w.reached(w.written() + 500);
        await rig.startCollector();
        await w.reached(w.written() + 1500);
        await rot.rotate();
        await w.reached(w.written() + 1500);
      }
      const last = await w.finish();
      // copytruncate loses what is written between its copy and its truncate: judge what exists.
      const expected = style === 'create' ? undefined : new Set([...seqsOnDisk(rig.dir), ...seqsOnDisk(old)]);
      const all = await rig.finish(last);
      assertVerdict(t, judge(all.map((r) => r.message), { last, expected }), `olddir ${style}`, { notes: rig.notes() });
    });
  });
}
