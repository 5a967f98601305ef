import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint, STATE_VERSION, type FileState } from './checkpoint.js';

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
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, STATE_VERSION);
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
  await cp.flush();
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
