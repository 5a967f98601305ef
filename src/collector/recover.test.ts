import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fingerprintBytes } from './fingerprint.js';
import { shortHash, windowStart } from './identity.js';
import { CopyGone, findCopy, isRotatedName, newerCopies, stemOf, unseenGenerations } from './recover.js';

function wantOf(path: string, content: Buffer, offset: number) {
  return {
    path,
    fingerprint: fingerprintBytes(content, content.length, true)!,
    offset,
    window: offset > 0 ? shortHash(content.subarray(windowStart(offset), offset)) : '',
    exclude: new Set<string>(),
  };
}

async function readAll(copy: NonNullable<Awaited<ReturnType<typeof findCopy>>>, from: number): Promise<string> {
  let s = '';
  for await (const [buf] of copy.read(from)) s += buf.toString();
  return s;
}

const lines = (a: number, b: number, tag = '') => Array.from({ length: b - a + 1 }, (_, i) => `${tag}seq=${a + i} some text\n`).join('');

/** Runs `fn` in a new temporary directory and removes it afterwards. */
async function withDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** app.log.1 is a copy of content 1..200 of which 1..120 were read; app.log holds new content. */
function copied(dir: string) {
  const old = Buffer.from(lines(1, 200));
  const offset = Buffer.byteLength(lines(1, 120));
  writeFileSync(join(dir, 'app.log.1'), old);
  writeFileSync(join(dir, 'app.log'), 'new content\n');
  return { old, offset, want: wantOf(join(dir, 'app.log'), old, offset) };
}

test('stems: app.log, app.log.1, app-2026.log and app.1.log share "app"', () => {
  assert.equal(stemOf('/x/app.log'), 'app');
  assert.equal(stemOf('/x/app'), 'app');
});

test('a copytruncate copy is found by content (first line + window), plain or gzipped, and read from the offset', () =>
  withDir('logpipe-recover-', async (dir) => {
    const old = Buffer.from(lines(1, 200));
    const offset = Buffer.byteLength(lines(1, 120));
    // A copy with the same first line but other content (a rewrite) must not match.
    writeFileSync(join(dir, 'app.log.2'), lines(1, 1) + lines(2, 300, 'x'));
    symlinkSync(join(dir, 'gone'), join(dir, 'app.log.0')); // dangling symlink listed first
    writeFileSync(join(dir, 'app.log.1'), old);
    writeFileSync(join(dir, 'app.log'), 'new content\n');
    const want = wantOf(join(dir, 'app.log'), old, offset);
    const copy = await findCopy(want);
    assert.ok(copy, 'found');
    assert.equal(copy.path, join(dir, 'app.log.1'));
    assert.equal(await readAll(copy, offset), lines(121, 200));

    rmSync(join(dir, 'app.log.1'));
    writeFileSync(join(dir, 'app.log.1.gz'), gzipSync(old));
    const gz = await findCopy(want);
    assert.ok(gz?.compressed, 'found the gzipped copy');
    assert.equal(await readAll(gz, offset), lines(121, 200));
    assert.equal(await readAll(gz, 0), readFileSync(join(dir, 'app.log.2'), 'utf8').slice(0, 0) + lines(1, 200));
  }));

test('a copy that olddir moved into a directory under the log\'s is found by content; newer whole copies are taken from that directory, not from others', () =>
  withDir('logpipe-recover-', async (dir) => {
    const old = Buffer.from(lines(1, 200));
    const offset = Buffer.byteLength(lines(1, 120));
    mkdirSync(join(dir, 'archive'));
    writeFileSync(join(dir, 'archive', 'app.log.1'), old);
    writeFileSync(join(dir, 'app.log'), 'new content\n');
    const copy = await findCopy(wantOf(join(dir, 'app.log'), old, offset));
    assert.equal(copy?.path, join(dir, 'archive', 'app.log.1'));
    assert.equal(await readAll(copy!, offset), lines(121, 200));
    // A whole unknown file is trusted as a rotated copy in the log's own directory and in the
    // one its copies are seen to go to (a generation copied away there unseen), not elsewhere.
    const later = new Date(Date.now() + 60_000);
    mkdirSync(join(dir, 'elsewhere'));
    for (const d of ['archive', 'elsewhere']) {
      writeFileSync(join(dir, d, 'app.log.2'), lines(1, 50, `${d} `));
      utimesSync(join(dir, d, 'app.log.2'), later, later);
    }
    const newer = await newerCopies(join(dir, 'app.log'), copy!, () => false, new Set(), '');
    assert.deepEqual(newer.map((c) => c.path), [join(dir, 'archive', 'app.log.2')]);
  }));

