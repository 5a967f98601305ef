// parseLine throughput (lines/s) on several line mixes, each beside a reference measured in the
// same run over the same lines: a loop doing only `line.split(' ')` (the cheapest tokenising a
// parser could do), and for JSON lines also `JSON.parse` alone. Run:
//   node --import tsx bench/parse.bench.ts
// Loghub samples are read from ../shared/loghub (or LOGHUB_DIR); without them that mix is skipped.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLine } from '../src/shared/parse/index.js';

const RUNS = 7;
const SYSTEMS = ['Android', 'Apache', 'Hadoop', 'HealthApp', 'Linux', 'OpenSSH', 'Spark', 'Zookeeper'];
const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const loghubDir = process.env.LOGHUB_DIR ?? resolve(repoRoot, '../shared/loghub');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

// A small deterministic PRNG so every run measures the same lines.
let seed = 42;
const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const TEXTS = [
  'User 4711 logged in from 10.0.0.5',
  'GET /api/v1/orders/4711 200 18ms request_id=8706c4fb2627',
  'Database connection pool at 85% (34/40)',
  'Payment gateway timeout after 3000ms, retrying (attempt 2/5)',
  'cache hit ratio 0.93 over the last 60s, error_count=0',
];

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function localStamp(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`;
}

/** The prototype's lines, `YYYY-MM-DD HH:MM:SS.mmm - [LEVEL]: text`, one in ten `- Log N`. */
function seedLines(n: number): string[] {
  const out: string[] = [];
  let t = Date.UTC(2026, 10, 27, 22);
  for (let i = 0; i < n; i++) {
    t += Math.floor(rand() * 40);
    out.push(i % 10 === 9 ? `${localStamp(t)} - Log ${i}` : `${localStamp(t)} - [${pick(LEVELS)}]: ${pick(TEXTS)}`);
  }
  return out;
}

function jsonLines(n: number): string[] {
  const out: string[] = [];
  let t = Date.UTC(2026, 10, 27, 22);
  for (let i = 0; i < n; i++) {
    t += Math.floor(rand() * 40);
    out.push(JSON.stringify({ level: pick([20, 30, 30, 30, 40, 50]), time: t, pid: 4242, hostname: 'web-1', req: { method: 'GET', url: `/api/v1/orders/${i}` }, responseTime: Math.floor(rand() * 100), msg: pick(TEXTS) }));
  }
  return out;
}

function logfmtLines(n: number): string[] {
  const out: string[] = [];
  let t = Date.UTC(2026, 10, 27, 22);
  for (let i = 0; i < n; i++) {
    t += Math.floor(rand() * 40);
    out.push(`ts=${new Date(t).toISOString()} level=${pick(['info', 'info', 'debug', 'warn', 'error'])} msg="${pick(TEXTS)}" user=u${i % 97} duration_ms=${Math.floor(rand() * 100)}`);
  }
  return out;
}

function loghubLines(): string[] | undefined {
  if (!existsSync(loghubDir)) return undefined;
  return SYSTEMS.flatMap((s) => readFileSync(join(loghubDir, `${s}_2k.log`), 'utf8').split('\n').filter((l) => l !== ''));
}

/** Repeats lines up to n so each timed pass lasts long enough to measure. */
function repeatTo(lines: string[], n: number): string[] {
  const out: string[] = [];
  while (out.length < n) out.push(...lines.slice(0, n - out.length));
  return out;
}

/** Interleaves two lists line by line, so formats change from one line to the next. */
function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]);
    if (i < b.length) out.push(b[i]);
  }
  return out;
}

let sink = 0;

function timeLoop(lines: string[], body: (line: string) => number): number {
  const t = performance.now();
  let s = 0;
  for (let i = 0; i < lines.length; i++) s += body(lines[i]);
  const secs = (performance.now() - t) / 1000;
  sink += s;
  return lines.length / secs;
}

const NOW = Date.now();
const viaParse = (line: string): number => {
  const r = parseLine(line, { now: NOW });
  return r.level.length + (r.ts === undefined ? 0 : 1);
};
const viaSplit = (line: string): number => line.split(' ').length;
const viaJson = (line: string): number => (JSON.parse(line) as object) === null ? 0 : 1;

interface Row {
  name: string;
  lines: number;
  parse: number;
  split: number;
  json?: number;
}

function measure(name: string, lines: string[], withJson = false): Row {
  // Warm up both loops so the JIT has compiled them before timing.
  timeLoop(lines, viaParse);
  timeLoop(lines, viaSplit);
  const parse: number[] = [];
  const split: number[] = [];
  const json: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    // Alternate the loops so noise from other processes hits both alike.
    parse.push(timeLoop(lines, viaParse));
    split.push(timeLoop(lines, viaSplit));
    if (withJson) json.push(timeLoop(lines, viaJson));
  }
  const row: Row = { name, lines: lines.length, parse: median(parse), split: median(split), json: withJson ? median(json) : undefined };
  console.error(`${name}: parseLine ${fmt(row.parse)} lines/s, split ${fmt(row.split)} lines/s${row.json ? `, JSON.parse ${fmt(row.json)} lines/s` : ''}`);
  return row;
}

const N = 200_000;
const seed200k = seedLines(N);
const hub = loghubLines();
const rows: Row[] = [measure('prototype lines `… - [LEVEL]: text`', seed200k)];
if (hub) {
  rows.push(measure('Loghub, 8 systems (16k lines, repeated)', repeatTo(hub, N)));
  rows.push(measure('mix: Loghub and prototype lines interleaved', interleave(repeatTo(hub, N / 2), seed200k.slice(0, N / 2))));
} else console.error(`Skipping the Loghub mixes: no samples at "${loghubDir}".`);
rows.push(measure('JSON lines (pino-like)', jsonLines(N / 2), true));
rows.push(measure('logfmt lines', logfmtLines(N / 2)));

console.log(`\n| lines | parseLine lines/s | \`split(' ')\` lines/s (reference) | parse / split |`);
console.log('|---|---|---|---|');
for (const r of rows) {
  const ref = r.json ? `${fmt(r.split)}; \`JSON.parse\` alone ${fmt(r.json)} (parse / JSON.parse ${(r.parse / r.json).toFixed(2)})` : fmt(r.split);
  console.log(`| ${r.name} | ${fmt(r.parse)} | ${ref} | ${(r.parse / r.split).toFixed(2)} |`);
}
console.log(`\n(${RUNS} timed passes per row, medians; sink ${sink % 10})`);
