// CPU of a trickle, the collector and syslog-ng side by side at the same moment: each tails its
// own file, both files get the same line at the same instant, both ship into one counting sink
// (bench/collector-counting-sink.mjs). collector-trickle.bench.ts runs the shippers one after the
// other, so on a shared VM whose speed drifts by 2x over minutes their ratio drifts with it;
// here both pay the same drift in every window, and the ratio of their CPU in one window is the
// figure. CPU is each process's CPU clock (clock_gettime of the pid's CPU-time clock, through
// python3), from SETTLE seconds after start (both idle, past start-up) over WINDOW seconds of
// trickle; each window starts fresh processes. syslog-ng is configured as in the other
// collector benches (follow-freq(1), batch-timeout(100)).
//
// Each window follows WARM seconds of the same trickle (default: as long as the window), whose
// CPU is reported on its own ("start"): the first seconds of the first trickle after start-up
// carry one-time costs (a process's first run of the code a trickle takes, ~25 ms here, and a
// new connection) and the linger's ramp (a quiet line goes at once, then lingers of 250, 500 ms
// before the 1 s ones), which a trickle that runs for hours does not pay again. WARM=0 measures
// from the trickle's first line, as this bench did before 2026-12-01.
// Run: npm run build:node && node --import tsx bench/collector-trickle-paired.bench.ts [window s] [windows]
// RATES=10,100,1000 (lines/s), SETTLE_MS (default 25000), WARM (s), COLLECT_ARGS (more collector
// options, e.g. '--linger-max 2s'). Needs syslog-ng and python3.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from '../test/helpers/server.js';
import { sequencedLine } from './collector-file.js';
import { startSyslogNgHttp } from './syslog-ng.js';

const WINDOW = Number(process.argv[2] ?? 15);
const WINDOWS = Number(process.argv[3] ?? 3);
const RATES = (process.env.RATES ?? '10,100,1000').split(',').map(Number);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 25_000);
const WARM = Number(process.env.WARM ?? WINDOW);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The process's CPU clock in ms (every thread it ever had). */
function cpuMs(pid: number): number {
  const r = spawnSync('python3', ['-c', 'import sys, time; print(time.clock_gettime_ns(((~int(sys.argv[1])) << 3) | 2))', String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 could not read the CPU clock of ${pid}: ${r.stderr}`);
  return Number(r.stdout.trim()) / 1e6;
}

if (spawnSync('syslog-ng', ['--version']).status !== 0) {
  console.log('syslog-ng is not installed (apt-get install syslog-ng-core syslog-ng-mod-http): nothing to compare with.');
  process.exit(0);
}
const sink = spawn(process.execPath, [join(ROOT, 'bench', 'collector-counting-sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) =>
  createInterface({ input: sink.stdout! }).on('line', (l) => {
    const m = /^listening (\d+)/.exec(l);
    if (m) resolve(Number(m[1]));
  }),
);
console.log(`${WINDOW} s windows after ${WARM} s of trickle, ${WINDOWS} per rate, ${SETTLE_MS / 1000} s settle; CPU per line in µs`);
const rows: string[] = [];
const startRows: string[] = [];
/** One table row: the medians and each window's ratio. */
const row = (rate: number, ours: number[], theirs: number[], ratios: number[]) =>
  `| ${rate} | ${median(ours).toFixed(0)} | ${median(theirs).toFixed(0)} | ${median(ratios).toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(', ')}) |`;
try {
  for (const rate of RATES) {
    const ratios: number[] = [];
    const ours: number[] = [];
    const theirs: number[] = [];
    const startRatios: number[] = [];
    const startOurs: number[] = [];
    const startTheirs: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      const dir = mkdtempSync(join(tmpdir(), 'logpipe-trickle-paired-'));
      const files = [join(dir, 'collector.log'), join(dir, 'syslog-ng.log')];
      const fds = files.map((f) => openSync(f, 'a'));
      for (const fd of fds) writeSync(fd, sequencedLine(0) + '\n');
      const procs = [
        spawn(process.execPath, [BIN, 'collect', '--url', `http://127.0.0.1:${port}`, '--state', join(dir, 'state.json'), '--progress-interval', '0', '--log-level', 'warn', ...(process.env.COLLECT_ARGS ?? '').split(' ').filter(Boolean), files[0]], { stdio: 'inherit' }),
        startSyslogNgHttp(dir, files[1], port),
      ];
      try {
        await sleep(SETTLE_MS);
        const cs = procs.map((p) => cpuMs(p.pid!));
        let c0 = cs;
        const t0 = performance.now();
        let written = 0;
        let splitAt = 0;
        const warm = Math.round(rate * WARM);
        const total = warm + Math.round(rate * WINDOW);
        while (written < total) {
          if (warm > 0 && written >= warm && splitAt === 0) {
            c0 = procs.map((p) => cpuMs(p.pid!));
            splitAt = written;
            const [a, b] = c0.map((c, i) => ((c - cs[i]) * 1000) / written);
            startOurs.push(a);
            startTheirs.push(b);
            startRatios.push(a / b);
            console.log(`${rate} lines/s, window ${w + 1}, first ${WARM} s: collector ${a.toFixed(0)} µs/line, syslog-ng ${b.toFixed(0)} µs/line, ratio ${(a / b).toFixed(2)}`);
          }
          const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
          let chunk = '';
          for (; written < due; written++) chunk += sequencedLine(1 + written) + '\n';
          if (chunk) for (const fd of fds) writeSync(fd, chunk);
          await sleep(Math.max(1, t0 + (written / rate) * 1000 - performance.now()));
        }
        // Both shippers' lines wait up to a second: a second and a half more counts their last request.
        await sleep(1500);
        const measured = total - splitAt;
        const [a, b] = procs.map((p, i) => ((cpuMs(p.pid!) - c0[i]) * 1000) / measured);
        ours.push(a);
        theirs.push(b);
        ratios.push(a / b);
        console.log(`${rate} lines/s, window ${w + 1}: collector ${a.toFixed(0)} µs/line, syslog-ng ${b.toFixed(0)} µs/line, ratio ${(a / b).toFixed(2)}`);
      } finally {
        for (const p of procs) p.kill('SIGTERM');
        await Promise.all(procs.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null)));
        for (const fd of fds) closeSync(fd);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rows.push(row(rate, ours, theirs, ratios));
    if (startRatios.length > 0) startRows.push(row(rate, startOurs, startTheirs, startRatios));
  }
} finally {
  sink.kill();
}
const head = '| lines/s | collector µs/line (median) | syslog-ng µs/line (median) | collector / syslog-ng, median of windows (each window) |\n|---:|---:|---:|---|';
if (startRows.length > 0) console.log(`\nThe trickle's first ${WARM} s (from its first line, ${SETTLE_MS / 1000} s after start-up):\n${head}\n${startRows.join('\n')}`);
console.log(`\n${WARM > 0 ? `The next ${WINDOW} s (a running trickle)` : `The trickle's first ${WINDOW} s`}:\n${head}\n${rows.join('\n')}`);
