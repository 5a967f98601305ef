// CPU per line while shipping a trickle: a file written at 10, 100, 1,000 and 10,000 lines/s
// (one write per line at the low rates, a write every 10 ms at the high ones), shipped by the
// collector and, in the same run, by Debian's syslog-ng with its http() destination, into the
// same counting sink (bench/collector-counting-sink.mjs, in its own process). CPU is read once
// the shipper has delivered a warm-up line and again once the sink counted every line of the
// phase, so start-up is not counted but idle wake-ups (polls, timers) between lines are: the
// process's CPU clock (clock_gettime on CLOCK_PROCESS_CPUTIME of its pid, through python3:
// nanoseconds, all threads, those that exited meanwhile included), else the time on the CPU of
// each of its threads from /proc/<pid>/task/<tid>/schedstat (if its threads stayed the same),
// else utime + stime from /proc/<pid>/stat, which counts in clock ticks (10 ms: at 10 lines/s
// for 15 s that is 67 µs per line, as much as syslog-ng's whole cost). Requests per line are
// the sink's count.
// syslog-ng is configured as in collector-sink.bench.ts (follow-freq(1), batch-timeout(100)):
// its lines wait up to a second, where the collector's arrive in milliseconds.
// Run: npm run build:node && node --import tsx bench/collector-trickle.bench.ts [seconds per rate] [runs]
// COLLECT_ARGS adds options to the collector (BEFORE_ARGS to the BEFORE one); SYSLOG_NG=0 skips syslog-ng; RATES=10,100 picks rates.
// BEFORE=/path/to/other/checkout also runs that checkout's built collector (its bin/logpipe) in
// every round, as a before/after reference measured in the same run (e.g. a `git worktree` of
// main with `npm run build:node`). SETTLE_MS (default 1000) is the wait after the warm-up line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from '../test/helpers/server.js';
import { sequencedLine } from './collector-file.js';
import { startSyslogNgHttp } from './syslog-ng.js';

const SECONDS = Number(process.argv[2] ?? 15);
const RUNS = Number(process.argv[3] ?? 1);
const RATES = (process.env.RATES ?? '10,100,1000,10000').split(',').map(Number);
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds of a live process: its CPU clock, per thread (schedstat, ns), in all (stat, clock ticks). */
interface CpuReading {
  clock: number | null;
  threads: Map<string, number>;
  ticks: number;
}

/** The process's CPU clock in seconds (ns precision, every thread it ever had), or null without python3. */
function cpuClockOf(pid: number): number | null {
  // clock_getcpuclockid(pid): ((~pid) << 3) | CPUCLOCK_SCHED; Node has no clock_gettime of its own.
  const r = spawnSync('python3', ['-c', 'import sys, time; print(time.clock_gettime_ns(((~int(sys.argv[1])) << 3) | 2))', String(pid)], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) / 1e9 : null;
}

