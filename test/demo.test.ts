// `logpipe demo` end to end: the real CLI starts a server, generators and a collector; lines
// from several sources arrive through the query API; SIGINT stops everything with exit 0 and
// leaves no process behind. Needs a fresh `npm run build:node`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { BIN, makeTempDir } from './helpers/server.js';
import { extractRecordSeq } from '../src/generator/lines.js';

const ENV = { ...process.env, LOGPIPE_LOG_LEVEL: 'warn', LOGPIPE_PORT: '', LOGPIPE_DATA: '', LOGPIPE_RATE: '' };

/** Pids of live processes whose command line mentions `needle` (our children carry the data dir). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmd.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

interface ApiRecord {
  id: number;
  source: string;
  level: string;
  message: string;
  attrs: Record<string, unknown> | null;
}

test('demo: lines from several sources reach the server; SIGINT stops everything with exit 0', async () => {
  const data = makeTempDir('logpipe-demo-');
  const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--data', data, '--rate', '20'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<[number | null, string | null]>((r) => child.on('exit', (code, sig) => r([code, sig])));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dashboard URL within 30 s:\n${out}`)), 30_000);
      const check = () => {
        const m = /logpipe demo: dashboard at (http:\/\/127\.0\.0\.1:(\d+))\//.exec(out);
        if (m) {
          clearTimeout(timer);
          assert.notEqual(m[2], '0', 'the real port is printed, not 0');
          resolve(m[1]);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      void exited.then(([code]) => reject(new Error(`demo exited with ${code} before printing the URL:\n${out}`)));
    });

    // Lines from app.log (plain) and worker.log (JSON) arrive within ~10 s.
    const deadline = Date.now() + 15_000;
    let logs: ApiRecord[] = [];
    let sources = new Set<string>();
    while (Date.now() < deadline) {
      const res = await fetch(`${url}/api/v1/logs?limit=1000`);
      if (res.ok) {
        logs = ((await res.json()) as { logs: ApiRecord[] }).logs;
        sources = new Set(logs.map((l) => l.source));
        if (sources.has('app.log') && sources.has('worker.log')) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(sources.has('app.log') && sources.has('worker.log'), `sources seen: ${[...sources].join(', ')}\n${out}`);
    for (const source of ['app.log', 'worker.log']) {
      const seqs = logs.filter((l) => l.source === source).map(extractRecordSeq);
      assert.ok(seqs.some((s) => typeof s === 'number'), `${source} records carry seq numbers`);
    }
    assert.ok(logs.some((l) => l.level !== 'unknown'), 'levels are recognised');
    assert.ok(processesMentioning(data).length >= 3, 'the demo, its server and its collector are running');

    // A second demo on the same data directory refuses to start.
    const second = spawnSync(process.execPath, [BIN, 'demo', '--port', '0', '--data', data], { env: ENV, encoding: 'utf8', timeout: 30_000 });
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`^logpipe demo: \\[LP_ERR_DEMO_BUSY\\] Another logpipe demo \\(pid ${child.pid}\\) is using`, 'm'));

    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, sig] = await exited;
    clearTimeout(timer);
    assert.equal(sig, null, `demo was killed:\n${out}`);
    assert.equal(code, 0, out);
    assert.match(out, /logpipe demo: stopped cleanly\./);
    assert.deepEqual(processesMentioning(data), [], 'no child process is left behind');
    assert.ok(!existsSync(join(data, 'demo', 'demo.pid')), 'the pid file is removed');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of processesMentioning(data)) process.kill(pid, 'SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
});

test('demo: a taken port is reported clearly and nothing is started', async () => {
  const data = makeTempDir('logpipe-demo-');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = spawnSync(process.execPath, [BIN, 'demo', '--port', String(port), '--data', data], { env: ENV, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^logpipe demo: \\[LP_ERR_PORT_IN_USE\\] Port ${port} on 127\\.0\\.0\\.1 is already in use`, 'm'));
    assert.deepEqual(processesMentioning(data), []);
  } finally {
    blocker.close();
    rmSync(data, { recursive: true, force: true });
  }
});

test('demo: bad options exit 2', () => {
  const r = spawnSync(process.execPath, [BIN, 'demo', '--rate', '0', '--port', '70000'], { env: ENV, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port: expected 0 to 65535/);
  assert.match(r.stderr, /--rate: must be greater than 0/);
});

test('demo: a pid file left by a killed demo does not block the next one', async () => {
  const data = makeTempDir('logpipe-demo-');
  try {
    mkdirSync(join(data, 'demo'), { recursive: true });
    // The pid of a process that has finished: the demo that wrote it was killed.
    const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(data, 'demo', 'demo.pid'), `${done.stdout}\n`);
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => res()));
    const port = (blocker.address() as { port: number }).port;
    // The stale lock is taken over; the demo then stops at the taken port, which proves it got past the lock.
    const s = spawnSync(process.execPath, [BIN, 'demo', '--port', String(port), '--data', data], { env: ENV, encoding: 'utf8', timeout: 30_000 });
    blocker.close();
    assert.equal(s.status, 1);
    assert.doesNotMatch(s.stderr, /LP_ERR_DEMO_BUSY/);
    assert.match(s.stderr, /already in use/);
    assert.ok(!existsSync(join(data, 'demo', 'demo.pid')), 'the pid file is removed again');
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('demo killed with SIGKILL: its server and collector stop by themselves and free the port', async () => {
  const data = makeTempDir('logpipe-demo-kill-');
  const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--data', data, '--rate', '20'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dashboard URL within 30 s:\n${out}`)), 30_000);
      const check = () => {
        const m = /logpipe demo: dashboard at http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
    });
    assert.ok(processesMentioning(data).length >= 2, 'the server and the collector run');
    child.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (processesMentioning(data).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(processesMentioning(data), [], 'no process of the demo is left');
    // The port is free again: the next `npm start` can use it.
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of processesMentioning(data)) process.kill(pid, 'SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
});
