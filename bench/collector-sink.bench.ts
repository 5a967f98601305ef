// Collector throughput into a minimal counting HTTP sink (gzip and stream offsets on; the sink
// runs in its own process and shares the 2 cores). References in the same run: `wc -l` on the
// same file (the raw read speed of this disk) and Debian's syslog-ng shipping the same file with
// its http() destination into the same sink (plain-text batches: 3.38 cannot compress). Both
// shippers are timed from spawn to the sink's last line, and their CPU seconds are read from
// /proc/<pid>/stat (utime + stime, all threads) at that moment; the collector's own summary
// figure (process.cpuUsage() at exit) is printed too. Runs alternate collector / syslog-ng.
// Run: npm run build:node && node --import tsx bench/collector-sink.bench.ts [lines] [runs]
// syslog-ng settings: SYSLOG_NG_WORKERS (default 4), SYSLOG_NG_BATCH_LINES (1000),
// SYSLOG_NG_IW (log-iw-size, 20000), SYSLOG_NG_FETCH (log-fetch-limit, 1000); SYSLOG_NG=0 skips it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from '../test/helpers/server.js';
import { writeSequencedFile } from './collector-file.js';

const LINES = Number(process.argv[2] ?? 2_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'logpipe-bench-'));
const file = join(dir, 'app.log');
const bytes = await writeSequencedFile(file, LINES);
console.log(`file: ${LINES} lines, ${(bytes / 1e6).toFixed(0)} MB (${(bytes / LINES).toFixed(0)} bytes/line)`);

const wc: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  spawnSync('wc', ['-l', file]);
  wc.push(LINES / (Number(process.hrtime.bigint() - t0) / 1e9));
}

interface Run {
  /** From spawning the shipper (start-up included) to the last line counted. */
  linesPerSec: number;
  /** From the first batch the sink received to the last. */
  steady: number;
  /** CPU seconds (user + system, all threads) per million lines, from /proc at the last line. */
  cpuPerMillion: number;
  /** The collector's own summary figure (process.cpuUsage() at exit), collector runs only. */
  ownCpuPerMillion?: number;
}

/** User + system CPU seconds of a live process (all its threads) from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** Starts a counting sink; resolves to its port and a promise of its "reached" line. */
async function startSink(): Promise<{ sink: ChildProcess; port: number; reached: Promise<string> }> {
  const sink = spawn(process.execPath, [join(ROOT, 'bench', 'collector-counting-sink.mjs'), String(LINES)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: sink.stdout! });
  const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const port = Number((await next()).split(' ')[1]);
  return { sink, port, reached: next() };
}

/** Turns the sink's "reached N AT FIRST FIRSTLINES" line into rates relative to spawn time t0. */
function ratesOf(line: string, t0: bigint): { linesPerSec: number; steady: number } {
  const [, , at, first, firstLines] = line.split(' ');
  return {
    linesPerSec: LINES / (Number(BigInt(at) - t0) / 1e9),
    steady: (LINES - Number(firstLines)) / (Number(BigInt(at) - BigInt(first)) / 1e9),
  };
}

/** Waits for the sink's line, failing if the shipper exits first or two minutes pass. */
function untilReached(reached: Promise<string>, shipper: ChildProcess, name: string, stderr: () => string): Promise<string> {
  return Promise.race([
    reached,
    new Promise<string>((_, reject) => shipper.once('exit', (code) => reject(new Error(`${name} exited (${code}) before the sink counted ${LINES} lines:\n${stderr()}`)))),
    new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`${name} did not deliver ${LINES} lines within 120 s:\n${stderr()}`)), 120_000).unref()),
  ]);
}

