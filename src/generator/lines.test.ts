import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMATS, LEVEL_MIX, LineFactory, Rand, SERVICES, TimeFormatter, extractRecordSeq, extractSeq, seedFrom } from './lines.js';

const PLAIN_HEAD = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) - (.*)$/;
const PROTOTYPE_LEVEL = /^\[?(INFO|WARN|ERROR|DEBUG)\]?\s*:/i;
const CONTINUATION = /^(\s+|Caused by: )/;

/** Groups plain output into records: a record is a timestamped line plus its continuation lines. */
function plainRecords(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (PLAIN_HEAD.test(line)) out.push([line]);
    else {
      assert.match(line, CONTINUATION, `a non-timestamped line must be a continuation: ${line}`);
      assert.ok(out.length > 0, 'output must not start with a continuation line');
      out[out.length - 1].push(line);
    }
  }
  return out;
}

function assertContiguous(seqs: (number | undefined)[], first: number): void {
  seqs.forEach((s, i) => assert.equal(s, first + i, `record ${i} carries seq ${s}, expected ${first + i}`));
}

function assertMix(counts: Record<string, number>, total: number): void {
  for (const [level, pct] of Object.entries(LEVEL_MIX)) {
    const got = ((counts[level] ?? 0) / total) * 100;
    // 20,000 records: binomial sd is under 0.35 points for 70%; allow wide, still-failing bounds.
    const tol = Math.max(0.6, pct * 0.12);
    assert.ok(Math.abs(got - pct) <= tol, `${level}: ${got.toFixed(2)}% of records, expected ${pct}% ± ${tol.toFixed(2)}`);
  }
}

const T0 = Date.parse('2026-03-14T09:26:53.589Z');

test('extractSeq reads the sequence number of every format and none from continuation lines', () => {
  assert.equal(extractSeq('2026-01-02 03:04:05.678 - [INFO]: api: GET / 200 3ms request_id=abc user=bob seq=42'), 42);
  assert.equal(extractSeq('2026-01-02 03:04:05.678 - Log 7'), 7);
  assert.equal(extractSeq('{"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"x","seq":1234}'), 1234);
  assert.equal(extractSeq('ts=2026-01-02T03:04:05.678Z level=warn msg="slow" seq=99 stack="x"'), 99);
  assert.equal(extractSeq('2026-01-02 03:04:05.678 - [ERROR]: billing: failed seq=5\n\tat com.acme.X.y(X.java:1)\nCaused by: java.io.IOException: x'), 5);
  assert.equal(extractSeq('\tat com.acme.billing.db.PoolManager.acquire(PoolManager.java:142)'), undefined);
  assert.equal(extractSeq('Caused by: java.net.SocketTimeoutException: Connect timed out'), undefined);
  assert.equal(extractSeq('some other line with subseq=3 and xseq=4'), undefined);
  assert.equal(extractSeq('2026-01-02 03:04:05.678 - Log 7 and more'), undefined);
});

test('extractRecordSeq falls back to the seq attribute of a stored JSON record', () => {
  assert.equal(extractRecordSeq({ message: 'hit ratio 0.97 over the last 10s', attrs: { seq: 449 } }), 449);
  assert.equal(extractRecordSeq({ message: 'x', attrs: { seq: '179' } }), 179);
  assert.equal(extractRecordSeq({ message: 'ts=… level=info msg="x" seq=12', attrs: { seq: '99' } }), 12);
  assert.equal(extractRecordSeq({ message: 'x', attrs: null }), undefined);
  assert.equal(extractRecordSeq({ message: 'x', attrs: { seq: 'abc' } }), undefined);
});

