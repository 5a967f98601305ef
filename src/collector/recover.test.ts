import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fingerprintBytes } from './fingerprint.js';
import { shortHash, windowStart } from './identity.js';
import { findCopy, newerCopies, stemOf } from './recover.js';

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

test('stems: app.log, app.log.1, app-2026.log and app.1.log share "app"', () => {
  assert.equal(stemOf('/x/app.log'), 'app');
  assert.equal(stemOf('/x/app'), 'app');
});

test('a copytruncate copy is found by content (first line + window), plain or gzipped, and read from the offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-recover-'));
  try {
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no copy: nothing matches a shorter copy, another first line, or a different window', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-recover-'));
  try {
    const old = Buffer.from(lines(1, 200));
    const offset = Buffer.byteLength(lines(1, 120));
    writeFileSync(join(dir, 'app.log.1'), lines(1, 100)); // shorter than the offset
    writeFileSync(join(dir, 'app.log.2'), lines(5, 300)); // another first line
    writeFileSync(join(dir, 'app.log.3'), lines(1, 60) + lines(61, 300, 'y')); // same head, other window
    writeFileSync(join(dir, 'other.log.1'), old); // another stem
    assert.equal(await findCopy(wantOf(join(dir, 'app.log'), old, offset)), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a copy renamed by a rotation while the search lists the directory (app.log.1 → app.log.2) is still found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-recover-'));
  try {
    const old = Buffer.from(lines(1, 200));
    const offset = Buffer.byteLength(lines(1, 120));
    writeFileSync(join(dir, 'app.log.1'), old);
    writeFileSync(join(dir, 'app.log'), 'new content\n');
    let renamed = false;
    const copy = await findCopy(wantOf(join(dir, 'app.log'), old, offset), {
      // The listing said app.log.1; before it is looked at, logrotate moves it on.
      afterList: () => {
        if (!renamed) renameSync(join(dir, 'app.log.1'), join(dir, 'app.log.2'));
        renamed = true;
      },
    });
    assert.ok(copy, 'found on a second look');
    assert.equal(copy.path, join(dir, 'app.log.2'));
    assert.equal(await readAll(copy, offset), lines(121, 200));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('copies newer than the found one are read, except a copy of the generation the file holds now', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-recover-'));
  try {
    const old = Buffer.from(lines(1, 200));
    writeFileSync(join(dir, 'app.log.2'), old);
    utimesSync(join(dir, 'app.log.2'), new Date(1_000_000), new Date(1_000_000));
    const copy = await findCopy(wantOf(join(dir, 'app.log'), old, 100));
    assert.ok(copy);
    // A whole generation copied away unseen, and a copy (made by a rotation under way) of what
    // app.log holds now.
    writeFileSync(join(dir, 'app.log.1'), lines(201, 260));
    writeFileSync(join(dir, 'app.log.0'), lines(261, 300));
    writeFileSync(join(dir, 'app.log'), lines(261, 320));
    const current = fingerprintBytes(Buffer.from(lines(261, 320)), 100, false)!;
    const between = await newerCopies(join(dir, 'app.log'), copy, () => false, new Set(), current);
    assert.deepEqual(
      between.map((c) => c.path),
      [join(dir, 'app.log.1')],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
