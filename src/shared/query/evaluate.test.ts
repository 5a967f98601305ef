import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../parse/index.js';
import { parseSearch, termMatches, tokenize } from '../search.js';
import type { Level } from '../levels.js';
import { compileQuery, matches, runPipe, type QueryRecord } from './evaluate.js';
import { lowerQuery } from './lower.js';
import { parseQuery } from './parse.js';

const NOW = Date.UTC(2026, 10, 30, 12);

/** A record as the server would store a line: through the real line parser (JSON, logfmt, plain). */
function fromLine(line: string, source = 'default', host = ''): QueryRecord {
  const p = parseLine(line, { now: NOW });
  return { ts: p.ts ?? NOW, level: p.level, source: p.source ?? source, host: p.host ?? host, message: p.message, attrs: p.attrs ?? null };
}

const RECORDS: Record<string, QueryRecord> = {
  // pino JSON: service → source, hostname → host, the rest in attrs (nested req).
  pino: fromLine(JSON.stringify({ level: 50, time: NOW, service: 'billing', hostname: 'web-1', msg: 'POST /api/v1/orders/4711 charge failed: connect ECONNREFUSED 10.0.0.7:5432', req: { method: 'POST', url: '/api/v1/orders/4711' }, request_id: 'req-42', duration: '312ms', bytes: 20480, http: { status: 503 } })),
  // logfmt (Go slog): every pair is a string in attrs.
  logfmt: fromLine('time=2026-11-30T11:59:00Z level=warn msg="slow query" service=auth host=db-2 duration_ms=250.5 took=1.5s size="12 KiB" user.id=u-7 request_id=req-42'),
  // OTLP-style: flat dotted keys from resource and record attributes.
  otlp: { ts: NOW, level: 'info', source: 'checkout', host: 'node-3', message: 'GET /api/v1/orders/12 200 in 18ms', attrs: { 'http.status': 200, 'http.route': '/api/v1/orders/:id', 'k8s.pod.name': 'api-7d9f', 'k8s.namespace.name': 'prod', trace_id: 'abc123', 'service.version': '1.4.2', tags: ['blue', 'canary'] } },
  // plain text line: only the message (and the level from its header).
  plain: fromLine('2026-11-30 11:58:00 ERROR [worker] upstream timeout after 3000ms, retrying (attempt 2/5)', 'worker-log', 'web-2'),
  fatal: { ts: NOW, level: 'fatal', source: 'billing', host: 'web-1', message: 'panic: runtime error: index out of range', attrs: { 'http.status': '500', duration: 2.5 } },
};

function selected(q: string): string[] {
  const tree = parseQuery(q);
  return Object.entries(RECORDS).filter(([, r]) => matches(tree, r)).map(([k]) => k).sort();
}

test('the records read as the server stores them (the mapping the evaluator relies on)', () => {
  assert.equal(RECORDS.pino.level, 'error');
  assert.equal(RECORDS.pino.source, 'billing');
  assert.equal(RECORDS.pino.host, 'web-1');
  assert.equal(RECORDS.logfmt.level, 'warn');
  assert.equal(RECORDS.plain.level, 'error');
  assert.equal((RECORDS.logfmt.attrs as Record<string, unknown>)['user.id'], 'u-7');
});