test('plain: prototype format, level mix within tolerance, contiguous seq, stack traces and Log N lines', () => {
  const f = new LineFactory({ format: 'plain', seed: 'mix', startSeq: 1 });
  const { text, records } = f.chunk(20_000, Infinity, T0, 3);
  assert.equal(records, 20_000);
  assert.equal(f.nextSeq, 20_001);
  const recs = plainRecords(text);
  assert.equal(recs.length, 20_000);
  assertContiguous(recs.map((r) => extractSeq(r.join('\n'))), 1);

  const counts: Record<string, number> = {};
  let seedLines = 0;
  let traces = 0;
  let causedBy = 0;
  const services = new Set<string>();
  recs.forEach((rec, i) => {
    const m = PLAIN_HEAD.exec(rec[0])!;
    // Zone-less local time: reading the fields back as local time gives the stamp we asked for.
    const local = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]).getTime();
    assert.equal(local, Math.floor(T0 + i * 3));
    const rest = m[8];
    if (/^Log \d+$/.test(rest)) {
      seedLines++;
      assert.equal(rec.length, 1);
      return;
    }
    const lm = /^\[(DEBUG|INFO|WARN|ERROR|FATAL)\]: ([a-z]+): .* request_id=[0-9a-f]{12} user=[a-z]+ seq=\d+$/.exec(rest);
    assert.ok(lm, `unexpected plain line: ${rec[0]}`);
    const level = lm[1].toLowerCase();
    counts[level] = (counts[level] ?? 0) + 1;
    services.add(lm[2]);
    if (level !== 'fatal') assert.match(rest, PROTOTYPE_LEVEL, 'the prototype dashboard must recognise the level');
    if (rec.length > 1) {
      traces++;
      assert.ok(level === 'error' || level === 'fatal', `stack trace after a ${level} record`);
      assert.ok(rec.slice(1).some((l) => /^\s+at /.test(l)), 'a stack trace has "at" frames');
      if (rec.some((l) => l.startsWith('Caused by: '))) causedBy++;
    }
  });
  const leveled = recs.length - seedLines;
  assertMix(counts, leveled);
  assert.ok(seedLines > 600 && seedLines < 1400, `about 5% Log N lines, got ${seedLines}`);
  assert.ok(traces > 100, `stack traces present, got ${traces}`);
  assert.ok(causedBy > 10, `Java traces with "Caused by:", got ${causedBy}`);
  for (const s of ['api', 'auth', 'billing', 'db', 'worker', 'cache']) assert.ok(services.has(s), `service ${s} appears`);
});

test('plain without stack traces has one line per record', () => {
  const f = new LineFactory({ format: 'plain', seed: 3, stackTraces: false });
  const text = f.chunk(5000, Infinity, T0).text;
  const lines = text.split('\n').filter(Boolean);
  assert.equal(lines.length, 5000);
  assertContiguous(lines.map(extractSeq), 1);
});

test('seed: only "YYYY-MM-DD HH:MM:SS.mmm - Log N" lines, as logs.sh wrote them', () => {
  const f = new LineFactory({ format: 'seed', startSeq: 150 });
  const lines = f.chunk(1000, Infinity, T0, 1000).text.split('\n').filter(Boolean);
  assert.equal(lines.length, 1000);
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} - Log \d+$/);
  assertContiguous(lines.map(extractSeq), 150);
});

test('json: one object per line with time, level, msg, service, request_id, latency and seq', () => {
  const f = new LineFactory({ format: 'json', seed: 'json' });
  const lines = f.chunk(20_000, Infinity, T0, 1).text.split('\n').filter(Boolean);
  assert.equal(lines.length, 20_000);
  const counts: Record<string, number> = {};
  let stacks = 0;
  let latencies = 0;
  const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  objs.forEach((o, i) => {
    assert.equal(o.time, new Date(T0 + i).toISOString());
    assert.equal(typeof o.msg, 'string');
    assert.equal(typeof o.service, 'string');
    assert.match(String(o.request_id), /^[0-9a-f]{12}$/);
    counts[String(o.level)] = (counts[String(o.level)] ?? 0) + 1;
    if (typeof o.latency_ms === 'number') latencies++;
    if (o.stack !== undefined) {
      stacks++;
      assert.match(String(o.stack), /\n\s+at /);
    }
  });
  assertContiguous(objs.map((o) => o.seq as number), 1);
  assertContiguous(lines.map(extractSeq), 1);
  assertMix(counts, objs.length);
  assert.ok(stacks > 100, `stack fields present, got ${stacks}`);
  assert.ok(latencies > 5000, `latency_ms present on requests, got ${latencies}`);
});

/** A small logfmt reader: key=value and key="quoted \"value\"". */
function parseLogfmt(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-z_]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(line))) {
    assert.equal(line.slice(end, m.index).trim(), '', `stray text in logfmt line: ${line}`);
    out[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
    end = re.lastIndex;
  }
  return out;
}

