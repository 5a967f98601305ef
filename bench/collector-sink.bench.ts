// Collector throughput into a minimal counting HTTP sink (gzip and stream offsets on; the sink
// runs in its own process and shares the 2 cores). Reference: `wc -l` on the same file (the
// raw read speed of this disk). Reports lines/s and the collector's CPU seconds per million
// lines (process.cpuUsage() at exit, from its summary line).
// Run: npm run build:node && node --import tsx bench/collector-sink.bench.ts [lines] [runs]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  /** From spawning the collector (node start-up included) to the last line counted. */
  linesPerSec: number;
  /** From the first batch the sink received to the last. */
  steady: number;
  cpuPerMillion: number;
}

async function runOnce(i: number): Promise<Run> {
  const sink = spawn(process.execPath, [join(ROOT, 'bench', 'collector-counting-sink.mjs'), String(LINES)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: sink.stdout! });
  const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const port = Number((await next()).split(' ')[1]);
  const reached = next();
  const t0 = process.hrtime.bigint();
  const collector = spawn(
    process.execPath,
    [BIN, 'collect', '--url', `http://127.0.0.1:${port}`, '--state', join(dir, `state-${i}.json`), '--progress-interval', '0', ...(process.env.COLLECT_ARGS ?? '').split(' ').filter(Boolean), file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  collector.stderr!.on('data', (d) => (err += d));
  const [, , at, first, firstLines] = (await reached).split(' ');
  const secs = Number(BigInt(at) - t0) / 1e9;
  const steady = (LINES - Number(firstLines)) / (Number(BigInt(at) - BigInt(first)) / 1e9);
  const exited = new Promise((r) => collector.on('exit', r));
  collector.kill('SIGTERM');
  await exited;
  sink.kill();
  const m = /CPU ([\d.]+) s \(([\d.]+) s per million lines\)/.exec(err);
  if (!m) throw new Error(`no summary from the collector:\n${err}`);
  return { linesPerSec: LINES / secs, steady, cpuPerMillion: Number(m[2]) };
}

const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await runOnce(i);
  console.log(`run ${i + 1}: ${Math.round(r.linesPerSec).toLocaleString('en')} lines/s from spawn, ${Math.round(r.steady).toLocaleString('en')} lines/s steady, ${r.cpuPerMillion.toFixed(2)} CPU-s per million lines`);
  runs.push(r);
}
const lps = median(runs.map((r) => r.linesPerSec));
const cpu = median(runs.map((r) => r.cpuPerMillion));
const steady = median(runs.map((r) => r.steady));
console.log(`\nreference  wc -l:                ${Math.round(median(wc)).toLocaleString('en')} lines/s`);
console.log(`collector → counting sink (median): ${Math.round(lps).toLocaleString('en')} lines/s from spawn, ${Math.round(steady).toLocaleString('en')} lines/s steady (${((lps / median(wc)) * 100).toFixed(1)}% of wc -l), ${cpu.toFixed(2)} CPU-s per million lines (syslog-ng reference in the issue: 1.9)`);
console.log(`target: >= 700,000 lines/s -> ${lps >= 700_000 ? 'met from spawn' : steady >= 700_000 ? 'met in steady state (not counting node start-up)' : 'NOT met'}`);
rmSync(dir, { recursive: true, force: true });
