// Realistic, reproducible log records for the store benchmarks: the seed-format line
// (`YYYY-MM-DD HH:MM:SS.mmm - [LEVEL]: text`), ~70% info / 15% debug / 10% warn / 4% error /
// 1% fatal, 10 sources, a vocabulary of a few thousand words plus ids, paths and numbers (so
// the FTS index has a realistic number of distinct terms), one rare word (~1 in 100k lines)
// and one common word ("request", in about a third of the lines).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level } from '../src/shared/levels.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { mulberry32 as rng } from '../src/shared/random.js';
import type { Store } from '../src/server/storage/store.js';

export const RARE_WORD = 'zxqvortex';
export const COMMON_WORD = 'request';
export const SOURCES = ['api', 'worker', 'auth', 'billing', 'search', 'gateway', 'scheduler', 'mailer', 'cache', 'db'];

export { rng };

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pra', 'sto', 'gri', 'bel', 'dan', 'for', 'hul', 'jin', 'mor', 'tek', 'ush'];
const VOCAB: string[] = [];
{
  const r = rng(1);
  const seen = new Set<string>();
  while (VOCAB.length < 3000) {
    const n = 2 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      VOCAB.push(w);
    }
  }
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const PATHS = ['/api/v1/users', '/api/v1/orders', '/api/v1/search', '/healthz', '/api/v1/cart', '/login', '/static/app.js', '/api/v1/invoices'];
const TABLES = ['users', 'orders', 'sessions', 'invoices', 'events'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

function words(r: () => number, n: number): string {
  const out: string[] = [];
  // Zipf-like: low indexes are far more frequent, as in real text.
  for (let i = 0; i < n; i++) out.push(VOCAB[Math.floor(VOCAB.length * r() ** 3)]);
  return out.join(' ');
}

function text(r: () => number, level: Level): string {
  if (r() < 0.00001) return `kernel module ${RARE_WORD} crashed while handling ${words(r, 2)}`;
  const k = Math.floor(r() * 10);
  switch (level) {
    case 'error':
    case 'fatal':
      return [
        `Failed to process ${COMMON_WORD} ${hex(r, 12)}: connection refused by ${pick(r, TABLES)}-db:5432`,
        `Unhandled exception in ${words(r, 1)} handler: TypeError: cannot read property '${words(r, 1)}' of undefined`,
        `Payment ${hex(r, 10)} failed: card declined for user ${pick(r, USERS)}`,
        `Timeout after ${1000 + Math.floor(r() * 30000)}ms waiting for ${words(r, 2)}`,
      ][k % 4];
    case 'warn':
      return [
        `Slow query: SELECT * FROM ${pick(r, TABLES)} WHERE id = ${Math.floor(r() * 1e6)} took ${200 + Math.floor(r() * 3000)}ms`,
        `Retrying ${COMMON_WORD} to ${words(r, 1)} service (attempt ${1 + Math.floor(r() * 5)})`,
        `Memory usage at ${60 + Math.floor(r() * 40)}% on ${words(r, 1)} pool`,
        `Deprecated option ${words(r, 1)} used by client ${hex(r, 6)}`,
      ][k % 4];
    case 'debug':
      return [
        `Cache ${r() < 0.5 ? 'hit' : 'miss'} for key ${words(r, 1)}:${hex(r, 8)}`,
        `Parsed ${COMMON_WORD} headers in ${(r() * 2).toFixed(3)}ms: ${words(r, 3)}`,
        `State transition ${words(r, 1)} -> ${words(r, 1)} for job ${hex(r, 8)}`,
      ][k % 3];
    default:
      return [
        `GET ${pick(r, PATHS)}/${Math.floor(r() * 10000)} 200 ${Math.floor(r() * 400)}ms ${COMMON_WORD}_id=${hex(r, 16)}`,
        `POST ${pick(r, PATHS)} 201 ${Math.floor(r() * 900)}ms ${COMMON_WORD} completed for ${pick(r, USERS)}`,
        `User ${pick(r, USERS)} logged in from 10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`,
        `Processed ${Math.floor(r() * 500)} items in batch ${hex(r, 8)} (${words(r, 2)})`,
        `Scheduled ${words(r, 2)} job ${hex(r, 6)} to run in ${Math.floor(r() * 60)}s`,
        `Sent ${words(r, 1)} email to ${pick(r, USERS)}@example.com`,
        `Connection pool ${words(r, 1)}: ${Math.floor(r() * 50)} active, ${Math.floor(r() * 50)} idle`,
        `Handled ${COMMON_WORD} ${hex(r, 12)} for ${words(r, 3)}`,
        `Config reloaded: ${words(r, 4)}`,
        `Indexed ${Math.floor(r() * 1000)} documents into ${words(r, 1)} shard ${Math.floor(r() * 16)}`,
      ][k];
  }
}

function levelFor(x: number): Level {
  if (x < 0.7) return 'info';
  if (x < 0.85) return 'debug';
  if (x < 0.95) return 'warn';
  if (x < 0.99) return 'error';
  return 'fatal';
}

function stamp(ts: number): string {
  return new Date(ts).toISOString().replace('T', ' ').replace('Z', '');
}

/** Makes `count` records with timestamps spread evenly over [startTs, startTs + spanMs), continuing the sequence at `first`. */
export function makeRecords(r: () => number, first: number, count: number, total: number, startTs: number, spanMs: number, withStreams: boolean): NormalizedRecord[] {
  const out: NormalizedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const ts = startTs + Math.floor((n * spanMs) / total);
    const level = levelFor(r());
    const si = Math.floor(r() * SOURCES.length);
    const source = SOURCES[si];
    const message = `${stamp(ts)} - [${level.toUpperCase()}]: ${text(r, level)}`;
    out[i] = {
      ts,
      level,
      source,
      host: `host-${si % 3}`,
      message,
      attrs: r() < 0.1 ? JSON.stringify({ trace_id: hex(r, 16), user: pick(r, USERS) }) : null,
      stream: withStreams ? `bench:${source}` : null,
      offset: withStreams ? n * 120 : null,
    };
  }
  return out;
}

