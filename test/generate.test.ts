// `logpipe generate` as a user runs it: the real CLI process, real files, pipes and signals.
// Needs a fresh `npm run build:node`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeTempDir } from './helpers/server.js';
import { extractSeq } from '../src/generator/lines.js';

const ENV = { ...process.env, LOGPIPE_OUT: '', LOGPIPE_COUNT: '', LOGPIPE_RATE: '', LOGPIPE_FORMAT: '' };

function runGenerate(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'generate', ...args], { encoding: 'utf8', env: ENV, maxBuffer: 64 * 1024 * 1024 });
}

function seqs(text: string): number[] {
  return text.split('\n').map(extractSeq).filter((s): s is number => s !== undefined);
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

test('every --format parses back with contiguous seq numbers from --start-seq', () => {
  const dir = makeTempDir();
  try {
    for (const format of ['plain', 'seed', 'json', 'logfmt']) {
      const out = join(dir, `${format}.log`);
      const r = runGenerate(['--format', format, '--count', '3000', '--seed', '11', '--start-seq', '100', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
      const text = readFileSync(out, 'utf8');
      assert.deepEqual(seqs(text), range(100, 3000), `${format} seq numbers`);
      const lines = text.split('\n').filter(Boolean);
      if (format === 'json') for (const l of lines) assert.equal(typeof JSON.parse(l).level, 'string');
      if (format === 'logfmt') for (const l of lines) assert.match(l, /^ts=\S+ level=[a-z]+ msg=/);
      if (format === 'seed') for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} - Log \d+$/);
      if (format === 'plain') {
        assert.ok(lines.some((l) => / - \[(INFO|WARN|ERROR|DEBUG|FATAL)\]: /.test(l)));
        assert.ok(lines.some((l) => /^\s+at /.test(l)), 'stack traces on by default');
      }
    }
    const noTraces = runGenerate(['--count', '3000', '--seed', '11', '--no-stack-traces']);
    assert.equal(noTraces.status, 0);
    assert.equal(noTraces.stdout.trim().split('\n').length, 3000);
    // Same seed, same records (timestamps aside).
    const strip = (t: string) => t.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}/gm, '');
    assert.equal(strip(runGenerate(['--count', '500', '--seed', 'x']).stdout), strip(runGenerate(['--count', '500', '--seed', 'x']).stdout));
    // Default count is 1000 records.
    assert.deepEqual(seqs(runGenerate(['--no-stack-traces']).stdout), range(1, 1000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--rate is roughly respected over 2 s and SIGINT stops cleanly with exit 0', async () => {
  const dir = makeTempDir();
  try {
    const out = join(dir, 'app.log');
    const child = spawn(process.execPath, [BIN, 'generate', '--rate', '500', '--out', out, '--format', 'json'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Count from the first record so node's start-up time does not count.
    // (An upper bound only: node alone takes seconds to start on a loaded machine.)
    let first = 0;
    for (const deadline = Date.now() + 60_000; !first && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        if (readFileSync(out, 'utf8').length) first = Date.now();
      } catch {}
    }
    assert.ok(first, 'the generator started writing within 60 s');
    const before = seqs(readFileSync(out, 'utf8')).length;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    // The rate is judged over the time that really passed: a timer on a busy machine fires late.
    const after = seqs(readFileSync(out, 'utf8')).length;
    const secs = (Date.now() - t0) / 1000;
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const n = after - before;
    assert.ok(n >= 350 * secs && n <= 650 * secs, `${n} records in ${secs} s at --rate 500`);
    assert.deepEqual(seqs(readFileSync(out, 'utf8')), range(1, seqs(readFileSync(out, 'utf8')).length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--rotate-bytes: app.log.N … app.log.1 app.log hold every record once, in order', () => {
  const dir = makeTempDir();
  try {
    const out = join(dir, 'app.log');
    const r = runGenerate(['--count', '40000', '--out', out, '--rotate-bytes', '512KiB', '--rotate-keep', '100', '--seed', '5']);
    assert.equal(r.status, 0, r.stderr);
    const rotated = readdirSync(dir).filter((n) => /^app\.log\.\d+$/.test(n)).map((n) => Number(n.split('.').pop())).sort((a, b) => b - a);
    assert.ok(rotated.length >= 5, `rotated files: ${rotated.length}`);
    assert.deepEqual(rotated, range(1, rotated.length).reverse(), 'rotated files are numbered 1…N without gaps');
    const text = [...rotated.map((n) => `${out}.${n}`), out].map((f) => readFileSync(f, 'utf8')).join('');
    assert.deepEqual(seqs(text), range(1, 40000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that closes the pipe early (generate | head) ends generate silently with exit 0', async () => {
  for (const args of [['--count', '5000000'], ['--rate', '100000'], ['--count', '0', '--format', 'json']]) {
    const child = spawn(process.execPath, [BIN, 'generate', ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<[number | null, string | null]>((r) => child.on('exit', (code, sig) => r([code, sig])));
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.stdout.destroy();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, sig] = await exited;
    clearTimeout(timer);
    assert.equal(sig, null, `generate ${args.join(' ')} was not killed`);
    assert.equal(code, 0, `generate ${args.join(' ')}: ${stderr}`);
    assert.equal(stderr, '', 'nothing on stderr');
  }
});

test('bad options exit 2 with a clear message naming each problem', () => {
  const r = runGenerate(['--rate=-5', '--rotate-bytes', '1MB', '--rotate-keep', '0', '--start-time', 'yesterday-ish']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--rate: must be 0 or more/);
  assert.match(r.stderr, /--rotate-bytes: needs --out FILE/);
  assert.match(r.stderr, /--rotate-keep: must be 1 or more/);
  assert.match(r.stderr, /--start-time: expected an ISO-8601 time/);
  const f = runGenerate(['--format', 'xml']);
  assert.equal(f.status, 2);
  assert.match(f.stderr, /--format: expected one of plain, seed, json, logfmt, got "xml"/);
  const c = runGenerate(['--count', 'lots']);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--count: expected a whole number/);
  const u = runGenerate(['--frobnicate']);
  assert.equal(u.status, 2);
  assert.match(u.stderr, /frobnicate/);
  assert.equal(r.stdout + f.stdout + c.stdout + u.stdout, '', 'nothing generated on bad options');
});

test('an --out that cannot be written is reported by name and code (LP_ERR_OUTPUT_FILE) with exit 1', () => {
  const dir = makeTempDir();
  try {
    const r = runGenerate(['--out', dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^logpipe generate: \[LP_ERR_OUTPUT_FILE\] Cannot write to ".*" \(EISDIR\); choose another --out\.$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

test('a progress bar is drawn on a terminal when writing a file, and not with --no-progress', { skip: hasScript ? false : 'util-linux "script" is not installed' }, () => {
  const dir = makeTempDir();
  try {
    const out = join(dir, 'app.log');
    const cmd = (extra: string) => `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} generate --count 300000 --out ${JSON.stringify(out)} ${extra}`;
    // `script` runs the command on a pseudo-terminal, so stderr is a TTY.
    const r = spawnSync('script', ['-qec', cmd(''), '/dev/null'], { encoding: 'utf8', env: { ...ENV, COLUMNS: '120' }, timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const screen = r.stdout.replace(/\x1b\[2K/g, '').split('\r').map((l) => l.trim()).filter(Boolean);
    const last = screen[screen.length - 1];
    assert.match(last, /^\[#+\] 100%  300,000 lines  [\d.]+ MiB  [\d,]+ lines\/s  ETA 0:00$/, `final progress line: ${JSON.stringify(last)}`);
    const quiet = spawnSync('script', ['-qec', cmd('--no-progress'), '/dev/null'], { encoding: 'utf8', env: ENV, timeout: 60_000 });
    assert.equal(quiet.status, 0);
    assert.equal(quiet.stdout.trim(), '');
    assert.equal(seqs(readFileSync(out, 'utf8')).length, 600_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
