// The reference evaluator (compileQuery, src/shared/query) over in-memory records — what the live
// tail pays per record and subscriber, and what a store's fallback pays per candidate row —
// beside today's live-tail matcher (compileFilter of src/server/live/match.ts) on the same
// records in the same run, for the queries both understand; the new constructs are shown alone.
//   node --import tsx bench/query-eval.bench.ts [records] [runs]
import { compileQuery } from '../src/shared/query/evaluate.js';
import { parseQuery } from '../src/shared/query/parse.js';
import { mulberry32 } from '../src/shared/random.js';
import { tokenize } from '../src/shared/search.js';
import type { Level } from '../src/shared/levels.js';
import type { LogRecord } from '../src/shared/record.js';
import { compileFilter } from '../src/server/live/match.js';

const N = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rnd = mulberry32(11);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const records: LogRecord[] = [];
for (let i = 0; i < N; i++) {
  records.push({
    id: i + 1,
    ts: 1_764_504_000_000 + i,
    level: pick<Level>(['info', 'info', 'info', 'debug', 'warn', 'error']),
    source: pick(['billing', 'auth', 'checkout', 'worker']),
    host: pick(['web-1', 'web-2', 'db-1']),
    message: pick([
      `GET /api/v1/orders/${i} 200 ${Math.floor(rnd() * 300)}ms`,
      `charge failed: connect ECONNREFUSED 10.0.${i % 255}.7:5432`,
      `user ${i} logged in from 10.0.0.5`,
      `slow query took ${(rnd() * 3).toFixed(2)}s`,
    ]),
    attrs: { request_id: `req-${i % 1000}`, http: { status: pick([200, 200, 404, 500, 503]) }, duration: `${Math.floor(rnd() * 900)}ms` },
  });
}
const mb = records.reduce((n, r) => n + r.message.length, 0) / 1e6;

function run(match: (r: LogRecord, tokens: () => string[]) => boolean): { ms: number; hits: number } {
  const times: number[] = [];
  let hits = 0;
  for (let k = 0; k < RUNS; k++) {
    hits = 0;
    const t0 = performance.now();
    for (const r of records) {
      let tk: string[] | undefined;
      if (match(r, () => (tk ??= tokenize(r.message)))) hits++;
    }
    times.push(performance.now() - t0);
  }
  return { ms: median(times), hits };
}

console.log(`${N.toLocaleString('en-US')} records (${mb.toFixed(1)} MB of messages), median of ${RUNS} runs; Node ${process.version}`);
const SAME: Array<[string, Parameters<typeof compileFilter>[0]]> = [
  ['connect ECONN*', { q: 'connect ECONN*' }],
  ['"logged in"', { q: '"logged in"' }],
  ['level:error source:billing', { levels: ['error'], sources: ['billing'] }],
];
for (const [q, filter] of SAME) {
  // Today's matcher runs first, so any warm-up of the loop favours the new evaluator's rival.
  const ref = run(compileFilter(filter)!);
  const ours = run(compileQuery(parseQuery(q)));
  console.log(`${q.padEnd(44)} query ${ours.ms.toFixed(1).padStart(7)} ms (${Math.round(N / ours.ms * 1000).toLocaleString('en-US')}/s)  today's matcher ${ref.ms.toFixed(1).padStart(7)} ms  ratio ${(ours.ms / ref.ms).toFixed(2)}x  hits ${ours.hits}/${ref.hits}`);
}
for (const q of ['billing OR auth', 'connect -failed', 'http.status:>=500', 'request_id:req-42', 'duration:>250ms', '~"ECONN"', '/orders\\/\\d+ 5\\d\\d/', '(level:error OR http.status:503) -~"econnrefused"']) {
  const ours = run(compileQuery(parseQuery(q)));
  console.log(`${q.padEnd(44)} query ${ours.ms.toFixed(1).padStart(7)} ms (${Math.round(N / ours.ms * 1000).toLocaleString('en-US')}/s, ${(mb / ours.ms * 1000).toFixed(0)} MB/s)  hits ${ours.hits}`);
}
