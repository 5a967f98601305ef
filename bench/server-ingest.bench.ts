// Ingest over HTTP on loopback (1000-line batches, FTS on) against the raw better-sqlite3
// insert rate into the same table, indexes and FTS5 index, measured in the same run.
// Run: node --import tsx bench/server-ingest.bench.ts [lines=300000] [rounds=3]
// BEFORE=/path/to/other/checkout[:/another] also runs each checkout's built server (its
// bin/logpipe) in every round, beside the same round's reference (the servers take turns going
// first).
// PROFILE_DIR=/dir starts each server with --cpu-prof there (written when it exits).
// BATCH=n posts n-line batches (default 1000, the collector's --batch-lines; the reference
// always commits 1000 rows per transaction). SOURCES=n spreads the lines over n sources, line i
// going to source i % n (default 1: a collector's batch is one file's lines).
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LineFactory } from '../src/generator/lines.js';
import { LEVEL_CODE } from '../src/shared/levels.js';
import { parseLine } from '../src/shared/parse/index.js';
import { makeTempDir, startServer } from '../test/helpers/server.js';
import { fmt, median, postAll } from './lib/http.js';

const LINES = Number(process.argv[2] ?? 300_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = Number(process.env.BATCH ?? 1000);
/** Rows per transaction of the raw reference (what schema 1's comparison has always used). */
const RAW_BATCH = 1000;
const SOURCES = Number(process.env.SOURCES ?? 1);

function makeLines(n: number): string[] {
  const f = new LineFactory({ format: 'plain', seed: 42, stackTraces: false });
  const out: string[] = [];
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < n; i++) out.push(f.record(t0 + i).replace(/\n$/, ''));
  return out;
}