async function runCollector(i: number): Promise<Run> {
  const { sink, port, reached } = await startSink();
  const t0 = process.hrtime.bigint();
  const collector = spawn(
    process.execPath,
    [BIN, 'collect', '--url', `http://127.0.0.1:${port}`, '--state', join(dir, `state-${i}.json`), '--progress-interval', '0', ...(process.env.COLLECT_ARGS ?? '').split(' ').filter(Boolean), file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  collector.stderr!.on('data', (d) => (err += d));
  const line = await untilReached(reached, collector, 'the collector', () => err);
  const cpu = cpuSecondsOf(collector.pid!);
  const exited = new Promise((r) => collector.on('exit', r));
  collector.kill('SIGTERM');
  await exited;
  sink.kill();
  const m = /CPU ([\d.]+) s \(([\d.]+) s per million lines\)/.exec(err);
  if (!m) throw new Error(`no summary from the collector:\n${err}`);
  return { ...ratesOf(line, t0), cpuPerMillion: cpu / (LINES / 1e6), ownCpuPerMillion: Number(m[2]) };
}

const SNG = {
  workers: Number(process.env.SYSLOG_NG_WORKERS ?? 4),
  batchLines: Number(process.env.SYSLOG_NG_BATCH_LINES ?? 1000),
  iw: Number(process.env.SYSLOG_NG_IW ?? 20_000),
  fetch: Number(process.env.SYSLOG_NG_FETCH ?? 1000),
};

/** syslog-ng config: the file from its start, unparsed, to the sink in batches, no loss (flow-control). */
function syslogNgConfig(port: number): string {
  return `@version: 3.38
options { stats-freq(0); stats-level(0); threaded(yes); use-dns(no); use-fqdn(no); dns-cache(no); };
source s_file { file("${file}" flags(no-parse) follow-freq(1) log-fetch-limit(${SNG.fetch}) log-iw-size(${SNG.iw})); };
destination d_http { http(url("http://127.0.0.1:${port}/api/v1/logs") method("POST") body("\${MSG}")
  batch-lines(${SNG.batchLines}) batch-bytes(1048576) batch-timeout(100) workers(${SNG.workers}) log-fifo-size(${SNG.iw})); };
log { source(s_file); destination(d_http); flags(flow-control); };
`;
}

async function runSyslogNg(i: number): Promise<Run> {
  const { sink, port, reached } = await startSink();
  const run = join(dir, `syslog-ng-${i}`);
  mkdirSync(run);
  writeFileSync(join(run, 'syslog-ng.conf'), syslogNgConfig(port));
  const t0 = process.hrtime.bigint();
  const sng = spawn(
    'syslog-ng',
    ['-F', '--no-caps', '-f', join(run, 'syslog-ng.conf'), `--persist-file=${join(run, 'syslog-ng.persist')}`, `--pidfile=${join(run, 'syslog-ng.pid')}`, `--control=${join(run, 'syslog-ng.ctl')}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  sng.stderr!.on('data', (d) => (err += d));
  sng.on('error', (e) => (err += String(e)));
  try {
    const line = await untilReached(reached, sng, 'syslog-ng', () => err);
    const cpu = cpuSecondsOf(sng.pid!);
    return { ...ratesOf(line, t0), cpuPerMillion: cpu / (LINES / 1e6) };
  } finally {
    const exited = new Promise((r) => sng.once('exit', r));
    if (sng.exitCode === null && sng.signalCode === null) sng.kill('SIGTERM');
    await exited.catch(() => {});
    sink.kill();
  }
}

const withSyslogNg = process.env.SYSLOG_NG !== '0' && spawnSync('syslog-ng', ['--version']).status === 0;
if (!withSyslogNg) console.log('syslog-ng: not run (SYSLOG_NG=0 or no syslog-ng on PATH; Debian: apt-get install syslog-ng-core syslog-ng-mod-http)');
else console.log(`syslog-ng: workers(${SNG.workers}) batch-lines(${SNG.batchLines}) log-iw-size(${SNG.iw}) log-fetch-limit(${SNG.fetch})`);

const show = (n: number) => Math.round(n).toLocaleString('en');
const runs: Run[] = [];
const sngRuns: Run[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await runCollector(i);
  console.log(`run ${i + 1} collector: ${show(r.linesPerSec)} lines/s from spawn, ${show(r.steady)} steady, ${r.cpuPerMillion.toFixed(2)} CPU-s/M (/proc; own summary ${r.ownCpuPerMillion!.toFixed(2)})`);
  runs.push(r);
  if (withSyslogNg) {
    const s = await runSyslogNg(i);
    console.log(`run ${i + 1} syslog-ng: ${show(s.linesPerSec)} lines/s from spawn, ${show(s.steady)} steady, ${s.cpuPerMillion.toFixed(2)} CPU-s/M (/proc)`);
    sngRuns.push(s);
  }
}
const med = (rs: Run[], key: keyof Run) => median(rs.map((r) => r[key] as number));
const lps = med(runs, 'linesPerSec');
const cpu = med(runs, 'cpuPerMillion');
const steady = med(runs, 'steady');
console.log(`\nreference  wc -l:                ${show(median(wc))} lines/s`);
console.log(`collector → counting sink (median): ${show(lps)} lines/s from spawn, ${show(steady)} lines/s steady (${((lps / median(wc)) * 100).toFixed(1)}% of wc -l), ${cpu.toFixed(2)} CPU-s per million lines (own summary ${med(runs, 'ownCpuPerMillion').toFixed(2)})`);
if (withSyslogNg) {
  const sLps = med(sngRuns, 'linesPerSec');
  const sCpu = med(sngRuns, 'cpuPerMillion');
  console.log(`syslog-ng → counting sink (median): ${show(sLps)} lines/s from spawn, ${show(med(sngRuns, 'steady'))} lines/s steady, ${sCpu.toFixed(2)} CPU-s per million lines`);
  console.log(`ratio collector / syslog-ng: ${(lps / sLps).toFixed(2)}x lines/s, ${(cpu / sCpu).toFixed(2)}x CPU-s per million lines -> fewer CPU-s than syslog-ng: ${cpu < sCpu ? 'yes' : 'NO'}`);
}
console.log(`target: >= 700,000 lines/s -> ${lps >= 700_000 ? 'met from spawn' : steady >= 700_000 ? 'met in steady state (not counting node start-up)' : 'NOT met'}`);
rmSync(dir, { recursive: true, force: true });
