// Parsing a query (src/shared/query) beside today's search splitter (splitTerms of
// src/shared/search.ts) on the same texts in the same run: µs per parse, median of RUNS rounds of
// N parses each. The target is under 1 ms for a typical query.
//   node --import tsx bench/query-parse.bench.ts [parses-per-round] [runs]
import { parseQuery } from '../src/shared/query/parse.js';
import { splitTerms } from '../src/shared/search.js';

const N = Number(process.argv[2] ?? 20_000);
const RUNS = Number(process.argv[3] ?? 7);

const QUERIES: Array<[string, string]> = [
  ['two words (today\'s syntax)', 'payment timeout'],
  ['phrase and prefix', '"upstream error" conn*'],
  ['typical field query', 'level:error,fatal source:billing http.status:>=500 -k8s.pod.name:api-* "charge failed"'],
  ['OR, NOT and groups', '(billing OR auth) -timeout NOT level:debug'],
  ['substring, regex, duration', '~"ECONN" /api\\/v1\\/orders\\/\\d+/ duration:>250ms'],
  ['with a stats pipe', 'request_id:req-42 | stats count() by (source, level) limit 10'],
  ['1 KB of words', Array.from({ length: 150 }, (_, i) => `word${i}`).join(' ').slice(0, 1024)],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) fn();
    rounds.push(((performance.now() - t0) * 1000) / N);
  }
  return median(rounds);
}

console.log(`${N.toLocaleString('en-US')} parses per round, median of ${RUNS} rounds; Node ${process.version}`);
console.log(`${'query'.padEnd(30)} ${'parseQuery µs'.padStart(14)} ${'splitTerms µs'.padStart(14)} ${'ratio'.padStart(7)}`);
for (const [name, q] of QUERIES) {
  parseQuery(q); // compiles the regex once, as the cache would in a server
  const ours = time(() => parseQuery(q));
  const ref = time(() => splitTerms(q));
  console.log(`${name.padEnd(30)} ${ours.toFixed(2).padStart(14)} ${ref.toFixed(2).padStart(14)} ${(ours / ref).toFixed(1).padStart(6)}x`);
}
