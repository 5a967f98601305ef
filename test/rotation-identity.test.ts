// Identity and checkpoint cases of issue 9: files truncated and rewritten in place with the same
// first line, a checkpoint deleted after a copytruncate, a rotation while the collector was
// stopped with dangling symlinks in the directory, and what the collector re-sends across a
// restart (a recording sink sees every send, not only the records it keeps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogRotate } from './helpers/logrotate.js';
import { assertVerdict, judge, Rig, seqLines, settle, startReadyCollector, storedCount, waitForCount, withRig } from './helpers/chaos.js';
import { RecordingSink } from './helpers/recording-sink.js';
import { makeTempDir, startServer } from './helpers/server.js';
import { readStateFile } from '../src/collector/checkpoint.js';

/** The first line of every generation in the "same first line" cases (no seq). */
const HEADER = '2026-11-28 03:29:09.000 - [INFO]: app v1.4.2 starting, config /etc/app.conf';



test('a file truncated and rewritten in place with the same first line, five times, collector running: every line once', async (t) => {
  await withRig({}, async (rig) => {
    writeFileSync(rig.log, HEADER + '\n' + seqLines(1, 500));
    const ino = statSync(rig.log).ino;
    await rig.startCollector();
    let last = 500;
    let records = 501;
    await settle(rig.server.url, records, { quietMs: 10_000 });
    // Each new content is longer than the one before, so the size never drops below the
    // collector's offset: only the content tells that the file restarted.
    for (let k = 1; k <= 5; k++) {
      const size = 500 * (k + 1);
      writeFileSync(rig.log, HEADER + '\n' + seqLines(last + 1, last + size)); // O_TRUNC: same inode
      last += size;
      records += 1 + size;
      await settle(rig.server.url, records, { quietMs: 10_000 });
    }
    assert.equal(statSync(rig.log).ino, ino, 'the file was rewritten in place');
    const all = await rig.finish(records, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last, header: HEADER }), 'truncate+rewrite x5, same first line, running', { headers: 6, notes: rig.notes() });
  });
});

test('a file truncated and rewritten in place with the same first line while the collector is stopped: every line once', async (t) => {
  await withRig({}, async (rig) => {
    writeFileSync(rig.log, HEADER + '\n' + seqLines(1, 1000));
    await rig.startCollector();
    await settle(rig.server.url, 1001, { quietMs: 10_000 });
    assert.equal(await rig.stopCollector('SIGTERM'), 0, 'the collector stops cleanly');
    writeFileSync(rig.log, HEADER + '\n' + seqLines(1001, 4000));
    await rig.startCollector();
    const all = await rig.finish(4002, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last: 4000, header: HEADER }), 'truncate+rewrite, same first line, stopped', { headers: 2, notes: rig.notes() });
  });
});

for (const sameFirstLine of [false, true]) {
  const name = sameFirstLine ? 'same first line' : 'new first line';
  test(`checkpoint deleted after a copytruncate (${name}): every line once`, async (t) => {
    await withRig({}, async (rig) => {
      const head = sameFirstLine ? HEADER + '\n' : '';
      const headers = sameFirstLine ? 1 : 0;
      writeFileSync(rig.log, head + seqLines(1, 1000));
      await rig.startCollector();
      await settle(rig.server.url, 1000 + headers, { quietMs: 10_000 });
      // copytruncate with nothing writing: app.log.1 holds 1..1000, app.log is emptied in place.
      await new LogRotate(rig.dir, { paths: [rig.log], style: 'copytruncate' }).rotate();
      appendFileSync(rig.log, head + seqLines(1001, 2000));
      await settle(rig.server.url, 2000 + 2 * headers, { quietMs: 10_000 });
      assert.equal(await rig.stopCollector('SIGTERM'), 0, 'the collector stops cleanly');
      rmSync(rig.state);
      appendFileSync(rig.log, seqLines(2001, 4000));
      await rig.startCollector();
      const all = await rig.finish(4000 + 2 * headers, { quietMs: 10_000 });
      assertVerdict(t, judge(all.map((r) => r.message), { last: 4000, header: sameFirstLine ? HEADER : undefined }), `checkpoint deleted after copytruncate, ${name}`, {
        headers: sameFirstLine ? 2 : undefined,
        notes: rig.notes(),
      });
    });
  });
}

test('a file rotated while the collector was stopped, dangling symlinks listed before the rotated copy: every line once', async (t) => {
  await withRig({}, async (rig) => {
    writeFileSync(rig.log, seqLines(1, 15));
    await rig.startCollector();
    await settle(rig.server.url, 15, { quietMs: 10_000 });
    assert.equal(await rig.stopCollector('SIGTERM'), 0, 'the collector stops cleanly');
    appendFileSync(rig.log, seqLines(16, 25)); // unread when the file is rotated
    await new LogRotate(rig.dir, { paths: [rig.log], style: 'create' }).rotate();
    // Dangling symlinks (their targets removed, as after an uninstall) named so that a directory
    // listing puts them before app.log.1 (node's readdir sorts names; so does `ls`).
    for (const name of ['access.log', 'admin.log', 'alerts.log']) symlinkSync(join(rig.dir, 'removed', name), join(rig.dir, name));
    const names = readdirSync(rig.dir);
    assert.ok(names.indexOf('access.log') < names.indexOf('app.log.1'), `precondition: a dangling symlink is listed before app.log.1 (${names.join(' ')})`);
    await rig.startCollector();
    const all = await rig.finish(25, { quietMs: 10_000 });
    assertVerdict(t, judge(all.map((r) => r.message), { last: 25 }), 'rotated while stopped, dangling symlinks', { notes: rig.notes() });
  });
});

