import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint, readStateFile, type FileState } from './checkpoint.js';

function tmp() {
  return mkdtempSync(join(tmpdir(), 'logpipe-cp-'));
}

const entry = (key: string, offset: number): FileState => ({ key, path: '/x/app.log', fingerprint: 'abc', generation: 0, offset, updated: 1 });

test('a missing state file is an empty state; saved state loads back', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const cp = await Checkpoint.load(path, 0);
  assert.deepEqual(cp.entries(), []);
  cp.set(entry('1:2:3', 42));
  await cp.flush();
  const again = await Checkpoint.load(path);
  assert.equal(again.get('1:2:3')?.offset, 42);
  assert.equal(readFileSync(path).subarray(0, 9).toString('latin1'), 'LPSTATE2\n');
  assert.equal(readStateFile(path).files[0].offset, 42);
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temp file is left behind');
  rmSync(dir, { recursive: true });
});

test('state files from another version, damaged or foreign, are refused with a clear error', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  writeFileSync(path, JSON.stringify({ kind: 'logpipe-collector-state', version: 99, files: [] }));
  await assert.rejects(Checkpoint.load(path), (e: any) => e.code === 'LP_ERR_STATE_FILE' && /version 99/.test(e.message));
  writeFileSync(path, '{"kind": "logpipe-coll');
  await assert.rejects(Checkpoint.load(path), (e: any) => e.code === 'LP_ERR_STATE_FILE' && /not valid JSON/.test(e.message));
  writeFileSync(path, '{"hello": 1}');
  await assert.rejects(Checkpoint.load(path), (e: any) => e.code === 'LP_ERR_STATE_FILE' && /not a logpipe collector state file/.test(e.message));
  rmSync(dir, { recursive: true });
});

test('saves are coalesced but the last state always reaches the disk', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const cp = await Checkpoint.load(path, 50);
  for (let i = 1; i <= 500; i++) cp.set(entry('k', i));
  await cp.flush();
  assert.ok(cp.writes <= 3, `${cp.writes} writes for 500 updates`);
  assert.equal((await Checkpoint.load(path)).get('k')?.offset, 500);
  rmSync(dir, { recursive: true });
});

// A child process saves in a tight loop and is SIGKILLed at a random moment: whatever the
// moment, the state file must parse and hold one of the offsets that were saved.
const CHILD = `
import { Checkpoint } from ${JSON.stringify(fileURLToPath(new URL('./checkpoint.ts', import.meta.url)))};
const cp = await Checkpoint.load(process.argv[2], 0);
for (let i = 1; ; i++) {
  cp.set({ key: 'k', path: '/x', fingerprint: 'f'.repeat(2000), generation: 0, offset: i, updated: i });
  // Synced saves (flush) and in-place timer saves in between.
  if (i % 3 === 1) await cp.flush();
  else await new Promise((r) => setTimeout(r, 0));
  if (i === 1) process.stdout.write('saving\\n');
}
`;

