// Query speed of the SQLite block store (storage v2): N lines over one hour plus 1% late lines
// (timestamps hours old, arriving last), built through Store.insert; each query's median over
// RUNS runs with the decoded-block cache emptied before every run (every block a query opens
// is decompressed again), beside the reference measured in the same run: the same question
// answered by decompressing and filtering every block (what the store would do without its
// summaries). Calls the store in-process (the HTTP layer adds about a millisecond).
// Usage: node --import tsx bench/block-query.bench.ts [rows=1000000] [runs=15]
// BENCH_DB=PATH keeps the database there and reuses it when it exists (building 5M lines takes
// minutes); the rows argument must then match what it was built with.
import { existsSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { LogFilter } from '../src/server/storage/store.js';
import { SqliteStore } from '../src/server/storage/sqlite/sqlite-store.js';
import { decodeBlock } from '../src/server/storage/block.js';
import { compileRowFilter } from '../src/server/storage/row-filter.js';
import { makeTempDir } from '../test/helpers/server.js';
import { COMMON_WORD, makeRecords, RARE_WORD, rng } from './store-data.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 15);
const START = Date.UTC(2026, 10, 28, 3, 0, 0);
const HOUR = 3_600_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const dir = makeTempDir('logpipe-bench-bq-');
try {
  const file = process.env.BENCH_DB ?? join(dir, 'q.db');
  const reuse = existsSync(file);
  const store = new SqliteStore(file, { compactIntervalMs: 0 });
  const t0 = performance.now();
  if (!reuse) {
    const r = rng(7);
    for (let i = 0; i < ROWS; i += 1000) await store.insert(makeRecords(r, i, Math.min(1000, ROWS - i), ROWS, START, HOUR, true));
    // 1% late lines: a file from three hours earlier imported after everything else.
    const late = Math.floor(ROWS / 100);
    for (let i = 0; i < late; i += 1000) {
      const recs = makeRecords(r, i, Math.min(1000, late - i), late, START - 3 * HOUR, HOUR, false).map((x) => ({ ...x, source: `import-${x.source}` }));
      await store.insert(recs);
    }
  }
  const buildSecs = (performance.now() - t0) / 1000;
  store.checkpoint();
  const st = await store.stats();
  const built = reuse ? `reused from ${file}` : `built in ${buildSecs.toFixed(0)} s (${Math.round(st.rows / buildSecs).toLocaleString('en')} lines/s through Store.insert)`;
  console.log(`${st.rows.toLocaleString('en')} rows (1% late), ${built}, ${(store.fileBytes() / 1e6).toFixed(1)} MB, ${st.hotRows} rows hot; medians of ${RUNS} cold runs\n`);

  const traced = (await store.query({ order: 'desc', limit: 1000, from: START + HOUR / 2 })).find((x) => x.attrs && 'trace_id' in x.attrs)!;
  const traceId = String((traced.attrs as { trace_id: string }).trace_id);
  const mid = (await store.query({ order: 'desc', limit: 1, from: START + HOUR / 2 }))[0];

  // CPU time beside wall time: every query runs synchronously on this thread, so its CPU time
  // is what it costs without the other processes of a loaded machine taking the CPU away.
  async function timeIt(fn: () => Promise<unknown>, runs = RUNS): Promise<{ ms: number; cpu: number; decoded: number; n: number }> {
    const ts: number[] = [];
    const cpus: number[] = [];
    let decoded = 0;
    let n = 0;
    for (let i = 0; i < runs; i++) {
      store.dropBlockCache();
      const d0 = store.blocksDecoded;
      const a = performance.now();
      const c0 = process.cpuUsage();
      const res = await fn();
      const c = process.cpuUsage(c0);
      ts.push(performance.now() - a);
      cpus.push((c.user + c.system) / 1000);
      decoded = store.blocksDecoded - d0;
      n = Array.isArray(res) ? res.length : (res as { counts?: unknown }).counts ? 60 : 1;
    }
    return { ms: median(ts), cpu: median(cpus), decoded, n };
  }
  /** The reference: every block decompressed and its rows filtered, no summaries consulted. */
  const everyBlock = async (f: LogFilter) => {
    const pred = compileRowFilter(f);
    const a = performance.now();
    const c0 = process.cpuUsage();
    let blocks = 0;
    const read = store.database.prepare('SELECT source, id_min, ts_min, codec, payload FROM blocks');
    for (const b of read.iterate() as IterableIterator<{ source: string; id_min: number; ts_min: number; codec: number; payload: Buffer }>) {
      blocks++;
      for (const row of decodeBlock(b.source, b.id_min, b.ts_min, b.payload, b.codec)) pred(row);
    }
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - a, cpu: (c.user + c.system) / 1000, decoded: blocks };
  };
  const cases: [string, () => Promise<unknown>, LogFilter | undefined][] = [
    [`newest 100, rare word "${RARE_WORD}"`, () => store.query({ q: RARE_WORD, order: 'desc', limit: 100 }), { q: RARE_WORD }],
    [`newest 100, common word "${COMMON_WORD}"`, () => store.query({ q: COMMON_WORD, order: 'desc', limit: 100 }), undefined],
    ['newest 100, level error + 10-minute range', () => store.query({ levels: ['error'], from: START + 20 * 60_000, to: START + 30 * 60_000, order: 'desc', limit: 100 }), undefined],
    [`newest 100, field trace_id = ${traceId}`, () => store.query({ fields: [{ path: 'trace_id', op: 'eq', value: traceId }], order: 'desc', limit: 100 }), { fields: [{ path: 'trace_id', op: 'eq', value: traceId }] }],
    ['newest 100, host alone (host-1)', () => store.query({ host: 'host-1', order: 'desc', limit: 100 }), undefined],
    ['unfiltered first page (100)', () => store.query({ order: 'desc', limit: 100 }), undefined],
    ['context of a mid-hour line, 50 + 50', () => store.context(mid.id, 50, 50), undefined],
    [`60-bucket histogram, "${COMMON_WORD}", whole hour`, () => store.histogram({ q: COMMON_WORD, from: START, to: START + HOUR, buckets: 60 }), { q: COMMON_WORD }],
  ];
  console.log(`load average at start: ${loadavg()[0].toFixed(1)}\n`);
  console.log('| query | median wall | median CPU | blocks decompressed | reference: every block decompressed and filtered (wall / CPU) |');
  console.log('|---|---|---|---|---|');
  for (const [name, fn, refFilter] of cases) {
    const t = await timeIt(fn);
    const ref = refFilter ? await everyBlock(refFilter) : undefined;
    console.log(`| ${name} | ${t.ms.toFixed(1)} ms | ${t.cpu.toFixed(1)} ms | ${t.decoded} | ${ref ? `${ref.ms.toFixed(0)} ms / ${ref.cpu.toFixed(0)} ms (${ref.decoded} blocks)` : ''} |`);
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
