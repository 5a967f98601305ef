import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Spool, type FrameMeta } from './spool.js';
import { logInto, SILENT } from '../command/logger.js';

function meta(stream: string, lastOffset: number, body: Buffer): FrameMeta {
  return { stream, file: 'f', lastOffset, lines: 1, plainBytes: body.length };
}

test('frames survive a restart in order, with their bodies; acknowledged segments are deleted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-spool-'));
  try {
    const logs: string[] = [];
    let { spool, frames } = Spool.open({ dir, maxBytes: 1 << 30, log: logInto(logs) });
    assert.equal(frames.length, 0);
    const bodies = [1, 2, 3].map((i) => Buffer.from(`{"offset":${i * 10},"message":"line ${i}"}\n`));
    const written = bodies.map((b, i) => spool.append(meta(i === 1 ? 'b' : 'a', (i + 1) * 10, b), [gzipSync(b)]));
    spool.ack(written[0]);
    spool.close();
    ({ spool, frames } = Spool.open({ dir, maxBytes: 1 << 30, log: logInto(logs) }));
    // Acknowledged frames in a segment that still has live ones come back (the server skips them).
    assert.deepEqual(frames.map((f) => [f.stream, f.lastOffset]), [['a', 10], ['b', 20], ['a', 30]]);
    assert.deepEqual(frames.map((f) => gunzipSync(Buffer.concat(spool.body(f))).toString()), bodies.map(String));
    for (const f of frames) spool.ack(f);
    assert.equal(readdirSync(dir).length, 0, 'a fully acknowledged recovered segment is deleted');
    assert.equal(logs.length, 0);
    spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn frame at the end of a segment (crash mid-write) is cut off and said; the frames before it survive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-spool-'));
  try {
    let { spool } = Spool.open({ dir, maxBytes: 1 << 30, log: SILENT });
    const b = Buffer.from('{"offset":5,"message":"x"}\n');
    spool.append(meta('a', 5, b), [gzipSync(b)]);
    spool.append(meta('a', 9, b), [gzipSync(b)]);
    spool.close();
    const seg = join(dir, readdirSync(dir)[0]);
    const size = statSync(seg).size;
    truncateSync(seg, size - 7);
    const logs: string[] = [];
    let frames;
    ({ spool, frames } = Spool.open({ dir, maxBytes: 1 << 30, log: logInto(logs) }));
    assert.deepEqual(frames.map((f) => f.lastOffset), [5]);
    assert.match(logs.join('\n'), /ends in a partial or damaged frame/);
    // Garbage appended (a damaged header) is cut as well.
    spool.close();
    appendFileSync(seg, Buffer.from('garbage that is not a frame header'));
    ({ spool, frames } = Spool.open({ dir, maxBytes: 1 << 30, log: logInto(logs) }));
    assert.deepEqual(frames.map((f) => f.lastOffset), [5]);
    spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the spool says it is full at --spool-max and has room again once frames are acknowledged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-spool-'));
  try {
    const { spool } = Spool.open({ dir, maxBytes: 64 * 1024, log: SILENT });
    const b = Buffer.alloc(20 * 1024, 'a');
    const frames = [];
    while (!spool.full) frames.push(spool.append(meta('a', frames.length + 1, b), [b]));
    assert.ok(frames.length >= 3 && frames.length <= 4, `${frames.length} frames`);
    // The current segment stays until a new one is started; bytes count what is on disk.
    for (const f of frames) spool.ack(f);
    spool.append(meta('a', 99, b), [b]);
    spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sync() writes to disk only while a frame appended since the last sync is unacknowledged (rule 1 of checkpoint.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-spool-'));
  try {
    const { spool } = Spool.open({ dir, maxBytes: 1 << 30, log: SILENT });
    const body = Buffer.from('{"message":"x"}\n');
    const a = spool.append(meta('a', 10, body), [gzipSync(body)]);
    spool.ack(a);
    spool.sync();
    assert.equal(spool.syncs, 0, 'the server holds the only frame appended: no sync needed');
    const b = spool.append(meta('a', 20, body), [gzipSync(body)]);
    spool.sync();
    assert.equal(spool.syncs, 1, 'an unacknowledged frame is synced before the state may claim it');
    spool.ack(b);
    const c = spool.append(meta('a', 30, body), [gzipSync(body)]);
    const d = spool.append(meta('a', 40, body), [gzipSync(body)]);
    spool.ack(c);
    spool.sync();
    assert.equal(spool.syncs, 2, 'one of two new frames is unacknowledged');
    spool.ack(d);
    spool.sync();
    assert.equal(spool.syncs, 2, 'nothing new since');
    spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