test('logfmt: ts, level, msg, service and seq on one line each', () => {
  const f = new LineFactory({ format: 'logfmt', seed: 'logfmt' });
  const lines = f.chunk(20_000, Infinity, T0, 1).text.split('\n').filter(Boolean);
  assert.equal(lines.length, 20_000);
  const counts: Record<string, number> = {};
  const recs = lines.map(parseLogfmt);
  let stacks = 0;
  recs.forEach((r, i) => {
    assert.ok(lines[i].startsWith('ts='), 'ts comes first');
    assert.equal(r.ts, new Date(T0 + i).toISOString());
    assert.ok(r.msg && r.service && r.request_id, `fields present: ${lines[i]}`);
    counts[r.level] = (counts[r.level] ?? 0) + 1;
    if (r.stack) {
      stacks++;
      assert.match(r.stack, /\n\s+at /);
    }
  });
  assertContiguous(recs.map((r) => Number(r.seq)), 1);
  assertContiguous(lines.map(extractSeq), 1);
  assertMix(counts, recs.length);
  assert.ok(stacks > 100);
});

test('the same seed and timestamps give byte-identical output; another seed does not', () => {
  for (const format of FORMATS) {
    const a = new LineFactory({ format, seed: 'repeat' }).chunk(2000, Infinity, T0, 7).text;
    const b = new LineFactory({ format, seed: 'repeat' }).chunk(2000, Infinity, T0, 7).text;
    const c = new LineFactory({ format, seed: 'other' }).chunk(2000, Infinity, T0, 7).text;
    assert.equal(a, b, `${format} repeats`);
    if (format !== 'seed') assert.notEqual(a, c, `${format} differs with another seed`);
  }
  assert.equal(seedFrom('42'), 42);
  assert.equal(seedFrom('abc'), seedFrom('abc'));
  assert.notEqual(seedFrom('abc'), seedFrom('abd'));
});

test('chunk stops at whole records once maxChars is reached', () => {
  const f = new LineFactory({ format: 'plain', seed: 9 });
  const c = f.chunk(1_000_000, 10_000, T0);
  assert.ok(c.text.length >= 10_000 && c.text.length < 12_000, `chunk of ${c.text.length} chars`);
  assert.ok(c.text.endsWith('\n'));
  assert.equal(f.nextSeq, c.records + 1);
});

test('TimeFormatter matches Date for local and ISO time across second boundaries', () => {
  const t = new TimeFormatter();
  for (const ms of [T0, T0 + 411, T0 + 999, T0 + 1000, T0 + 86_400_000 * 40 + 5, 0]) {
    const d = new Date(ms);
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const expected = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
    assert.equal(t.local(ms), expected);
    assert.equal(t.iso(ms), d.toISOString());
  }
});

test('Rand is uniform enough and repeatable', () => {
  const a = new Rand(1);
  const b = new Rand(1);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const x = a.next();
    assert.equal(x, b.next());
    assert.ok(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]++;
  }
  for (const n of buckets) assert.ok(n > 9_500 && n < 10_500, `bucket holds ${n}`);
});

test('services restricts records to those services and keeps the level mix', () => {
  for (const service of SERVICES) {
    const f = new LineFactory({ format: 'json', seed: service, services: [service] });
    const objs = f.chunk(5000, Infinity, T0).text.trim().split('\n').map((l) => JSON.parse(l) as { service: string; level: string });
    const counts: Record<string, number> = {};
    for (const o of objs) {
      assert.equal(o.service, service);
      counts[o.level] = (counts[o.level] ?? 0) + 1;
    }
    for (const level of Object.keys(LEVEL_MIX)) assert.ok(counts[level] > 0, `${service} has ${level} records`);
  }
  const both = new LineFactory({ format: 'plain', seed: 1, services: ['billing', 'search'], seedLineShare: 0 });
  const heads = both.chunk(3000, Infinity, T0).text.split('\n').filter((l) => / - \[/.test(l));
  assert.ok(heads.every((l) => /\]: (billing|search): /.test(l)));
});

test('a stack trace belongs to the service that logged it', () => {
  const f = new LineFactory({ format: 'plain', seed: 'traces', seedLineShare: 0 });
  const recs = plainRecords(f.chunk(40_000, Infinity, T0).text).filter((r) => r.length > 1);
  assert.ok(recs.length > 100);
  for (const rec of recs) {
    const service = /\]: ([a-z]+): /.exec(rec[0])![1];
    const trace = rec.slice(1).join('\n');
    if (service === 'search') assert.match(trace, /com\.acme\.search|elasticsearch/);
    if (service === 'billing') assert.match(trace, /com\.acme\.billing/);
    if (service === 'worker') assert.match(trace, /\/app\/dist\/worker\/|node:internal\/timers/);
  }
});
