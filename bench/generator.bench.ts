// Generator throughput to a file, against two references measured in the same run:
// a raw fs.writeSync loop of a prebuilt 1 MiB buffer and `yes LINE | head -c BYTES > file`
// (the I/O ceiling), plus whether --rate 200000 is sustained. Run:
//   node --import tsx bench/generator.bench.ts
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineFactory, type Format } from '../src/generator/lines.js';
import { generate } from '../src/generator/writer.js';

const RUNS = 3;
const RECORDS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'logpipe-bench-gen-'));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function timeGenerate(format: Format): Promise<{ recPerSec: number; bytesPerSec: number; bytes: number }> {
  const out = join(dir, `gen-${format}.log`);
  rmSync(out, { force: true });
  const t = performance.now();
  const s = await generate({ factory: new LineFactory({ format, seed: 1 }), out, count: RECORDS });
  const secs = (performance.now() - t) / 1000;
  return { recPerSec: s.records / secs, bytesPerSec: statSync(out).size / secs, bytes: statSync(out).size };
}

function timeRawWrite(bytes: number): number {
  const out = join(dir, 'raw.log');
  rmSync(out, { force: true });
  const line = Buffer.from('2026-11-28 04:02:55.902 - [INFO]: api: GET /api/v1/orders/4711 200 18ms request_id=8706c4fb2627 user=yuki seq=1\n');
  const buf = Buffer.alloc(1 << 20);
  for (let o = 0; o < buf.length; o += line.length) line.copy(buf, o);
  const t = performance.now();
  const fd = openSync(out, 'a');
  for (let written = 0; written < bytes; written += buf.length) writeSync(fd, buf, 0, Math.min(buf.length, bytes - written));
  closeSync(fd);
  return bytes / ((performance.now() - t) / 1000);
}

function timeYes(bytes: number): number {
  const out = join(dir, 'yes.log');
  rmSync(out, { force: true });
  const t = performance.now();
  execFileSync('sh', ['-c', `yes '2026-11-28 04:02:55.902 - [INFO]: api: GET /api/v1/orders/4711 200 18ms request_id=8706c4fb2627 user=yuki seq=1' | head -c ${bytes} > '${out}'`]);
  return bytes / ((performance.now() - t) / 1000);
}

async function timeRate(rate: number, ms: number): Promise<number> {
  const out = join(dir, 'rate.log');
  rmSync(out, { force: true });
  const abort = new AbortController();
  setTimeout(() => abort.abort(), ms);
  const t = performance.now();
  const s = await generate({ factory: new LineFactory({ seed: 2 }), out, rate, signal: abort.signal });
  return s.records / ((performance.now() - t) / 1000);
}

try {
  const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
  console.log(`generator: ${RECORDS.toLocaleString('en-US')} records per run, median of ${RUNS} runs, to a file in ${tmpdir()}`);
  const plain: { rec: number[]; bps: number[] } = { rec: [], bps: [] };
  const raw: number[] = [];
  const yes: number[] = [];
  let plainBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const g = await timeGenerate('plain');
    plain.rec.push(g.recPerSec);
    plain.bps.push(g.bytesPerSec);
    plainBytes = g.bytes;
    raw.push(timeRawWrite(g.bytes));
    yes.push(timeYes(g.bytes));
  }
  const bytesPerRecord = plainBytes / RECORDS;
  console.log(`  generate plain   ${fmt(median(plain.rec))} records/s  ${mib(median(plain.bps))} MiB/s  (${bytesPerRecord.toFixed(0)} B/record)`);
  console.log(`  raw writeSync    ${mib(median(raw))} MiB/s = ${fmt(median(raw) / bytesPerRecord)} records/s of the same size  → generator at ${((median(plain.bps) / median(raw)) * 100).toFixed(0)}% of it`);
  console.log(`  yes | head -c    ${mib(median(yes))} MiB/s = ${fmt(median(yes) / bytesPerRecord)} records/s of the same size  → generator at ${((median(plain.bps) / median(yes)) * 100).toFixed(0)}% of it`);
  for (const format of ['json', 'logfmt', 'seed'] as const) {
    const rs: number[] = [];
    const bs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const g = await timeGenerate(format);
      rs.push(g.recPerSec);
      bs.push(g.bytesPerSec);
    }
    console.log(`  generate ${format.padEnd(7)} ${fmt(median(rs))} records/s  ${mib(median(bs))} MiB/s`);
  }
  const rated: number[] = [];
  for (let i = 0; i < RUNS; i++) rated.push(await timeRate(200_000, 2000));
  console.log(`  --rate 200000    ${fmt(median(rated))} records/s sustained over 2 s (${((median(rated) / 200_000) * 100).toFixed(1)}% of target)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