/** The reference: the same schema's logs table, indexes and FTS5 index, filled with prepared statements. */
function rawInsert(lines: string[]): number {
  const dir = makeTempDir('logpipe-bench-raw-');
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE logs (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, level INTEGER NOT NULL, source TEXT NOT NULL, host TEXT NOT NULL, message TEXT NOT NULL, attrs TEXT);
    CREATE INDEX logs_ts ON logs (ts, level);
    CREATE INDEX logs_level_ts ON logs (level, ts);
    CREATE INDEX logs_source_ts ON logs (source, ts);
    CREATE VIRTUAL TABLE logs_fts USING fts5 (message, content='logs', content_rowid='id', tokenize='unicode61', columnsize=0);`);
  const ins = db.prepare('INSERT INTO logs (id, ts, level, source, host, message, attrs) VALUES (?, ?, ?, ?, ?, ?, NULL)');
  const fts = db.prepare('INSERT INTO logs_fts (rowid, message) VALUES (?, ?)');
  // Parsing is done before the clock starts: the reference is SQLite alone.
  const parsed = lines.map((l) => parseLine(l));
  let id = 0;
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      id++;
      const p = parsed[i];
      ins.run(id, p.ts ?? 0, LEVEL_CODE[p.level], 'bench', 'host-1', lines[i]);
      fts.run(id, lines[i]);
    }
  });
  const t = performance.now();
  for (let i = 0; i < lines.length; i += RAW_BATCH) tx(i, Math.min(lines.length, i + RAW_BATCH));
  const rate = lines.length / ((performance.now() - t) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const BEFORE = (process.env.BEFORE ?? '').split(':').filter(Boolean).map((dir) => ({ dir, bin: join(resolve(dir), 'bin', 'logpipe'), rates: [] as number[], cpuUs: [] as number[] }));
const PROFILE_DIR = process.env.PROFILE_DIR ? resolve(process.env.PROFILE_DIR) : undefined;

/** User + system CPU seconds of a process so far, all its threads (Linux /proc; clock ticks of 10 ms). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function httpInsert(lines: string[], bin?: string): Promise<{ rate: number; rss: number; cpuUs: number }> {
  const srv = await startServer({ bin, nodeArgs: PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [] });
  const bodies: Buffer[] = [];
  for (let i = 0; i < lines.length; i += BATCH) {
    bodies.push(Buffer.from(JSON.stringify(lines.slice(i, i + BATCH).map((message, j) => ({ message, source: SOURCES > 1 ? `bench-${(i + j) % SOURCES}` : 'bench', host: 'host-1' })))));
  }
  const cpu0 = cpuSecondsOf(srv.proc.pid!);
  const t = performance.now();
  await postAll(`${srv.url}/api/v1/logs`, bodies, { 'content-type': 'application/json' }, 3);
  const rate = lines.length / ((performance.now() - t) / 1000);
  // The server's CPU per line, counted until the compaction the lines made due is done (a
  // block store that compacts on a worker thread may still be at it; schema 1 had none).
  let m = await (await fetch(`${srv.url}/metrics`)).text();
  for (let i = 0; i < 100 && Number(/^logpipe_db_uncompacted_rows (\d+)$/m.exec(m)?.[1] ?? 0) >= RAW_BATCH; i++) {
    await new Promise((r) => setTimeout(r, 50));
    m = await (await fetch(`${srv.url}/metrics`)).text();
  }
  const cpuUs = ((cpuSecondsOf(srv.proc.pid!) - cpu0) / lines.length) * 1e6;
  const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(m)?.[1] ?? 0);
  await srv.stop();
  srv.cleanup();
  return { rate, rss, cpuUs };
}

const lines = makeLines(LINES);
const raw: number[] = [];
const viaHttp: number[] = [];
const cpuUs: number[] = [];
let rss = 0;
const pct = (x: number, ref: number) => `${((x / ref) * 100).toFixed(1)}%`;
for (let r = 0; r < ROUNDS; r++) {
  raw.push(rawInsert(lines));
  // This checkout first in odd rounds, last in even ones.
  const order = [...BEFORE.map((b) => b.bin), undefined];
  if (r % 2 === 0) order.unshift(order.pop());
  for (const bin of order) {
    const h = await httpInsert(lines, bin);
    if (bin === undefined) {
      viaHttp.push(h.rate);
      cpuUs.push(h.cpuUs);
      rss = Math.max(rss, h.rss);
    } else {
      const b = BEFORE.find((x) => x.bin === bin)!;
      b.rates.push(h.rate);
      b.cpuUs.push(h.cpuUs);
    }
  }
  let line = `round ${r + 1}: raw ${fmt(raw[r])} rows/s, http ${fmt(viaHttp[r])} lines/s (${pct(viaHttp[r], raw[r])}, ${cpuUs[r].toFixed(1)} µs CPU/line)`;
  for (const b of BEFORE) line += `, ${b.dir} ${fmt(b.rates[r])} lines/s (${pct(b.rates[r], raw[r])}, ${b.cpuUs[r].toFixed(1)} µs CPU/line)`;
  console.log(line);
}
const ratios = raw.map((x, i) => viaHttp[i] / x);
console.log(`\n${fmt(LINES)} lines, ${BATCH}-line batches, ${SOURCES} source(s), ${ROUNDS} rounds`);
console.log(`raw better-sqlite3 (same table, indexes, FTS5): median ${fmt(median(raw))} rows/s`);
console.log(`logpipe server over HTTP (JSON, loopback):     median ${fmt(median(viaHttp))} lines/s, ${median(cpuUs).toFixed(1)} µs server CPU/line`);
for (const b of BEFORE) {
  const ratio = median(raw.map((x, i) => b.rates[i] / x));
  console.log(`${b.dir} over HTTP: median ${fmt(median(b.rates))} lines/s, ${(ratio * 100).toFixed(1)}% of raw, ${median(b.cpuUs).toFixed(1)} µs server CPU/line; this/that per round: median ${median(b.rates.map((x, i) => viaHttp[i] / x)).toFixed(2)}x`);
}
console.log(`ratio: median ${(median(ratios) * 100).toFixed(1)}% of raw (target >= 80%); server RSS after ${fmt(LINES)} lines: ${Math.round(rss / 1048576)} MB`);
