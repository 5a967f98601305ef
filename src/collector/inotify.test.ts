// The native inotify (native/inotify.c through inotify.ts), on real files: directories report
// names and no writes, a file's write watch fires once per arming and follows the inode through
// a rename, and a missing directory is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inotify, inotifyAddon } from './inotify.js';

const { addon, why } = inotifyAddon();
const skip = addon ? false : `no native inotify: ${why}`;

/**
 * An Inotify on a fresh directory; `events` collects directory events as "dir:name" strings.
 * `drained()` proves that every event queued so far was delivered: inotify hands one
 * descriptor's events over in order, so once a file created in a watched side directory has
 * been reported, whatever was queued before it has been too.
 */
function setup(t: { after(fn: () => void): void }) {
  const root = mkdtempSync(join(tmpdir(), 'logpipe-inotify-'));
  const side = join(root, '.sentinel');
  mkdirSync(side);
  const events: string[] = [];
  let wake: (() => void) | null = null;
  const ino = new Inotify(addon!, (dir, name) => {
    events.push(`${dir === root ? 'root' : dir === side ? 'side' : dir}:${name ?? '(dir)'}`);
    wake?.();
  });
  ino.watchDir(side);
  t.after(() => {
    ino.close();
    rmSync(root, { recursive: true, force: true });
  });
  /** Resolves once `cond()` holds, re-checked at each event; fails after 5 s. */
  const until = (cond: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (cond()) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; events: ${events.join(' ')}`)), 5000);
      wake = () => {
        if (!cond()) return;
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });
  let sentinels = 0;
  const drained = async () => {
    const name = `s${++sentinels}`;
    writeFileSync(join(side, name), '');
    await until(() => events.includes(`side:${name}`), 'the sentinel event');
  };
  /** The events of `root` alone. */
  const inRoot = () => events.filter((e) => e.startsWith('root:'));
  return { root, ino, events, until, drained, inRoot, poke: () => wake?.() };
}

test('a directory watch reports creations, renames and deletions by name, and no writes', { skip }, async (t) => {
  const { root, ino, until, drained, inRoot } = setup(t);
  const path = join(root, 'app.log');
  writeFileSync(path, 'one\n');
  ino.watchDir(root);
  appendFileSync(path, 'two\n');
  appendFileSync(path, 'three\n');
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'new\n');
  unlinkSync(`${path}.1`);
  await until(() => inRoot().length >= 4, 'four events');
  await drained();
  assert.deepEqual(inRoot(), ['root:app.log', 'root:app.log.1', 'root:app.log', 'root:app.log.1']);
});

test('a write watch fires once per arming, at the next write or truncation, and follows the inode through a rename', { skip }, async (t) => {
  const { root, ino, until, drained, poke } = setup(t);
  const path = join(root, 'app.log');
  writeFileSync(path, 'one\n');
  const fd = openSync(path, 'r');
  t.after(() => closeSync(fd));
  let fired = 0;
  const onWrite = () => {
    fired++;
    poke();
  };
  assert.notEqual(ino.armWrite(fd, onWrite), -1);
  await drained();
  assert.equal(fired, 0, 'fired without a write');
  appendFileSync(path, 'two\n');
  appendFileSync(path, 'three\n');
  await until(() => fired === 1, 'the first write');
  await drained();
  const read = ino.eventsRead;
  appendFileSync(path, 'four\n');
  await drained();
  assert.equal(fired, 1, 'a one-shot watch fired again without being armed');
  // The kernel dropped the watch with its event: the write made no event at all (only the
  // sentinel did), so a file that keeps growing does not wake the process.
  assert.equal(ino.eventsRead - read, 1, 'the kernel still reported writes after the one-shot fired');

  // Renamed, and a new file at the path: the watch is on the open file, not the name.
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'other file\n');
  ino.armWrite(fd, onWrite);
  appendFileSync(path, 'to the new file\n');
  await drained();
  assert.equal(fired, 1, 'a write to the file now at the path fired the watch of the renamed one');
  appendFileSync(`${path}.1`, 'to the renamed file\n');
  await until(() => fired === 2, 'a write to the renamed file');

  ino.armWrite(fd, onWrite);
  truncateSync(`${path}.1`, 0);
  await until(() => fired === 3, 'the truncation');
});

test('a disarmed write watch does not fire', { skip }, async (t) => {
  const { root, ino } = setup(t);
  const path = join(root, 'app.log');
  writeFileSync(path, 'one\n');
  const fd = openSync(path, 'r');
  t.after(() => closeSync(fd));
  let fired = 0;
  const onWrite = () => fired++;
  const wd = ino.armWrite(fd, onWrite);
  ino.disarmWrite(wd, onWrite);
  appendFileSync(path, 'two\n');
  // A second watch armed after the write proves the queue was read: it fires, the first does not.
  let second = false;
  ino.armWrite(fd, () => (second = true));
  appendFileSync(path, 'three\n');
  for (let i = 0; i < 200 && !second; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(second, true, 'the second watch never fired');
  assert.equal(fired, 0);
});

test('watching a missing directory throws ENOENT, and a file is not a directory', { skip }, (t) => {
  const { root, ino } = setup(t);
  assert.throws(() => ino.watchDir(join(root, 'missing')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT' && err.message.includes('missing'));
  writeFileSync(join(root, 'f'), '');
  assert.throws(() => ino.watchDir(join(root, 'f')), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
  assert.equal(ino.watchesDir(join(root, 'missing')), false);
});

test('a watched directory that is removed reports itself (name null) and is no longer watched', { skip }, async (t) => {
  const { root, ino, events, until } = setup(t);
  const sub = join(root, 'sub');
  mkdirSync(sub);
  ino.watchDir(sub);
  rmSync(sub, { recursive: true });
  await until(() => !ino.watchesDir(sub), 'the watch to end');
  assert.ok(events.includes(`${sub}:(dir)`), events.join(' '));
});