const CASES: Array<[string, string[]]> = [
  // bare terms: tokens, phrases, prefixes, as search.ts
  ['econnrefused', ['pino']],
  ['ECONN', []],
  ['econn*', ['pino']],
  ['"upstream timeout"', ['plain']],
  ['"timeout upstream"', []],
  ['orders', ['otlp', 'pino']],
  ['/api/v1/orders', ['otlp', 'pino']],
  // NOT / OR / grouping
  ['billing OR auth', ['logfmt']],
  ['charge OR slow', ['logfmt', 'pino']],
  ['orders -post', ['otlp']],
  ['NOT orders', ['fatal', 'logfmt', 'plain']],
  ['(charge OR slow) -level:warn', ['pino']],
  ['charge slow OR panic', ['fatal']],
  // substring and regex on the message
  ['~"ECONN"', ['pino']],
  ['~econnref', ['pino']],
  ['~"ORDERS/4"', ['pino']],
  ['/api\\/v1\\/orders\\/\\d+/', ['otlp', 'pino']],
  ['/orders\\/\\d{4}\\b/', ['pino']],
  ['/(?i)PANIC:/', ['fatal']],
  ['/PANIC:/', []],
  // columns as fields
  ['level:error,fatal', ['fatal', 'pino', 'plain']],
  ['level:warning', ['logfmt']],
  ['-level:error', ['fatal', 'logfmt', 'otlp']],
  ['level:e*', ['pino', 'plain']],
  ['source:billing', ['fatal', 'pino']],
  ['source:bill*,auth', ['fatal', 'logfmt', 'pino']],
  ['host:web-*', ['fatal', 'pino', 'plain']],
  ['host:*', ['fatal', 'logfmt', 'otlp', 'pino', 'plain']],
  ['message:econnrefused', ['pino']],
  // attrs: equality, nested and flat dotted paths, arrays, prefix, presence
  ['request_id:req-42', ['logfmt', 'pino']],
  ['request_id:REQ-42', []],
  ['http.status:503', ['pino']],
  ['http.status:200,500', ['fatal', 'otlp']],
  ['req.method:POST', ['pino']],
  ['k8s.pod.name:api-*', ['otlp']],
  ['tags:canary', ['otlp']],
  ['user.id:*', ['logfmt']],
  ['-trace_id:*', ['fatal', 'logfmt', 'pino', 'plain']],
  ['-http.status:503', ['fatal', 'logfmt', 'otlp', 'plain']],
  ['http.route:"/api/v1/orders/:id"', ['otlp']],
  // comparisons: numbers and numeric strings, durations and sizes
  ['http.status:>=500', ['fatal', 'pino']],
  ['http.status:<300', ['otlp']],
  ['duration_ms:>250', ['logfmt']],
  ['duration_ms:>250ms', ['logfmt']],
  ['duration:>250ms', ['pino']],
  ['duration:>2', ['fatal']],
  ['duration:<0.5s', ['pino']],
  ['took:>=1500ms took:<2s', ['logfmt']],
  ['bytes:>10KB', ['pino']],
  ['bytes:>20KiB', []],
  ['bytes:>=20KiB', ['pino']],
  ['size:>12KB size:<=12KiB', ['logfmt']],
  // following one request across services
  ['request_id:req-42 | stats count() by (source)', ['logfmt', 'pino']],
];

test('the evaluator selects what each construct means on JSON, logfmt, OTLP and plain records', () => {
  for (const [q, want] of CASES) assert.deepEqual(selected(q), want, q);
});

test('bare terms match exactly as today\'s search (search.ts) for queries in today\'s syntax', () => {
  const messages = Object.values(RECORDS).map((r) => r.message);
  for (const q of ['orders', 'econn*', '"upstream timeout" retrying', 'api v1', '"orders 4711"', 'panic runtime', 'x"y"', 'NEAR(a b)', 'in 18ms', '12 200', 'a "b c']) {
    const tree = parseQuery(q);
    const terms = parseSearch(q);
    for (const m of messages) {
      const r = { ts: 0, level: 'info' as Level, source: 's', host: '', message: m, attrs: null };
      assert.equal(matches(tree, r), terms.every((t) => termMatches(t, tokenize(m))), `${q} on ${m}`);
    }
  }
});

test('a query with no letter or digit is a substring search, as today', () => {
  const r = { ts: 0, level: 'info' as Level, source: 's', host: '', message: 'a -> b :)', attrs: null };
  assert.ok(matches(parseQuery('->'), r));
  assert.ok(matches(parseQuery(':)'), r));
  assert.ok(!matches(parseQuery('<-'), r));
});

