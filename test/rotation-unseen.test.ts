// A file that lived at the tailed path only between two rotations, and that the collector never
// saw there: it was killed (or stalled) right after the first rotation, before it had looked at
// the new file, and the second rotation renamed that file away (app.log → app.log.1) while it
// was down. A literal path (or a glob that does not match rotated names) never names it again.
// Found under load by "collector SIGKILLed 50 ms after a rename rotation …" in
// rotation-faults.test.ts (1,656 lines lost, all still in app.log.1): on a busy machine 50 ms
// was not enough for the collector to notice the new file. (issue 9)
//
// The window is forced here without timing: the collector is stopped (SIGSTOP) before the first
// rotation, so it cannot have seen the file in between, whatever the load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogRotate } from './helpers/logrotate.js';
import { assertVerdict, judge, Rig, seqLines, settle, withRig } from './helpers/chaos.js';



/**
 * app.log holds 1..100 and is read; the collector is stopped; rotation 1 (app.log → app.log.1, a
 * new app.log that gets 101..300); `between` (kill the stopped collector, or nothing); rotation 2
 * (the unseen file → app.log.1, the first → app.log.2, a third app.log that gets 301..400).
 */
async function twoRotationsUnseen(rig: Rig, rot: LogRotate, between: () => Promise<void>): Promise<{ unseenIno: number }> {
  writeFileSync(rig.log, seqLines(1, 100));
  await rig.startCollector();
  await settle(rig.server.url, 100, { quietMs: 10_000 });
  rig.collector!.proc.kill('SIGSTOP');
  await rot.rotate();
  appendFileSync(rig.log, seqLines(101, 300));
  const unseenIno = statSync(rig.log).ino;
  await between();
  await rot.rotate();
  assert.equal(statSync(join(rig.dir, 'app.log.1')).ino, unseenIno, 'precondition: the file the collector never saw is app.log.1 now');
  appendFileSync(rig.log, seqLines(301, 400));
  return { unseenIno };
}

for (const pattern of ['literal path', 'glob that rotated names do not match'] as const) {
  const o = pattern === 'literal path' ? {} : { pattern: (dir: string) => join(dir, '*.log') };

  test(`collector killed before it saw the file a rotation created, which a second rotation renamed while it was down (${pattern}): every line once`, async (t) => {
    await withRig(o, async (rig) => {
      const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create' });
      await twoRotationsUnseen(rig, rot, async () => {
        assert.equal(await rig.stopCollector('SIGKILL'), 'SIGKILL');
      });
      await rig.startCollector();
      const all = await rig.finish(400, { quietMs: 10_000 });
      assertVerdict(t, judge(all.map((r) => r.message), { last: 400 }), `killed before seeing the new file, rotated again while down (${pattern})`, { notes: rig.notes() });
    });
  });

  test(`collector stalled across two rotations, the file between them never seen at its path (${pattern}): every line once`, async (t) => {
    await withRig(o, async (rig) => {
      const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create' });
      await twoRotationsUnseen(rig, rot, async () => {});
      rig.collector!.proc.kill('SIGCONT');
      const all = await rig.finish(400, { quietMs: 10_000 });
      assertVerdict(t, judge(all.map((r) => r.message), { last: 400 }), `stalled across two rotations (${pattern})`, { notes: rig.notes() });
    });
  });
}

test('older rotated copies that existed before the collector first started are not read by the unseen-file search', async (t) => {
  await withRig({ createLog: false }, async (rig) => {
    // History from before the collector: app.log.2 and app.log.1 (with --from beginning only
    // the live file is read; a literal path never named the old copies).
    writeFileSync(join(rig.dir, 'app.log.2'), seqLines(1, 50));
    writeFileSync(join(rig.dir, 'app.log.1'), seqLines(51, 100));
    writeFileSync(rig.log, seqLines(101, 200));
    const rot = new LogRotate(rig.dir, { paths: [rig.log], style: 'create' });
    await rig.startCollector();
    await settle(rig.server.url, 100, { quietMs: 10_000 });
    assert.equal(await rig.stopCollector('SIGKILL'), 'SIGKILL');
    await rot.rotate(); // app.log (101..200) → app.log.1 while the collector is down
    appendFileSync(rig.log, seqLines(201, 300));
    await rig.startCollector();
    const all = await rig.finish(200, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { first: 101, last: 300 }), 'pre-existing copies left alone', { notes: rig.notes() });
  });
});

/** Writes seq lines first..last through Python's RotatingFileHandler (it renames app.log → app.log.1 … itself). */
function pythonWrite(log: string, first: number, last: number, maxBytes: number): void {
  const script = [
    'import logging, logging.handlers, sys',
    'path, first, last, max_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])',
    'h = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=50)',
    "h.setFormatter(logging.Formatter('%(message)s'))",
    "log = logging.getLogger('seq'); log.addHandler(h); log.setLevel(logging.INFO)",
    'for line in sys.stdin.read().splitlines(): log.info(line)',
    'h.close()',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, log, String(first), String(last), String(maxBytes)], { input: seqLines(first, last) });
  assert.equal(r.status, 0, `python3 failed: ${r.stderr}`);
}

test('Python RotatingFileHandler rotates several times while the collector is stopped, then killed: every generation read once', async (t) => {
  await withRig({}, async (rig) => {
    const maxBytes = Buffer.byteLength(seqLines(1, 200));
    pythonWrite(rig.log, 1, 150, maxBytes);
    await rig.startCollector();
    await settle(rig.server.url, 150, { quietMs: 10_000 });
    rig.collector!.proc.kill('SIGSTOP');
    pythonWrite(rig.log, 151, 900, maxBytes); // about four rotations, none seen by the collector
    assert.equal(await rig.stopCollector('SIGKILL'), 'SIGKILL');
    pythonWrite(rig.log, 901, 1000, maxBytes);
    await rig.startCollector();
    const all = await rig.finish(1000, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last: 1000 }), 'RotatingFileHandler, rotations while stopped, then killed', { notes: rig.notes() });
  });
});