test('no copy: nothing matches a shorter copy, another first line, or a different window', () =>
  withDir('logpipe-recover-', async (dir) => {
    const old = Buffer.from(lines(1, 200));
    const offset = Buffer.byteLength(lines(1, 120));
    writeFileSync(join(dir, 'app.log.1'), lines(1, 100)); // shorter than the offset
    writeFileSync(join(dir, 'app.log.2'), lines(5, 300)); // another first line
    writeFileSync(join(dir, 'app.log.3'), lines(1, 60) + lines(61, 300, 'y')); // same head, other window
    writeFileSync(join(dir, 'other.log.1'), old); // another stem
    assert.equal(await findCopy(wantOf(join(dir, 'app.log'), old, offset)), null);
  }));

test('a copy renamed by a rotation while the search lists the directory (app.log.1 → app.log.2) is still found', () =>
  withDir('logpipe-recover-', async (dir) => {
    const { offset, want } = copied(dir);
    let renamed = false;
    const copy = await findCopy(want, {
      // The listing said app.log.1; before it is looked at, logrotate moves it on.
      afterList: () => {
        if (!renamed) renameSync(join(dir, 'app.log.1'), join(dir, 'app.log.2'));
        renamed = true;
      },
    });
    assert.ok(copy, 'found on a second look');
    assert.equal(copy.path, join(dir, 'app.log.2'));
    assert.equal(await readAll(copy, offset), lines(121, 200));
  }));

test('a found copy renamed by the next rotation before it is read is read under its new name, not the file that took its old one; a deleted one is reported', () =>
  withDir('logpipe-recover-', async (dir) => {
    const { offset, want } = copied(dir);
    const copy = await findCopy(want);
    assert.ok(copy, 'found');
    // The next copytruncate: app.log.1 → app.log.2, then a copy of the next generation as app.log.1.
    renameSync(join(dir, 'app.log.1'), join(dir, 'app.log.2'));
    writeFileSync(join(dir, 'app.log.1'), lines(201, 400, 'next '));
    assert.equal(await readAll(copy, offset), lines(121, 200));
    rmSync(join(dir, 'app.log.2'));
    await assert.rejects(readAll(copy, offset), CopyGone);
  }));

test('a copy of our content that ends before the offset (copied before the last lines we read) is found as short only when asked with `seen`, plain or gzipped', () =>
  withDir('logpipe-recover-', async (dir) => {
    const read = Buffer.from(lines(1, 120));
    writeFileSync(join(dir, 'app.log.2'), lines(1, 1) + lines(2, 50, 'x')); // same first line, older, other content
    utimesSync(join(dir, 'app.log.2'), new Date(1_000_000), new Date(1_000_000));
    writeFileSync(join(dir, 'app.log.1'), lines(1, 100));
    writeFileSync(join(dir, 'app.log'), lines(200, 210));
    const want = wantOf(join(dir, 'app.log'), read, read.length);
    assert.equal(await findCopy(want), null, 'no copy holds the offset');
    const short = await findCopy({ ...want, seen: read.length });
    assert.equal(short?.path, join(dir, 'app.log.1'), 'the newest copy starting with our first line');
    assert.equal(short?.short, true);
    assert.equal(short?.size, Buffer.byteLength(lines(1, 100)));
    rmSync(join(dir, 'app.log.1'));
    rmSync(join(dir, 'app.log.2'));
    writeFileSync(join(dir, 'app.log.1.gz'), gzipSync(lines(1, 100)));
    const gz = await findCopy({ ...want, seen: read.length });
    assert.equal(gz?.short, true);
    assert.equal(gz?.compressed, true);
  }));

test('copies newer than the found one are read, except a copy of the generation the file holds now and another application\'s file sharing the stem', () =>
  withDir('logpipe-recover-', async (dir) => {
    const old = Buffer.from(lines(1, 200));
    writeFileSync(join(dir, 'app.log.2'), old);
    utimesSync(join(dir, 'app.log.2'), new Date(1_000_000), new Date(1_000_000));
    const copy = await findCopy(wantOf(join(dir, 'app.log'), old, 100));
    assert.ok(copy);
    // A whole generation copied away unseen, and a copy (made by a rotation under way) of what
    // app.log holds now.
    writeFileSync(join(dir, 'app.log.1'), lines(201, 260));
    writeFileSync(join(dir, 'app.log.0'), lines(261, 300));
    writeFileSync(join(dir, 'app-worker.log'), lines(1, 50, 'worker ')); // not a name a rotation gives
    writeFileSync(join(dir, 'app.log'), lines(261, 320));
    const current = fingerprintBytes(Buffer.from(lines(261, 320)), 100, false)!;
    const between = await newerCopies(join(dir, 'app.log'), copy, () => false, new Set(), current);
    assert.deepEqual(
      between.map((c) => c.path),
      [join(dir, 'app.log.1')],
    );
  }));

