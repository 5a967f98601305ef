// Linear-time regex engines for `/regex/` queries, each beside JavaScript's own RegExp (a
// backtracking engine: the reference for speed, and what must never run user patterns) measured
// in the same run over the same log lines: compile time per pattern, search throughput (MB/s,
// median of RUNS), and a catastrophic pattern that backtracking cannot finish.
//   node --import tsx bench/regex-engines.bench.ts [lines] [runs]
// re2js is a dependency. The native `re2` binding and `re2-wasm` are measured when found in
// RE2_BENCH_DIR (a folder with node_modules/re2 and/or node_modules/re2-wasm, e.g. made with
// `npm install re2@1.27.1 re2-wasm@1.0.2` there); they are not dependencies (see docs/query.md).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RE2JS } from 're2js';
import { mulberry32 } from '../src/shared/random.js';

const LINES = Number(process.argv[2] ?? 50_000);
const RUNS = Number(process.argv[3] ?? 5);

interface Engine {
  name: string;
  compile(src: string): (s: string) => boolean;
}

const engines: Engine[] = [
  { name: 'RegExp (reference, backtracking)', compile: (src) => { const re = new RegExp(src, 'u'); return (s) => re.test(s); } },
  { name: 're2js 2.10.0 (pure JS)', compile: (src) => { const re = RE2JS.compile(src); return (s) => re.test(s); } },
];
const dir = process.env.RE2_BENCH_DIR;
if (dir) {
  const req = createRequire(join(dir, 'index.js'));
  try {
    const RE2 = req('re2') as new (src: string, flags: string) => { test(s: string): boolean };
    engines.push({ name: 're2 1.27.1 (native binding)', compile: (src) => { const re = new RE2(src, 'u'); return (s) => re.test(s); } });
  } catch (e) {
    console.log(`re2 not found in ${dir}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const { RE2 } = req('re2-wasm') as { RE2: new (src: string, flags: string) => { test(s: string): boolean } };
    engines.push({ name: 're2-wasm 1.0.2 (WebAssembly)', compile: (src) => { const re = new RE2(src, 'u'); return (s) => re.test(s); } });
  } catch (e) {
    console.log(`re2-wasm not found in ${dir}: ${(e as Error).message.split('\n')[0]}`);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rnd = mulberry32(5);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const lines: string[] = [];
for (let i = 0; i < LINES; i++) {
  lines.push(pick([
    `2026-11-30 12:00:${String(i % 60).padStart(2, '0')}.123 INFO [http] GET /api/v1/orders/${i} 200 ${Math.floor(rnd() * 300)}ms request_id=${(i * 2654435761 >>> 0).toString(16)}`,
    `2026-11-30 12:00:00.456 ERROR [billing] charge failed: connect ECONNREFUSED 10.0.${i % 255}.7:5432 (attempt ${i % 5}/5)`,
    `{"level":30,"time":1764504000000,"service":"auth","msg":"user ${i} logged in from 10.0.0.5","duration":"${i % 900}ms"}`,
    `2026-11-30 12:00:00.789 WARN [db] slow query took ${(rnd() * 3).toFixed(2)}s: SELECT * FROM orders WHERE id = ${i}`,
  ]));
}
const mb = lines.reduce((n, l) => n + l.length, 0) / 1e6;

const PATTERNS = [
  String.raw`/api/v1/orders/\d+`,
  String.raw`(?i)econnrefused`,
  String.raw`took \d+\.\d+s`,
  String.raw`request_id=[0-9a-f]{6,8}\b`,
  String.raw`(GET|POST|PUT|DELETE) \S+ 5\d\d`,
];

console.log(`${LINES.toLocaleString('en-US')} lines, ${mb.toFixed(1)} MB; median of ${RUNS} runs; Node ${process.version}`);
for (const src of PATTERNS) {
  console.log(`\npattern /${src}/`);
  let refHits = -1;
  for (const e of engines) {
    const c0 = performance.now();
    let test: (s: string) => boolean;
    // JavaScript has no inline (?i): give RegExp the flag instead.
    try {
      test = e.name.startsWith('RegExp') && src.startsWith('(?i)') ? ((re) => (s: string) => re.test(s))(new RegExp(src.slice(4), 'iu')) : e.compile(src);
    } catch (err) {
      console.log(`  ${e.name.padEnd(34)} cannot compile: ${(err as Error).message}`);
      continue;
    }
    const compileMs = performance.now() - c0;
    const times: number[] = [];
    let hits = 0;
    for (let r = 0; r < RUNS; r++) {
      hits = 0;
      const t0 = performance.now();
      for (const l of lines) if (test(l)) hits++;
      times.push(performance.now() - t0);
    }
    if (refHits === -1) refHits = hits;
    const ms = median(times);
    console.log(`  ${e.name.padEnd(34)} compile ${compileMs.toFixed(2).padStart(7)} ms  scan ${ms.toFixed(1).padStart(8)} ms  ${(mb / (ms / 1000)).toFixed(1).padStart(7)} MB/s  hits ${hits}${hits === refHits ? '' : ' (DIFFERS from RegExp)'}`);
  }
}

// Catastrophic backtracking: (a+)+$ against "aaa…ab". RegExp's time doubles with each `a`
// (measured at 22..26 only); the RE2 engines answer the 10,000-character case at once.
console.log('\npattern /(a+)+$/ on "a"×n + "b"');
for (const n of [22, 24, 26]) {
  const t0 = performance.now();
  /(a+)+$/.test('a'.repeat(n) + 'b');
  console.log(`  RegExp n=${n}: ${(performance.now() - t0).toFixed(1)} ms`);
}
for (const e of engines.slice(1)) {
  const test = e.compile('(a+)+$');
  const s = 'a'.repeat(10_000) + 'b';
  const t0 = performance.now();
  test(s);
  console.log(`  ${e.name} n=10000: ${(performance.now() - t0).toFixed(1)} ms`);
}
