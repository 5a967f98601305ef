// Two copytruncates before the collector noticed the first, where the first copy was made before
// the last lines the collector read: copytruncate copies the file, the application writes on,
// the collector reads those lines, and only then is the file truncated. The copy ends before the
// offset the collector read to, so no copy "holds the rest" of that content — and the collector
// used to stop there, never looking for the generation that lived in the file between the two
// truncations (copied away by the second). Found under load by "collector and server SIGKILLed
// together during copytruncate rotations" in rotation-faults.test.ts (618–1,654 lines lost).
//
// The window is forced here without timing: the collector is stopped (SIGSTOP, or SIGTERM and
// restarted) while both rotations happen, so it cannot notice the first one in between. Each
// rotation is played step by step (copy, lines, truncate) as logrotate's copytruncate and an
// application that keeps writing do it. The copies may be moved into a directory beside the
// file (logrotate's olddir): found by "logrotate copytruncate with olddir …" in
// rotation-programs.test.ts under load (2,850 lines of the generation between lost).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { assertVerdict, judge, seqLines, settle, withRig, type Rig } from './helpers/chaos.js';

/**
 * app.log holds 1..100 and is read; copied to app.log.1 (copy A); 101..110 are written and read
 * (past copy A's end); `pause()`; truncate, 111..150 (generation B, never seen); app.log.1 →
 * app.log.2, copy B → app.log.1, truncate; 151..170 (generation C).
 */
async function twoCopytruncates(rig: Rig, pause: () => Promise<void>, copies = rig.dir): Promise<void> {
  appendFileSync(rig.log, seqLines(1, 100));
  await rig.startCollector();
  await settle(rig.server.url, 100, { quietMs: 10_000 });
  copyFileSync(rig.log, join(copies, 'app.log.1'));
  appendFileSync(rig.log, seqLines(101, 110));
  await settle(rig.server.url, 110, { quietMs: 10_000 });
  await pause();
  truncateSync(rig.log, 0);
  appendFileSync(rig.log, seqLines(111, 150));
  renameSync(join(copies, 'app.log.1'), join(copies, 'app.log.2'));
  copyFileSync(rig.log, join(copies, 'app.log.1'));
  truncateSync(rig.log, 0);
  appendFileSync(rig.log, seqLines(151, 170));
}

test('two copytruncates while the collector is stalled, the first copy ending before what it read: the generation between them is read from its copy, every line once', async (t) => {
  await withRig({}, async (rig) => {
    await twoCopytruncates(rig, async () => {
      rig.collector!.proc.kill('SIGSTOP');
    });
    rig.collector!.proc.kill('SIGCONT');
    const all = await rig.finish(170, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last: 170 }), 'two copytruncates while stalled, short first copy', { notes: rig.notes() });
  });
});

test('two copytruncates while the collector is stopped, the first copy ending before the checkpoint: the generation between them is read from its copy, every line once', async (t) => {
  await withRig({}, async (rig) => {
    await twoCopytruncates(rig, async () => {
      assert.equal(await rig.stopCollector('SIGTERM'), 0);
    });
    await rig.startCollector();
    const all = await rig.finish(170, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last: 170 }), 'two copytruncates while stopped, short first copy', { notes: rig.notes() });
  });
});

test('the same with the copies moved into a directory beside the file (logrotate olddir): the generation between is found there too', async (t) => {
  await withRig({}, async (rig) => {
    const old = join(rig.dir, 'old');
    mkdirSync(old);
    await twoCopytruncates(
      rig,
      async () => {
        rig.collector!.proc.kill('SIGSTOP');
      },
      old,
    );
    rig.collector!.proc.kill('SIGCONT');
    const all = await rig.finish(170, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last: 170 }), 'two copytruncates into olddir while stalled', { notes: rig.notes() });
  });
});
