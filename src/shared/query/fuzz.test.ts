import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogpipeError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { parseQuery } from './parse.js';
import { printQuery } from './print.js';
import { clearRegexCache } from './regex.js';
import { lowerQuery } from './lower.js';
import { matches, runPipe, type QueryRecord } from './evaluate.js';

const LIMIT_MS = 10;

const RECORDS: QueryRecord[] = [
  { ts: 0, level: 'error', source: 'billing', host: 'web-1', message: 'POST /api/v1/orders/7 503 ECONNREFUSED took 1.5s', attrs: { status: 503, a: { b: ['x', 2, null, { c: true }] }, 'k.v': '12 KiB', d: '250ms' } },
  { ts: 1, level: 'unknown', source: '', host: '', message: '', attrs: null },
];

function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (k !== 'span') out[k] = strip(v);
  return out;
}

/**
 * Parses one input: it must give a tree whose canonical text parses to the same tree, or throw
 * LP_ERR_QUERY; and it must take under 10 ms. A slow parse is timed again (best of up to ten,
 * the compiled-regex cache cleared each time), and timed by CPU as well as wall clock, so that a
 * busy machine's pause is not taken for the parser's cost.
 */
/**
 * The parse's cost: the smaller of wall time and this process's CPU time since the start. On
 * two cores with a load of 18, wall time counts the slices other processes ran in; CPU time
 * does not (it may count a GC thread, which only makes the bound stricter than wall time).
 */
function elapsed(t0: number, c0: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(c0);
  return Math.min(performance.now() - t0, (cpu.user + cpu.system) / 1000);
}

function check(input: string): 'ok' | 'error' {
  let outcome: 'ok' | 'error' = 'ok';
  const once = () => {
    clearRegexCache();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      const tree = parseQuery(input);
      const ms = elapsed(t0, c0);
      const text = printQuery(tree);
      // Canonical text can outgrow the 1,024-character limit (quotes, spaces added); only shorter is re-parsed.
      const again = text.length <= 1024 ? parseQuery(text) : tree;
      // Whatever parses can be evaluated, lowered and piped without throwing.
      for (const r of RECORDS) matches(tree, r);
      lowerQuery(tree);
      if (tree.pipe) runPipe(tree.pipe, RECORDS);
      assert.deepEqual(strip(again), strip(tree), `canonical text of ${JSON.stringify(input.slice(0, 200))} is ${JSON.stringify(printQuery(tree).slice(0, 200))}`);
      outcome = 'ok';
      return ms;
    } catch (e) {
      const ms = elapsed(t0, c0);
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(e instanceof LogpipeError && e.code === 'LP_ERR_QUERY', `${JSON.stringify(input.slice(0, 200))} threw ${String(e)}`);
      const col = (e.details as { column: number }).column;
      assert.ok(Number.isInteger(col) && col >= 1 && col <= input.length + 1, `column ${col} lies within the query`);
      outcome = 'error';
      return ms;
    }
  };
  let ms = once();
  for (let i = 0; i < 9 && ms > LIMIT_MS; i++) ms = Math.min(ms, once());
  assert.ok(ms < LIMIT_MS, `parsing ${JSON.stringify(input.slice(0, 80))}… (${input.length} chars) took ${ms.toFixed(1)} ms`);
  return outcome;
}

test('random strings parse or fail with LP_ERR_QUERY only, each in under 10 ms; what parses round-trips, evaluates and lowers', () => {
  const rnd = mulberry32(12);
  const PIECES = ['a', 'B', '7', 'é', ' ', ' ', '"', '\\', '-', '~', '/', '|', '(', ')', '*', ':', ',', '<', '>', '=', '.', 'OR ', 'AND ', 'NOT ', 'level:', 'status:', 'ms', 'KiB', '| stats count() by (', '| top 3 ', 'limit ', '\u00a0', '\0', '\u{1F600}', '[', ']', '+', '?', '$', '^', '{2}'];
  const counts = { ok: 0, error: 0 };
  for (let i = 0; i < 3000; i++) {
    const n = rnd() < 0.9 ? Math.floor(rnd() * 30) : Math.floor(rnd() * 400);
    let s = '';
    for (let j = 0; j < n; j++) s += PIECES[Math.floor(rnd() * PIECES.length)];
    counts[check(s.slice(0, 1024))]++;
  }
  // Both outcomes are exercised, not only one.
  assert.ok(counts.ok > 300 && counts.error > 300, JSON.stringify(counts));
});

test('1 KB adversarial inputs (deep parentheses, runs of quotes, backslashes, operators) stay under 10 ms', () => {
  const K = 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(K / unit.length)).slice(0, K);
  const inputs = [
    fill('('), fill(')'), '('.repeat(512) + ')'.repeat(512), '('.repeat(60) + 'a' + ')'.repeat(60) + fill(' ').slice(0, 900),
    fill('"'), fill('\\'), fill('\\"'), '"' + fill('\\').slice(2) + '"', fill('-'), fill('- '), fill('NOT '), fill('-('),
    fill('/'), fill('/a '), fill('/('), '/' + fill('a').slice(2) + '/', '/' + fill('(a+)+').slice(0, 1000) + '/', '/' + fill('a{1000}').slice(0, 1000) + '/',
    fill('~'), fill('~"'), fill('|'), fill('| '), fill('*'), fill(':'), fill('a:'), fill('a:b,'), fill(','), fill('a OR '), fill('OR '), fill('AND '),
    fill('a:>'), fill('a:>1'), fill('level:error,'), fill('x.'), fill('é'), fill('\u{1F600}'), fill('"a" '), fill('a*'), fill('(a OR b) '),
    fill('a:"') , fill('http://'), fill('12:30 '), fill('| stats count() by ('), fill('\u00a0'), fill('a'),
  ];
  for (const s of inputs) {
    assert.ok(s.length <= K);
    check(s);
  }
});