test('a state file survives SIGKILL at random moments during saves (atomic replace)', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const script = join(dir, 'child.mts');
  writeFileSync(script, CHILD);
  for (let round = 0; round < 6; round++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      const { spawn } = await import('node:child_process');
      const c = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(script)}, ${JSON.stringify(path)}], { stdio: ['ignore', 'pipe', 'inherit'] });
      c.stdout.once('data', () => setTimeout(() => c.kill('SIGKILL'), ${5 + round * 13}));
      c.on('exit', () => process.exit(0));
    `], { stdio: 'inherit', timeout: 20_000, cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    assert.equal(r.status, 0);
    const cp = await Checkpoint.load(path);
    assert.ok((cp.get('k')?.offset ?? 0) >= 1, `round ${round}: a saved offset is there`);
  }
  rmSync(dir, { recursive: true });
});

test('one collector per state file: a live owner is refused, a stale lock (killed owner) is taken over', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const a = await Checkpoint.load(path);
  a.lock();
  const b = await Checkpoint.load(path);
  // Our own pid is alive, but a lock naming ourselves counts as stale; use the parent's pid.
  writeFileSync(`${path}.lock`, `${process.ppid}\n`);
  assert.throws(() => b.lock(), (e: any) => e.code === 'LP_ERR_STATE_FILE' && /in use by another collector \(pid \d+\)/.test(e.message));
  // A pid that does not exist: the lock is stale and taken over.
  writeFileSync(`${path}.lock`, '2147483646\n');
  b.lock();
  assert.equal(readFileSync(`${path}.lock`, 'utf8').trim(), String(process.pid));
  b.unlock();
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

// A state file written by collectors before the slotted format (version 1, plain JSON; this one
// was saved by main's collector at 43fc728 after shipping three lines).
const V1 = fileURLToPath(new URL('../../test/fixtures/collector-state-v1.json', import.meta.url));

test('a version 1 (plain JSON) state file loads, and the first save upgrades it to the slotted format', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  copyFileSync(V1, path);
  const cp = await Checkpoint.load(path, 0);
  assert.equal(cp.fresh, false);
  assert.deepEqual(cp.entries(), JSON.parse(readFileSync(V1, 'utf8')).files);
  assert.equal(cp.acked.get('f420c17e1d670ea11e7323b6'), 41);
  const e = cp.entries()[0];
  cp.set({ ...e, offset: 60 });
  await cp.flush();
  assert.equal(readFileSync(path).subarray(0, 9).toString('latin1'), 'LPSTATE2\n');
  assert.deepEqual(readdirSync(dir), ['state.json'], 'replaced atomically, no temp file left');
  const again = await Checkpoint.load(path);
  assert.deepEqual(again.get(e.key), { ...e, offset: 60 });
  assert.equal(again.acked.get('f420c17e1d670ea11e7323b6'), 41);
  assert.equal(again.nextNotice(), 1, 'the notice count is kept');
  rmSync(dir, { recursive: true });
});

test('saves write one slot in place; a torn slot falls back to the other one', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const cp = await Checkpoint.load(path, 0, undefined, 60_000);
  cp.set(entry('k', 1));
  await cp.flush(); // creates the file: slot 0, on disk
  const { ino } = statSync(path);
  for (let i = 2; i <= 5; i++) {
    cp.set(entry('k', i));
    await new Promise((r) => setTimeout(r, 5)); // the timer's save (not a flush)
    await cp.flush();
  }
  assert.equal(statSync(path).ino, ino, 'written in place, not replaced');
  assert.equal((await Checkpoint.load(path)).get('k')?.offset, 5);
  // Tear the slot that holds the newest state (its JSON still parses: only the CRC can tell).
  const buf = readFileSync(path);
  const slotSize = buf.readUInt32BE(9);
  const newest = [0, 1].reduce((a, b) => (buf.readDoubleBE(64 + b * slotSize + 8) > buf.readDoubleBE(64 + a * slotSize + 8) ? b : a));
  const at = buf.indexOf('"offset":5', 64 + newest * slotSize) + '"offset":'.length;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from('9'), 0, 1, at);
  closeSync(fd);
  const older = (await Checkpoint.load(path)).get('k')?.offset ?? 0;
  assert.ok(older >= 1 && older < 5, `an older state (${older}) from the intact slot`);
  // Both torn: refused with a clear error, not taken for an empty state.
  const fd2 = openSync(path, 'r+');
  writeSync(fd2, Buffer.from('garbage'), 0, 7, 64 + (1 - newest) * slotSize + 30);
  closeSync(fd2);
  await assert.rejects(Checkpoint.load(path), (e: any) => e.code === 'LP_ERR_STATE_FILE' && /Neither copy/.test(e.message));
  rmSync(dir, { recursive: true });
});

test('timer saves between syncs do not fsync; flush() does', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const cp = await Checkpoint.load(path, 0, undefined, 60_000);
  cp.set(entry('k', 1));
  await cp.flush();
  const syncs = cp.syncs;
  for (let i = 2; i <= 4; i++) {
    cp.set(entry('k', i));
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(cp.writes >= 3, `${cp.writes} writes`);
  assert.equal(cp.syncs, syncs, 'no sync within the sync interval');
  assert.equal(readStateFile(path).files[0].offset, 4, 'yet the file holds the newest state');
  cp.set(entry('k', 5));
  await cp.flush();
  assert.equal(cp.syncs, syncs + 1, 'flush syncs');
  cp.close();
  rmSync(dir, { recursive: true });
});

test('a state that outgrows its slots is moved to a larger file atomically', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const cp = await Checkpoint.load(path, 0);
  cp.set(entry('a', 1));
  await cp.flush();
  const small = statSync(path).size;
  for (let i = 0; i < 200; i++) cp.set({ ...entry(`key-${i}`, i), path: `/var/log/a-rather-long-directory-name/app-${i}.log` });
  await cp.flush();
  assert.ok(statSync(path).size > small, `grew from ${small} to ${statSync(path).size} bytes`);
  const again = await Checkpoint.load(path);
  assert.equal(again.entries().length, 201);
  assert.deepEqual(readdirSync(dir), ['state.json']);
  rmSync(dir, { recursive: true });
});

test('a save between syncs never overwrites the slot synced last: tearing it leaves the synced state', async () => {
  const dir = tmp();
  const path = join(dir, 'state.json');
  const cp = await Checkpoint.load(path, 0, undefined, 60_000);
  cp.set(entry('k', 1));
  await cp.flush(); // file created
  cp.set(entry('k', 2));
  await cp.flush(); // synced: the slot to keep
  cp.set(entry('k', 3));
  await new Promise((r) => setTimeout(r, 5)); // a timer save, not synced
  assert.equal(readStateFile(path).files[0].offset, 3);
  // A power loss tears the unsynced write (here: its slot is zeroed): the synced state is there.
  const buf = readFileSync(path);
  const slotSize = buf.readUInt32BE(9);
  const slot3 = [0, 1].find((i) => buf.readDoubleBE(64 + i * slotSize + 8) === 3)!;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(64), 0, 64, 64 + slot3 * slotSize);
  closeSync(fd);
  assert.equal((await Checkpoint.load(path)).get('k')?.offset, 2);
  cp.close();
  rmSync(dir, { recursive: true });
});