test('compileQuery shares the message tokens it is given; an empty query matches everything', () => {
  let calls = 0;
  const m = compileQuery(parseQuery('charge OR failed OR zzz'));
  const tokens = () => {
    calls++;
    return tokenize(RECORDS.pino.message);
  };
  assert.ok(m(RECORDS.pino, tokens));
  assert.ok(calls >= 1);
  assert.ok(compileQuery(parseQuery(''))(RECORDS.plain));
  assert.ok(matches(null, RECORDS.plain));
});

test('stats and top answer tables: counts by the fields, highest first, ties by value, limit kept', () => {
  const recs = Object.values(RECORDS);
  const stats = parseQuery('| stats count() by (source, level)').pipe!;
  assert.deepEqual(runPipe(stats, recs), {
    columns: ['source', 'level', 'count'],
    rows: [['auth', 'warn', 1], ['billing', 'error', 1], ['billing', 'fatal', 1], ['checkout', 'info', 1], ['worker-log', 'error', 1]],
  });
  assert.deepEqual(runPipe(parseQuery('| stats count() by (source) limit 2').pipe!, recs), { columns: ['source', 'count'], rows: [['billing', 2], ['auth', 1]] });
  assert.deepEqual(runPipe(parseQuery('| stats count() by (request_id)').pipe!, recs), { columns: ['request_id', 'count'], rows: [[null, 3], ['req-42', 2]] });
  assert.deepEqual(runPipe(parseQuery('| top 2 http.status').pipe!, recs), { columns: ['http.status', 'count'], rows: [['200', 1], ['500', 1]] });
  assert.deepEqual(runPipe(parseQuery('| stats count()').pipe!, []), { columns: ['count'], rows: [[0]] });
  assert.deepEqual(runPipe(parseQuery('| stats count()').pipe!, recs), { columns: ['count'], rows: [[5]] });
});

test('lowering: a pure AND of supported parts is exact; OR, NOT over text, substring, regex, lists and units are reported', () => {
  assert.deepEqual(lowerQuery(parseQuery('level:error,fatal source:billing host:web-1 request_id:req-42 -http.status:503 user.id:* latency:>=250 "disk full" conn*')), {
    filter: {
      q: '"disk full" "conn"*',
      levels: ['error', 'fatal'],
      sources: ['billing'],
      host: 'web-1',
      fields: [
        { path: 'request_id', op: 'eq', value: 'req-42' },
        { path: 'http.status', op: 'eq', value: '503', negate: true },
        { path: 'user.id', op: 'exists' },
        { path: 'latency', op: 'range', gte: 250 },
      ],
    },
    exact: true,
    empty: false,
    needs: [],
    pipe: null,
    contains: [],
  });
  const needs = (q: string) => lowerQuery(parseQuery(q)).needs;
  assert.deepEqual(needs('a OR b'), ['or']);
  assert.deepEqual(needs('a -b'), ['not']);
  assert.deepEqual(needs('~"ECONN" /x+/'), ['substring', 'regex']);
  assert.deepEqual(needs('status:500,503 duration:>5ms'), ['list', 'unit']);
  assert.deepEqual(needs('source:api* host:*'), ['prefix', 'exists']);
  assert.deepEqual(needs('| top 5 source'), ['pipe']);
  assert.equal(lowerQuery(parseQuery('| top 5 source')).exact, true);
  assert.deepEqual(lowerQuery(parseQuery('-level:debug,trace')).filter, { levels: ['info', 'warn', 'error', 'fatal', 'unknown'] });
  assert.equal(lowerQuery(parseQuery('level:info level:error')).empty, true);
  assert.equal(lowerQuery(parseQuery('host:a host:b')).empty, true);
  assert.deepEqual(lowerQuery(parseQuery('->')).filter, { q: '->' });
});
