// parseLine throughput (lines/s) on several line mixes, each beside references measured in the
// same run over the same lines: the parser as it is at a base revision (PARSE_BASE, default
// `main`, extracted with git into a temporary directory), and a loop doing only `line.split(' ')`
// (the cheapest tokenising a parser could do); for JSON lines also `JSON.parse` alone. Plain lines
// are parsed with one remembered layout per source, as the server does. Times are CPU time of this
// process (process.cpuUsage), which other processes on a loaded machine disturb less than wall time.
// Run:
//   node --import tsx bench/parse.bench.ts
// Loghub samples are read from ../shared/loghub (or LOGHUB_DIR); without them that mix is skipped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newLayout, parseLine, type Layout } from '../src/shared/parse/index.js';

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

/** The Loghub samples, each system its own source (1…8). */
function loghubLines(): Lines | undefined {
  if (!existsSync(loghubDir)) return undefined;
  const out: Lines = { text: [], source: [] };
  SYSTEMS.forEach((s, i) => {
    for (const l of readFileSync(join(loghubDir, `${s}_2k.log`), 'utf8').split('\n')) {
      if (l === '') continue;
      out.text.push(l);
      out.source.push(i + 1);
    }
  });
  return out;
}

/** Repeats lines up to n so each timed pass lasts long enough to measure. */
function repeatTo(lines: Lines, n: number): Lines {
  const out: Lines = { text: [], source: [] };
  while (out.text.length < n) {
    const k = Math.min(lines.text.length, n - out.text.length);
    out.text.push(...lines.text.slice(0, k));
    out.source.push(...lines.source.slice(0, k));
  }
  return out;
}

/** Interleaves two lists line by line, so formats (and sources) change from one line to the next. */
function interleave(a: Lines, b: Lines): Lines {
  const out: Lines = { text: [], source: [] };
  for (let i = 0; i < Math.max(a.text.length, b.text.length); i++) {
    if (i < a.text.length) {
      out.text.push(a.text[i]);
      out.source.push(a.source[i]);
    }
    if (i < b.text.length) {
      out.text.push(b.text[i]);
      out.source.push(b.source[i]);
    }
  }
  return out;
}

let sink = 0;

/** A line and the index of its source (each source keeps its own layout). */
type Lines = { text: string[]; source: number[] };

function timeLoop(lines: Lines, body: (line: string, source: number) => number): number {
  const t = process.cpuUsage();
  let s = 0;
  const text = lines.text;
  const source = lines.source;
  for (let i = 0; i < text.length; i++) s += body(text[i], source[i]);
  const u = process.cpuUsage(t);
  sink += s;
  return text.length / ((u.user + u.system) / 1e6);
}

/** The parser of the base revision, from git, or undefined when git cannot give it. */
async function loadBaseParser(): Promise<{ rev: string; parseLine: (line: string, opts: { now: number }) => { level: string; ts: number | undefined } } | undefined> {
  const rev = process.env.PARSE_BASE ?? 'main';
  try {
    const files = execFileSync('git', ['ls-tree', '-r', '--name-only', rev, 'src/shared/parse/', 'src/shared/levels.ts'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts'));
    const dir = mkdtempSync(join(tmpdir(), 'logpipe-parse-base-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), execFileSync('git', ['show', `${rev}:${f}`], { cwd: repoRoot }));
    }
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const mod = (await import(pathToFileURL(join(dir, 'src/shared/parse/index.ts')).href)) as { parseLine: never };
    const short = execFileSync('git', ['rev-parse', '--short', rev], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return { rev: `${rev} (${short})`, parseLine: mod.parseLine };
  } catch (err) {
    console.error(`No base parser from git revision "${rev}": ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

const NOW = Date.now();
let layouts: Layout[] = [];
const viaParse = (line: string, source: number): number => {
  const r = parseLine(line, { now: NOW, layout: layouts[source] });
  return r.level.length + (r.ts === undefined ? 0 : 1);
};
const base = await loadBaseParser();
const viaBase = (line: string): number => {
  const r = base!.parseLine(line, { now: NOW });
  return r.level.length + (r.ts === undefined ? 0 : 1);
};
const viaSplit = (line: string): number => line.split(' ').length;
const viaJson = (line: string): number => (JSON.parse(line) as object) === null ? 0 : 1;

interface Row {
  name: string;
  lines: number;
  parse: number;
  base?: number;
  split: number;
  json?: number;
}

function measure(name: string, lines: Lines, withJson = false): Row {
  layouts = Array.from({ length: lines.source.reduce((a, b) => Math.max(a, b), 0) + 1 }, () => newLayout());
  // Warm up the loops so the JIT has compiled them before timing.
  timeLoop(lines, viaParse);
  if (base) timeLoop(lines, viaBase);
  timeLoop(lines, viaSplit);
  const parse: number[] = [];
  const baseRuns: number[] = [];
  const split: number[] = [];
  const json: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    // Alternate the loops so noise from other processes hits them alike.
    parse.push(timeLoop(lines, viaParse));
    if (base) baseRuns.push(timeLoop(lines, viaBase));
    split.push(timeLoop(lines, viaSplit));
    if (withJson) json.push(timeLoop(lines, viaJson));
  }
  const row: Row = { name, lines: lines.text.length, parse: median(parse), base: base ? median(baseRuns) : undefined, split: median(split), json: withJson ? median(json) : undefined };
  console.error(`${name}: parseLine ${fmt(row.parse)} lines/s${row.base ? `, base ${fmt(row.base)}` : ''}, split ${fmt(row.split)} lines/s${row.json ? `, JSON.parse ${fmt(row.json)} lines/s` : ''}`);
  return row;
}

/** Lines of one source each. */
function oneSource(text: string[]): Lines {
  return { text, source: text.map(() => 0) };
}

const N = 200_000;
const seed200k = oneSource(seedLines(N));
const hub = loghubLines();
const rows: Row[] = [measure('prototype lines `… - [LEVEL]: text`', seed200k)];
if (hub) {
  rows.push(measure('Loghub, 8 systems (16k lines, repeated)', repeatTo(hub, N)));
  rows.push(measure('mix: Loghub and prototype lines interleaved', interleave(repeatTo(hub, N / 2), oneSource(seed200k.text.slice(0, N / 2)))));
} else console.error(`Skipping the Loghub mixes: no samples at "${loghubDir}".`);
rows.push(measure('JSON lines (pino-like)', oneSource(jsonLines(N / 2)), true));
rows.push(measure('logfmt lines', oneSource(logfmtLines(N / 2))));

const baseName = base ? `parser at ${base.rev}` : 'no base parser';
console.log(`\n| lines | parseLine lines/s | ${baseName} lines/s | \`split(' ')\` lines/s | parse / base | parse / split |`);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const ref = r.json ? `${fmt(r.split)}; \`JSON.parse\` alone ${fmt(r.json)} (parse / JSON.parse ${(r.parse / r.json).toFixed(2)})` : fmt(r.split);
  console.log(`| ${r.name} | ${fmt(r.parse)} | ${r.base ? fmt(r.base) : '–'} | ${ref} | ${r.base ? (r.parse / r.base).toFixed(2) : '–'} | ${(r.parse / r.split).toFixed(2)} |`);
}
console.log(`\n(${RUNS} timed passes per row, CPU-time medians; sink ${sink % 10})`);