test('recording sink: after SIGTERM and a restart the collector sends nothing it had acknowledged', async (t) => {
  const sink = await RecordingSink.start();
  const dir = makeTempDir('logpipe-resend-');
  const log = join(dir, 'app.log');
  const state = join(dir, 'state.json');
  writeFileSync(log, seqLines(1, 3000));
  const args = ['--url', sink.url, '--state', state, '--poll-interval', '100ms', log];
  let c = await startReadyCollector(args);
  try {
    await sink.waitFor(() => sink.kept.length >= 3000, 20_000, '3,000 records');
    assert.equal(await c.stop('SIGTERM'), 0, 'the collector stops cleanly');
    const acked = sink.ackedOffsets();
    const mark = sink.requests;
    appendFileSync(log, seqLines(3001, 4000));
    c = await startReadyCollector(args);
    await sink.waitFor(() => sink.kept.length >= 4000, 20_000, '4,000 records');
    const after = sink.sends.filter((s) => s.request > mark);
    const resent = after.filter((s) => acked.has(s.stream) && s.first <= acked.get(s.stream)!);
    const resentRecords = resent.reduce((n, s) => n + s.count, 0);
    t.diagnostic(`${mark} requests before the restart (acked offsets ${[...acked.values()].join(', ')}); after it ${after.length} sends, ${resent.length} of them re-sending acknowledged offsets (${resentRecords} records)`);
    assert.deepEqual(
      resent.map((s) => ({ request: s.request, first: s.first, last: s.last, count: s.count })),
      [],
      'sends after the restart start after the acknowledged offset',
    );
    assertVerdict(t, judge(sink.kept.map((r) => r.message), { last: 4000 }), 'recording sink, SIGTERM restart');
  } finally {
    await c.stop('SIGKILL');
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recording sink: after SIGKILL with a batch in flight the collector re-sends only the unacknowledged range', async (t) => {
  const server = await startServer();
  const sink = await RecordingSink.start({ forward: server.url });
  const dir = makeTempDir('logpipe-resend-');
  const log = join(dir, 'app.log');
  const state = join(dir, 'state.json');
  writeFileSync(log, seqLines(1, 2000));
  const args = ['--url', sink.url, '--state', state, '--poll-interval', '100ms', log];
  let c = await startReadyCollector(args);
  try {
    await waitForCount(server.url, 2000, 20_000);
    const acked = sink.ackedOffsets();
    assert.equal(acked.size, 1, 'one stream');
    const [[stream, ackedOffset]] = [...acked];
    // The acknowledgement is saved (the checkpoint mentions the offset) before the kill: what
    // the collector may re-send is then only what the server never acknowledged.
    // The state file's per-stream acknowledgements (not the file's read offset, which may be
    // the same number) must name it.
    const saved = await waitForState(state, (s) => s.acked?.[stream] === ackedOffset, 30_000);
    assert.ok(saved, `the state file names the acknowledged offset ${ackedOffset} of stream ${stream}`);
    sink.hold = true;
    appendFileSync(log, seqLines(2001, 3000));
    await sink.waitFor(() => sink.held().length > 0, 10_000, 'a request held in flight');
    const heldFirst = Math.min(...sink.held().map((s) => s.first));
    assert.equal(await c.stop('SIGKILL'), 'SIGKILL');
    await sink.waitFor(() => sink.held().length === 0, 5000, 'the killed collector’s connection to close');
    sink.release();
    const mark = sink.requests;
    c = await startReadyCollector(args);
    const all = await settle(server.url, 3000, { quietMs: 3000 });
    const after = sink.sends.filter((s) => s.request > mark && s.stream === stream);
    const firstAfter = after.length ? Math.min(...after.map((s) => s.first)) : -1;
    t.diagnostic(`acked up to offset ${ackedOffset}; the held request began at ${heldFirst}; after the restart ${after.length} sends of the stream, the first at offset ${firstAfter}; server count ${await storedCount(server.url)}`);
    assert.ok(after.length > 0, 'the unacknowledged range is sent again after the restart');
    assert.ok(firstAfter > ackedOffset, `nothing acknowledged is re-sent (first offset after the restart ${firstAfter}, acknowledged ${ackedOffset})`);
    assert.ok(firstAfter <= heldFirst, `the unacknowledged range is re-sent from its start (first offset after the restart ${firstAfter}, held ${heldFirst})`);
    assertVerdict(t, judge(all.map((r) => r.message), { last: 3000 }), 'recording sink, SIGKILL in flight');
  } finally {
    await c.stop('SIGKILL');
    await sink.close();
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Polls a file until its text matches; false after the timeout (the file may never say it). */
async function waitForState(path: string, ok: (state: ReturnType<typeof readStateFile>) => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (existsSync(path) && ok(readStateFile(path))) return true;
    } catch {
      // Replaced while we read it.
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