/** Walks `pages` pages of 100 newest level=info rows over [from, to) by cursor and returns the last page. */
export async function walkInfoPages(store: Store, from: number, to: number, pages: number): Promise<{ id: number; ts: number }[]> {
  let after: { ts: number; id: number } | undefined;
  let page: { id: number; ts: number }[] = [];
  for (let i = 0; i < pages; i++) {
    page = await store.query({ levels: ['info'], from, to, order: 'desc', limit: 100, after });
    after = { ts: page[page.length - 1].ts, id: page[page.length - 1].id };
  }
  return page;
}

/**
 * The 5,000,000-line, one-hour database of these records that bench/server-query.bench.ts
 * queries (ids in arrival order, streams set), built once through Store.insert so the rollups
 * exist and kept in bench/out/ (gitignored; delete bench/out/query-*.db* to rebuild). Returns its path.
 */
export async function queryDatabase(rows: number, startTs: number, spanMs: number): Promise<string> {
  const out = join(import.meta.dirname, 'out');
  const file = join(out, `query-${rows}.db`);
  const mark = `${file}.json`;
  const version = 4;
  if (existsSync(file) && existsSync(mark)) {
    const m = JSON.parse(readFileSync(mark, 'utf8')) as { rows: number; version: number };
    if (m.rows === rows && m.version === version) return file;
  }
  mkdirSync(out, { recursive: true });
  for (const ext of ['', '-wal', '-shm', '.json']) rmSync(file + ext, { force: true });
  console.log(`Building ${file} (${rows} rows over one hour, through Store.insert)…`);
  const { SqliteStore } = await import('../src/server/storage/sqlite/sqlite-store.js');
  const store = new SqliteStore(file);
  const r = rng(7);
  const t0 = performance.now();
  for (let i = 0; i < rows; i += 1000) await store.insert(makeRecords(r, i, Math.min(1000, rows - i), rows, startTs, spanMs, true));
  store.database.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  writeFileSync(mark, JSON.stringify({ rows, version, seconds: (performance.now() - t0) / 1000 }));
  return file;
}