function cpuOf(pid: number): CpuReading {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9);
    } catch {
      // exited just now: the thread set differs, and the tick count is used
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { clock: cpuClockOf(pid), threads, ticks: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
}

/** CPU seconds between two readings: per-thread nanoseconds if the same threads lived throughout. */
function cpuBetween(a: CpuReading, b: CpuReading): { seconds: number; precise: boolean } {
  if (a.clock !== null && b.clock !== null) return { seconds: b.clock - a.clock, precise: true };
  const same = a.threads.size === b.threads.size && [...a.threads.keys()].every((t) => b.threads.has(t));
  if (!same) return { seconds: b.ticks - a.ticks, precise: false };
  let sum = 0;
  for (const [t, v] of b.threads) sum += v - a.threads.get(t)!;
  return { seconds: sum, precise: true };
}

interface Sink {
  proc: ChildProcess;
  port: number;
  /** Resolves once the sink has counted at least n lines; resolves to its request count. */
  until(n: number, shipper: ChildProcess, stderr: () => string): Promise<number>;
}

async function startSink(): Promise<Sink> {
  const proc = spawn(process.execPath, [join(ROOT, 'bench', 'collector-counting-sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SINK_PROGRESS: '1' } });
  const lines = createInterface({ input: proc.stdout! });
  let count = 0;
  let requests = 0;
  let waiter: { n: number; resolve: (r: number) => void } | null = null;
  const port = await new Promise<number>((resolve) => lines.once('line', (l) => resolve(Number(l.split(' ')[1]))));
  lines.on('line', (l) => {
    const [, c, r] = l.split(' ');
    count = Number(c);
    requests = Number(r);
    if (waiter && count >= waiter.n) {
      waiter.resolve(requests);
      waiter = null;
    }
  });
  return {
    proc,
    port,
    until(n, shipper, stderr) {
      if (count >= n) return Promise.resolve(requests);
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the sink counted ${count} of ${n} lines after 60 s:\n${stderr()}`)), 60_000);
        const onExit = (code: number | null) => reject(new Error(`the shipper exited (${code}) with ${count} of ${n} lines counted:\n${stderr()}`));
        shipper.once('exit', onExit);
        waiter = {
          n,
          resolve: (r) => {
            clearTimeout(timer);
            shipper.off('exit', onExit);
            resolve(r);
          },
        };
      });
    },
  };
}

/** Appends lines at `rate` per second for SECONDS: one write per line below 100/s, else a write every 10 ms. */
async function writeAt(path: string, rate: number, first: number): Promise<number> {
  const total = Math.round(rate * SECONDS);
  const fd = openSync(path, 'a');
  const t0 = performance.now();
  let written = 0;
  const tick = rate <= 100 ? 1000 / rate : 10;
  await new Promise<void>((resolve) => {
    const step = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      let chunk = '';
      for (; written < due; written++) chunk += sequencedLine(first + written) + '\n';
      if (chunk) writeSync(fd, chunk);
      if (written >= total) return resolve();
      setTimeout(step, Math.max(0, t0 + (written / rate) * 1000 - performance.now(), tick / 2));
    };
    step();
  });
  closeSync(fd);
  return total;
}

interface Phase {
  cpuPerLine: number;
  /** Measured in ns (else in clock ticks: no python3 and the threads changed). */
  precise: boolean;
  requestsPerLine: number;
}

type Start = (dir: string, file: string, port: number) => ChildProcess;

const argsOf = (env: string | undefined) => (env ?? '').split(' ').filter(Boolean);
const collectorAt =
  (bin: string, args: string[]): Start =>
  (dir, file, port) =>
  spawn(process.execPath, [bin, 'collect', '--url', `http://127.0.0.1:${port}`, '--state', join(dir, 'state.json'), '--progress-interval', '0', ...args, file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
const startCollector = collectorAt(BIN, argsOf(process.env.COLLECT_ARGS));
const BEFORE = process.env.BEFORE ? join(process.env.BEFORE, 'bin', 'logpipe') : null;

const startSyslogNg: Start = (dir, file, port) => startSyslogNgHttp(dir, file, port, ['ignore', 'ignore', 'pipe']);

async function runPhase(name: string, start: Start, rate: number): Promise<Phase> {
  const dir = mkdtempSync(join(tmpdir(), `logpipe-trickle-${name}-`));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'app.log');
  writeFileSync(file, sequencedLine(0) + '\n');
  const sink = await startSink();
  const shipper = start(dir, file, sink.port);
  let err = '';
  shipper.stderr!.on('data', (d) => (err += d));
  shipper.on('error', (e) => (err += String(e)));
  try {
    const warm = await sink.until(1, shipper, () => err);
    // Let start-up work (JIT, first checkpoint save) settle before counting.
    await new Promise((r) => setTimeout(r, Number(process.env.SETTLE_MS ?? 1000)));
    const cpu0 = cpuOf(shipper.pid!);
    const lines = await writeAt(file, rate, 1);
    const requests = await sink.until(1 + lines, shipper, () => err);
    const cpu = cpuBetween(cpu0, cpuOf(shipper.pid!));
    return { cpuPerLine: cpu.seconds / lines, precise: cpu.precise, requestsPerLine: (requests - warm) / lines };
  } finally {
    const exited = new Promise((r) => shipper.once('exit', r));
    if (shipper.exitCode === null && shipper.signalCode === null) shipper.kill('SIGTERM');
    await exited;
    sink.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const withSyslogNg = process.env.SYSLOG_NG !== '0' && spawnSync('syslog-ng', ['--version']).status === 0;
if (!withSyslogNg) console.log('syslog-ng: not run (SYSLOG_NG=0 or no syslog-ng on PATH; Debian: apt-get install syslog-ng-core syslog-ng-mod-http)');
console.log(`${SECONDS} s per rate, ${RUNS} run(s); CPU per line in µs (time on the CPU of all threads from /proc), median of runs`);
const us = (s: number) => (s * 1e6).toFixed(0).padStart(6);
const results: { rate: number; ours: Phase[]; sng: Phase[]; before: Phase[] }[] = RATES.map((rate) => ({ rate, ours: [], sng: [], before: [] }));
for (let run = 0; run < RUNS; run++) {
  for (const r of results) {
    // Alternate which goes first so neither always meets a warmer or busier machine.
    const order: ['collector' | 'syslog-ng' | 'before', Start][] = [['collector', startCollector]];
    if (BEFORE) order[run % 2 ? 'push' : 'unshift'](['before', collectorAt(BEFORE, argsOf(process.env.BEFORE_ARGS))]);
    if (withSyslogNg) order[run % 2 ? 'unshift' : 'push'](['syslog-ng', startSyslogNg]);
    for (const [name, start] of order) {
      const p = await runPhase(name, start, r.rate);
      (name === 'collector' ? r.ours : name === 'before' ? r.before : r.sng).push(p);
      console.log(`run ${run + 1} ${String(r.rate).padStart(5)} lines/s ${name.padEnd(9)}: ${us(p.cpuPerLine)} µs CPU per line, ${p.requestsPerLine.toFixed(3)} requests per line${p.precise ? '' : ' (no CPU clock and threads changed: counted in clock ticks)'}`);
    }
  }
}
console.log('\n rate/s | collector µs/line (req/line) | syslog-ng µs/line (req/line) | ratio');
for (const r of results) {
  const ours = median(r.ours.map((p) => p.cpuPerLine));
  const oursReq = median(r.ours.map((p) => p.requestsPerLine));
  let line = `${String(r.rate).padStart(7)} | ${us(ours)} (${oursReq.toFixed(3)})`;
  if (r.before.length) {
    const before = median(r.before.map((p) => p.cpuPerLine));
    line += ` [before: ${us(before)} (${median(r.before.map((p) => p.requestsPerLine)).toFixed(3)}), after/before ${(ours / before).toFixed(2)}]`;
  }
  if (!r.sng.length) {
    console.log(line);
    continue;
  }
  const sng = median(r.sng.map((p) => p.cpuPerLine));
  const sngReq = median(r.sng.map((p) => p.requestsPerLine));
  console.log(`${line}               | ${us(sng)} (${sngReq.toFixed(3)})              | ${(ours / sng).toFixed(2)}x`);
}