test('rotated names of app.log: app.log.1, app.log-20261130, app.log.1.gz, app.1.log, app-20261130.log; not apple.log or app.logger', () => {
  for (const name of ['app.log.1', 'app.log-20261130', 'app.log.1.gz', 'app.log_old', 'app.1.log', 'app-20261130.log']) assert.ok(isRotatedName(name, 'app.log'), name);
  for (const name of ['app.log', 'apple.log', 'app.logger', 'app-server.log', 'other.log.1']) assert.ok(!isRotatedName(name, 'app.log'), name);
});

/**
 * Writes a file and waits until the file system's clock has moved on to a later whole
 * millisecond (what unseenGenerations compares), so that the next file is born later. The clock
 * is coarse (it moves every few ms) unless the kernel hands out fine-grained stamps, as it may
 * right after a stat: then two births can fall within one millisecond.
 */
async function born(path: string, content: string | Buffer): Promise<number> {
  writeFileSync(path, content);
  const birth = statSync(path).birthtimeMs;
  const probe = `${path}.probe`;
  for (;;) {
    writeFileSync(probe, '');
    const later = Math.floor(statSync(probe).birthtimeMs) > Math.floor(birth);
    rmSync(probe);
    if (later || birth === 0) return birth;
    await new Promise((r) => setTimeout(r, 1));
  }
}

test('files a path held between two known ones are found by birth time: not older archives, not later copies, not copies of known content (plain or gzip), compressed ones only reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-unseen-'));
  try {
    const path = join(dir, 'app.log');
    await born(join(dir, 'app.log.9'), lines(1, 10)); // an archive from before we knew the path
    const first = await born(join(dir, 'app.log.3'), lines(11, 20)); // the file we knew (rotated twice since)
    if (first === 0) return t.skip('no birth times on this file system');
    await born(join(dir, 'app.log.2'), lines(21, 30)); // unseen
    const copied = Buffer.from(lines(11, 20));
    await born(join(dir, 'app.log.3.copy'), copied); // a copy of content we know, made meanwhile
    await born(join(dir, 'app.log.2.gz'), gzipSync(lines(31, 40))); // compressed: reported, not read
    await born(join(dir, 'app.log.4.gz'), gzipSync(copied)); // a compressed copy of content we know: left alone
    await born(join(dir, 'app.log.1'), lines(41, 50)); // unseen
    await born(join(dir, 'apple.log.1'), lines(51, 60)); // another application's file
    const now = await born(path, lines(61, 70)); // the file at the path now
    await born(join(dir, 'app.log.1.gz'), gzipSync(lines(41, 50))); // compressed after the new file: a later copy
    const knownKeys = new Set([statSync(join(dir, 'app.log.3')), statSync(path)].map((st) => `${st.dev}:${st.ino}:${Math.floor(st.birthtimeMs)}`));
    const contents = [wantOf(join(dir, 'app.log.3'), copied, copied.length)];
    const { files, skipped } = await unseenGenerations(path, first, now, (key) => knownKeys.has(key), contents);
    assert.deepEqual(files.map((f) => f.path), [join(dir, 'app.log.2'), join(dir, 'app.log.1')]);
    assert.deepEqual(skipped.map((f) => f.path), [join(dir, 'app.log.2.gz')]);
    // The new file born a fraction of a millisecond after app.log.1 (two rotations within one
    // millisecond, with fine-grained stamps): app.log.1 is still between.
    const b1 = statSync(join(dir, 'app.log.1')).birthtimeMs;
    const soon = b1 + 0.001;
    if (Math.floor(soon) === Math.floor(b1)) {
      const close = await unseenGenerations(path, first, soon, (key) => knownKeys.has(key), contents);
      assert.deepEqual(close.files.map((f) => f.path), [join(dir, 'app.log.2'), join(dir, 'app.log.1')]);
    }
    // Nothing known at the path before: nothing to look for.
    assert.deepEqual((await unseenGenerations(path, 0, now, () => false, [])).files, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
