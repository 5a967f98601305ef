// The SQLite implementation of Store: one connection, one writer, a transaction per batch.
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { LEVEL_CODE, levelFromCode } from '../../../shared/levels.js';
import type { LogRecord, NormalizedRecord } from '../../../shared/record.js';
import type {
  HistogramQuery,
  HistogramResult,
  InsertResult,
  LogFilter,
  Position,
  QueryOptions,
  RetentionOutlook,
  RetentionPolicy,
  SourceInfo,
  Store,
  StoreStats,
  StreamCheck,
} from '../store.js';
import { emptyHistogram, HOUR_MS, MINUTE_MS } from '../buckets.js';
import { fallbackSubstring, toFtsQuery, toLikePattern } from '../fts-query.js';
import { openDatabase, type OpenOptions } from './schema.js';
import { parseSearch, termMatches, tokenize } from '../../../shared/search.js';
import { translateWriteError } from './sqlite-errors.js';
import { toRecord, type Row } from '../row.js';
import { fieldMatchClause, registerFieldMatch } from './field-match.js';

/** Options of the SQLite store beyond the file name. */
export interface SqliteStoreOptions extends OpenOptions {
  /** Clock for ingest times (retention); tests may move it. */
  now?: () => number;
  /** Rows a word search matches in JS before using the FTS index (default WALK_ROWS); tests lower it to reach both phases. */
  searchWalkRows?: number;
}


const COLUMNS = 'id, ts, level, source, host, message, attrs';
const LCOLUMNS = 'l.id, l.ts, l.level, l.source, l.host, l.message, l.attrs';
const MIN_ID = Number.MIN_SAFE_INTEGER;
const MAX_ID = Number.MAX_SAFE_INTEGER;
/** Past this many rollup rows an estimate reads `totals` instead (cheaper, no id bounds). */
const MAX_ROLLUP_ROWS_FOR_ESTIMATE = 50_000;
/** Relative cost of reading a table row in id order versus an index entry (measured roughly). */
const ROW_COST = 8;
const STATEMENT_CACHE_SIZE = 256;
/** Rows a word search reads in time order and matches in JS before it turns to the FTS index. */
const WALK_ROWS = 2000;
/** Ingest times are kept per window of this length (one row per window in `ingests`). */
const INGEST_WINDOW_MS = 60_000;

interface Agg {
  /** The time unit: a minute number in the minute rollup, an hour number in the hourly one. */
  minute: number;
  level: number;
  n: number;
  minId: number;
  maxId: number;
}

interface Estimate {
  /** Upper bound on the rows the filter matches (exact for level/source/time filters on whole minutes). */
  n: number;
  /** Every matching row has lo <= id <= hi. */
  lo: number;
  hi: number;
}

interface Clauses {
  sql: string[];
  params: unknown[];
}

/** Values per row of the rollup and totals upserts. */
const UPSERT_WIDTH = 6;
/** Row counts of the prepared multi-row upserts, largest first (any count is a sum of them). */
const UPSERT_SIZES = [32, 8, 1] as const;
type Upsert = Record<(typeof UPSERT_SIZES)[number], Database.Statement>;

function prepareUpsert(db: Database.Database, head: string, tail: string): Upsert {
  const tuple = `(${placeholders(UPSERT_WIDTH)})`;
  const u = {} as Upsert;
  for (const size of UPSERT_SIZES) u[size] = db.prepare(`${head} ${new Array(size).fill(tuple).join(', ')} ${tail}`);
  return u;
}

interface StreamState {
  stream: string;
  committed: number;
  max: number;
  /** lineCheck of the record at `max`, when the request carried one. */
  check?: string;
}

interface SourceAgg {
  source: string;
  /** Per (minute, level): key minute * 8 + level. */
  aggs: Map<number, Agg>;
  lastSeen: number;
}

/**
 * The result of a batch whose rows got ids firstId, firstId + 1, …: `records` (what the live
 * tail publishes) is built on first use only, so a server without live-tail subscribers does
 * not pay for 1000 objects and attrs parsing per batch (a few % of the insert rate).
 */
function insertedResult(kept: NormalizedRecord[], firstId: number, duplicates: number): InsertResult {
  let built: LogRecord[] | undefined;
  return {
    accepted: kept.length,
    duplicates,
    firstId,
    lastId: firstId + kept.length - 1,
    get records(): LogRecord[] {
      return (built ??= kept.map((r, i) => ({
        id: firstId + i,
        ts: r.ts,
        level: levelFromCode(LEVEL_CODE[r.level] ?? LEVEL_CODE.unknown),
        source: r.source,
        host: r.host,
        message: r.message,
        attrs: r.attrs == null ? null : (JSON.parse(r.attrs) as Record<string, unknown>),
      })));
    },
  };
}

/** Adds aggregate `a` into `into[key]` (whose time unit is `unit`). */
function fold(into: Map<number, Agg>, key: number, unit: number, a: Agg): void {
  const t = into.get(key);
  if (t) {
    t.n += a.n;
    t.minId = Math.min(t.minId, a.minId);
    t.maxId = Math.max(t.maxId, a.maxId);
  } else into.set(key, { minute: unit, level: a.level, n: a.n, minId: a.minId, maxId: a.maxId });
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/**
 * Builds WHERE terms for the level/source/host/time parts of a filter on table alias `t`.
 * With `noIndex`, columns are written `+t.col` so SQLite cannot drive the scan from an
 * index: used when we have decided to walk the table in id order instead.
 */
function filterClauses(f: LogFilter, t: string, noIndex: boolean, timeIndex = !noIndex): Clauses {
  const p = noIndex ? '+' : '';
  const pt = timeIndex ? '' : '+';
  const sql: string[] = [];
  const params: unknown[] = [];
  if (f.levels?.length) {
    sql.push(`${p}${t}.level IN (${placeholders(f.levels.length)})`);
    for (const l of f.levels) params.push(LEVEL_CODE[l]);
  }
  if (f.sources?.length) {
    sql.push(`${p}${t}.source IN (${placeholders(f.sources.length)})`);
    params.push(...f.sources);
  }
  if (f.host !== undefined) {
    sql.push(`${p}${t}.host = ?`);
    params.push(f.host);
  }
  if (f.from !== undefined) {
    sql.push(`${pt}${t}.ts >= ?`);
    params.push(f.from);
  }
  if (f.to !== undefined) {
    sql.push(`${pt}${t}.ts < ?`);
    params.push(f.to);
  }
  if (f.fields?.length) {
    // Until the block store's field index lands: see field-match.ts.
    const c = fieldMatchClause(f.fields, t);
    sql.push(c.sql);
    params.push(c.param);
  }
  return { sql, params };
}

/**
 * Adds the keyset condition "strictly after `after` in (ts, id) order `dir`" on alias `t`.
 * Written as a plain bound on ts plus a tie-break, so the time index can seek to it; with
 * `noIndex` the ts bound is hidden from the planner (another index drives the query).
 */
function keysetClause(after: Position | undefined, dir: 'ASC' | 'DESC', t: string, terms: string[], params: unknown[], noIndex = false): void {
  if (!after) return;
  const p = noIndex ? '+' : '';
  if (dir === 'DESC') terms.push(`${p}${t}.ts <= ?`, `(${t}.ts < ? OR ${t}.id < ?)`);
  else terms.push(`${p}${t}.ts >= ?`, `(${t}.ts > ? OR ${t}.id > ?)`);
  params.push(after.ts, after.ts, after.id);
}

function where(terms: string[]): string {
  return terms.length ? `WHERE ${terms.join(' AND ')}` : '';
}

/** SQLite-backed Store (better-sqlite3): see schema.ts for the layout and why. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  #db: Database.Database;
  #now: () => number;
  #cache = new Map<string, Database.Statement>();
  #closed = false;
  #walkRows: number;

  #insertLog: Database.Statement;
  #insertFts: Database.Statement;
  #getLastId: Database.Statement;
  #setLastId: Database.Statement;
  #setCheck: Database.Statement;
  #getChecks: Database.Statement;
  #getStream: Database.Statement;
  #setStream: Database.Statement;
  #upsertRollup: Upsert;
  #upsertRollupHour: Upsert;
  #upsertTotals: Upsert;
  #upsertIngest: Database.Statement;
  #insertTx: Database.Transaction<(records: NormalizedRecord[]) => InsertResult>;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.file = file;
    this.#now = options.now ?? Date.now;
    this.#walkRows = options.searchWalkRows ?? WALK_ROWS;
    this.#db = openDatabase(file, options);
    const db = this.#db;
    registerFieldMatch(db);
    this.#insertLog = db.prepare(`INSERT INTO logs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.#insertFts = db.prepare('INSERT INTO logs_fts (rowid, message) VALUES (?, ?)');
    this.#getLastId = db.prepare("SELECT max((SELECT value FROM meta WHERE key = 'last_id'), coalesce((SELECT max(id) FROM logs), 0)) AS v").pluck();
    this.#setLastId = db.prepare("UPDATE meta SET value = ? WHERE key = 'last_id'");
    this.#getStream = db.prepare('SELECT last_offset FROM streams WHERE stream = ?').pluck();
    this.#setStream = db.prepare('INSERT INTO streams (stream, last_offset) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET last_offset = excluded.last_offset');
    // Added beside the streams table (no schema version change): databases made before it
    // simply have no checks for their older streams.
    db.exec('CREATE TABLE IF NOT EXISTS stream_checks (stream TEXT PRIMARY KEY, at INTEGER NOT NULL, check_hash TEXT NOT NULL) WITHOUT ROWID');
    this.#setCheck = db.prepare('INSERT INTO stream_checks (stream, at, check_hash) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET at = excluded.at, check_hash = excluded.check_hash');
    this.#getChecks = db.prepare('SELECT s.last_offset AS offset, c.at AS at, c.check_hash AS "check" FROM streams s LEFT JOIN stream_checks c ON c.stream = s.stream WHERE s.stream = ?');
    this.#upsertRollup = prepareUpsert(
      db,
      'INSERT INTO rollup (minute, level, source, n, min_id, max_id) VALUES',
      'ON CONFLICT (minute, level, source) DO UPDATE SET n = n + excluded.n, min_id = min(min_id, excluded.min_id), max_id = max(max_id, excluded.max_id)',
    );
    this.#upsertRollupHour = prepareUpsert(
      db,
      'INSERT INTO rollup_hour (hour, level, source, n, min_id, max_id) VALUES',
      'ON CONFLICT (hour, level, source) DO UPDATE SET n = n + excluded.n, min_id = min(min_id, excluded.min_id), max_id = max(max_id, excluded.max_id)',
    );
    this.#upsertTotals = prepareUpsert(
      db,
      'INSERT INTO totals (source, level, n, last_seen, min_id, max_id) VALUES',
      'ON CONFLICT (source, level) DO UPDATE SET n = n + excluded.n, last_seen = max(last_seen, excluded.last_seen), min_id = min(min_id, excluded.min_id), max_id = max(max_id, excluded.max_id)',
    );
    this.#upsertIngest = db.prepare(
      'INSERT INTO ingests (second, last_id, at) VALUES (?, ?, ?) ON CONFLICT (second) DO UPDATE SET last_id = max(last_id, excluded.last_id), at = max(at, excluded.at)',
    );
    this.#insertTx = db.transaction((records: NormalizedRecord[]) => this.#insertBatch(records));
  }

  /** Sets PRAGMA max_page_count (tests simulate a full disk with it); returns the limit in effect. */
  setMaxPageCount(pages: number): number {
    return this.#db.pragma(`max_page_count = ${Math.floor(pages)}`, { simple: true }) as number;
  }

  /** The underlying connection, for SQLite-only tests and benchmarks. */
  get database(): Database.Database {
    return this.#db;
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#cache.get(sql);
    if (s) {
      // Refresh its place so the cache drops the least recently used statement.
      this.#cache.delete(sql);
      this.#cache.set(sql, s);
      return s;
    }
    s = this.#db.prepare(sql);
    this.#cache.set(sql, s);
    if (this.#cache.size > STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return s;
  }

  // Runs inside one IMMEDIATE transaction: either every row, its FTS entry, the rollups, the
  // stream offsets and last_id are committed together, or nothing is. Offsets are read from
  // the table inside the transaction (not cached), so a rolled-back batch leaves no trace.
  #insertBatch(records: NormalizedRecord[]): InsertResult {
    let lastId = this.#getLastId.get() as number;
    const firstId = lastId + 1;
    // The inserted input records, in id order; LogRecords are only built if someone asks.
    const kept: NormalizedRecord[] = [];
    let duplicates = 0;
    const streams = new Map<string, StreamState>();
    // Rollup upkeep is aggregated here in JS, so a 1000-row batch costs a few multi-row
    // upserts. The last stream and source are remembered: a batch from the collector is one
    // stream (and one source), so most rows skip the map lookups.
    const bySource = new Map<string, SourceAgg>();
    let st: StreamState | undefined;
    let sa: SourceAgg | undefined;
    const insertLog = this.#insertLog;
    const insertFts = this.#insertFts;
    for (const r of records) {
      if (r.stream != null && r.offset != null) {
        if (st === undefined || st.stream !== r.stream) {
          st = streams.get(r.stream);
          if (!st) {
            const c = (this.#getStream.get(r.stream) as number | undefined) ?? -1;
            st = { stream: r.stream, committed: c, max: c };
            streams.set(r.stream, st);
          }
        }
        if (r.offset <= st.max) {
          duplicates++;
          continue;
        }
        st.max = r.offset;
        st.check = r.check;
      }
      const id = ++lastId;
      const code = LEVEL_CODE[r.level] ?? LEVEL_CODE.unknown;
      insertLog.run(id, r.ts, code, r.source, r.host, r.message, r.attrs);
      insertFts.run(id, r.message);
      kept.push(r);
      if (sa === undefined || sa.source !== r.source) {
        sa = bySource.get(r.source);
        if (!sa) {
          sa = { source: r.source, aggs: new Map(), lastSeen: r.ts };
          bySource.set(r.source, sa);
        }
      }
      if (r.ts > sa.lastSeen) sa.lastSeen = r.ts;
      const minute = Math.floor(r.ts / MINUTE_MS);
      const key = minute * 8 + code;
      const a = sa.aggs.get(key);
      if (a) {
        a.n++;
        a.maxId = id;
      } else sa.aggs.set(key, { minute, level: code, n: 1, minId: id, maxId: id });
    }
    if (kept.length) {
      const rollupRows: unknown[] = [];
      const hourRows: unknown[] = [];
      const totalsRows: unknown[] = [];
      for (const { source, aggs, lastSeen } of bySource.values()) {
        const perHour = new Map<number, Agg>();
        const perLevel = new Map<number, Agg>();
        for (const a of aggs.values()) {
          rollupRows.push(a.minute, a.level, source, a.n, a.minId, a.maxId);
          const hour = Math.floor(a.minute / 60);
          fold(perHour, hour * 8 + a.level, hour, a);
          fold(perLevel, a.level, 0, a);
        }
        for (const h of perHour.values()) hourRows.push(h.minute, h.level, source, h.n, h.minId, h.maxId);
        for (const t of perLevel.values()) totalsRows.push(source, t.level, t.n, lastSeen, t.minId, t.maxId);
      }
      this.#upsertMany(this.#upsertRollup, rollupRows);
      this.#upsertMany(this.#upsertRollupHour, hourRows);
      this.#upsertMany(this.#upsertTotals, totalsRows);
      this.#setLastId.run(lastId);
      const now = this.#now();
      this.#upsertIngest.run(Math.floor(now / INGEST_WINDOW_MS) * (INGEST_WINDOW_MS / 1000), lastId, now);
    }
    for (const [stream, st] of streams) {
      if (st.max <= st.committed) continue;
      this.#setStream.run(stream, st.max);
      if (st.check) this.#setCheck.run(stream, st.max, st.check);
    }
    if (!kept.length) return { accepted: 0, duplicates, records: [] };
    return insertedResult(kept, firstId, duplicates);
  }

  // Runs a family of multi-row upserts over `flat` (UPSERT_WIDTH values a row), in as few
  // statements as the fixed sizes allow: a batch touches 50-150 rollup rows, and one
  // statement per row would cost more in call overhead than in SQLite work.
  #upsertMany(u: Upsert, flat: unknown[]): void {
    let rows = flat.length / UPSERT_WIDTH;
    let at = 0;
    for (const size of UPSERT_SIZES) {
      while (rows >= size) {
        u[size].run(flat.slice(at, at + size * UPSERT_WIDTH));
        at += size * UPSERT_WIDTH;
        rows -= size;
      }
    }
  }

  async insert(records: NormalizedRecord[]): Promise<InsertResult> {
    try {
      return this.#insertTx.immediate(records);
    } catch (err) {
      throw translateWriteError(err);
    }
  }

  /**
   * How many rows a filter can match at most and the id range they lie in, from the rollup
   * (time-bounded filters) or the totals (otherwise). Host and full-text parts are ignored,
   * so the count is an upper bound for them.
   */
  #estimate(f: LogFilter): Estimate {
    const terms: string[] = [];
    const params: unknown[] = [];
    if (f.levels?.length) {
      terms.push(`level IN (${placeholders(f.levels.length)})`);
      for (const l of f.levels) params.push(LEVEL_CODE[l]);
    }
    if (f.sources?.length) {
      terms.push(`source IN (${placeholders(f.sources.length)})`);
      params.push(...f.sources);
    }
    let table = 'totals';
    if (f.from !== undefined || f.to !== undefined) {
      const combos = this.#stmt('SELECT count(*) FROM totals').pluck().get() as number;
      // The finest rollup that is cheap to read for this range: minutes, else hours.
      for (const [name, col, unit] of [['rollup', 'minute', MINUTE_MS], ['rollup_hour', 'hour', HOUR_MS]] as const) {
        const bounds = this.#stmt(`SELECT min(${col}) AS lo, max(${col}) AS hi FROM ${name}`).get() as { lo: number | null; hi: number | null };
        if (bounds.lo === null || bounds.hi === null) return { n: 0, lo: 0, hi: -1 };
        const uLo = Math.max(bounds.lo, f.from !== undefined ? Math.floor(f.from / unit) : bounds.lo);
        const uHi = Math.min(bounds.hi, f.to !== undefined ? Math.floor((f.to - 1) / unit) : bounds.hi);
        if (uLo > uHi) return { n: 0, lo: 0, hi: -1 };
        if ((uHi - uLo + 1) * combos <= MAX_ROLLUP_ROWS_FOR_ESTIMATE) {
          table = name;
          terms.unshift(`${col} BETWEEN ? AND ?`);
          params.unshift(uLo, uHi);
          break;
        }
      }
    }
    const r = this.#stmt(`SELECT coalesce(sum(n), 0) AS n, min(min_id) AS lo, max(max_id) AS hi FROM ${table} ${where(terms)}`).get(...params) as {
      n: number;
      lo: number | null;
      hi: number | null;
    };
    if (!r.n || r.lo === null || r.hi === null) return { n: 0, lo: 0, hi: -1 };
    return { n: r.n, lo: r.lo, hi: r.hi };
  }

  async query(opts: QueryOptions): Promise<LogRecord[]> {
    return this.#queryByTime(opts, opts.order === 'asc' ? 'ASC' : 'DESC', opts.after, Math.floor(opts.limit));
  }

  // Event-time order: (ts, id) in `dir`, strictly after `after`. Plain and substring filters
  // walk an index whose order is (ts, rowid) and stop after `limit` matches; a word search is
  // answered window by window (see #searchByTime), since FTS5 returns matches in id order.
  #queryByTime(f: LogFilter, dir: 'ASC' | 'DESC', after: Position | undefined, limit: number): LogRecord[] {
    if (!(limit > 0)) return [];
    const q = f.q?.trim() ? f.q : undefined;
    const fts = q ? toFtsQuery(q) : null;
    const like = q && !fts ? fallbackSubstring(q) : null;
    const indexable = Boolean(f.levels?.length || f.sources?.length || f.from !== undefined || f.to !== undefined);
    let est: Estimate | undefined;
    if (indexable) {
      est = this.#estimate(f);
      if (est.n === 0) return [];
    }
    if (fts) return this.#searchByTime(f, fts, dir, after, limit, est);
    // Two plans, both exact: (a) let SQLite drive from the level/source index and sort what
    // it finds (cost ~ all matches in the range), or (b) walk the time index in order and
    // stop after `limit` matches (cost ~ limit / density rows). Density comes from the rollup.
    let noIndex = true;
    if (est && !like && (f.levels?.length || f.sources?.length)) {
      const all = this.#estimate({ from: f.from, to: f.to });
      const density = Math.min(1, est.n / Math.max(1, all.n));
      const walk = Math.min(all.n, limit / density) * ROW_COST;
      noIndex = !(est.n < walk);
    }
    const c = filterClauses(f, 'l', noIndex, true);
    const terms = [...c.sql];
    const params: unknown[] = [...c.params];
    if (est) {
      // Every match lies in the id range the rollup gives: a cheap extra bound.
      terms.push('+l.id >= ?', '+l.id <= ?');
      params.push(est.lo, est.hi);
    }
    keysetClause(after, dir, 'l', terms, params);
    if (like) {
      terms.push("+l.message LIKE ? ESCAPE '\\'");
      params.push(toLikePattern(like));
    }
    const sql = `SELECT ${LCOLUMNS} FROM logs AS l ${where(terms)} ORDER BY l.ts ${dir}, l.id ${dir} LIMIT ?`;
    return (this.#stmt(sql).all(...params, limit) as Row[]).map(toRecord);
  }

  // A word search in event-time order. FTS5 yields matches in rowid (arrival) order, not
  // in time order, so it is answered in two phases:
  // 1. Walk: the first WALK_ROWS rows of the other filters in (ts, id) order are read from the
  //    time index and matched in JS with the shared grammar (the live tail's matcher, so the
  //    semantics are the same). A common word is done here after a few hundred rows.
  // 2. Windows: past that, time is cut into windows walked in `dir`, starting one minute
  //    wide and doubling; each window's id range comes from the rollup (exact bounds: it is
  //    keyed by the minute of ts, so a late line widens its minute's range), FTS5 reads only
  //    the doclist entries inside it, and the matches are sorted by (ts, id). Windows
  //    partition time, so once `limit` matches are found no later window can hold a record
  //    that sorts before them.
  #searchByTime(f: LogFilter, fts: string, dir: 'ASC' | 'DESC', after: Position | undefined, limit: number, est: Estimate | undefined): LogRecord[] {
    const out: LogRecord[] = [];
    const terms0 = parseSearch(f.q ?? '');
    if (terms0.length) {
      const c0 = filterClauses(f, 'l', true, true);
      const t0 = [...c0.sql];
      const p0: unknown[] = [...c0.params];
      keysetClause(after, dir, 'l', t0, p0);
      const rows = this.#stmt(`SELECT ${LCOLUMNS} FROM logs AS l ${where(t0)} ORDER BY l.ts ${dir}, l.id ${dir} LIMIT ?`).all(...p0, this.#walkRows) as Row[];
      for (const r of rows) {
        const tokens = tokenize(r.message);
        if (terms0.every((t) => termMatches(t, tokens))) {
          out.push(toRecord(r));
          if (out.length >= limit) return out;
        }
      }
      if (rows.length < this.#walkRows) return out;
      const last = rows[rows.length - 1];
      after = { ts: last.ts, id: last.id };
    }
    const span = this.#stmt('SELECT min(minute) AS lo, max(minute) AS hi FROM rollup').get() as { lo: number | null; hi: number | null };
    if (span.lo === null || span.hi === null) return [];
    let lo = Math.max(span.lo * MINUTE_MS, f.from ?? -Infinity);
    let hi = Math.min((span.hi + 1) * MINUTE_MS, f.to ?? Infinity);
    if (after) {
      if (dir === 'DESC') hi = Math.min(hi, after.ts + 1);
      else lo = Math.max(lo, after.ts);
    }
    let width = MINUTE_MS;
    const c = filterClauses(f, 'l', false, true);
    while (hi > lo && out.length < limit) {
      const a = dir === 'DESC' ? Math.max(lo, hi - width) : lo;
      const b = dir === 'DESC' ? hi : Math.min(hi, lo + width);
      const ids = this.#idRange(a, b);
      if (ids) {
        const terms = ['logs_fts MATCH ?', 'logs_fts.rowid >= ?', 'logs_fts.rowid <= ?', '+l.ts >= ?', '+l.ts < ?', ...c.sql];
        const params: unknown[] = [fts, Math.max(ids.lo, est?.lo ?? ids.lo), Math.min(ids.hi, est?.hi ?? ids.hi), a, b, ...c.params];
        keysetClause(after, dir, 'l', terms, params, true);
        const sql = `SELECT ${LCOLUMNS} FROM logs_fts CROSS JOIN logs AS l ON l.id = logs_fts.rowid ${where(terms)} ORDER BY l.ts ${dir}, l.id ${dir} LIMIT ?`;
        for (const r of this.#stmt(sql).all(...params, limit - out.length) as Row[]) out.push(toRecord(r));
      }
      if (dir === 'DESC') hi = a;
      else lo = b;
      width *= 2;
    }
    return out;
  }

  /** The ids of rows with a <= ts < b lie in the returned range (from the rollups); undefined when there are none. */
  #idRange(a: number, b: number): { lo: number; hi: number } | undefined {
    const m0 = Math.floor(a / MINUTE_MS);
    const m1 = Math.floor((b - 1) / MINUTE_MS);
    let r: { lo: number | null; hi: number | null };
    if (m1 - m0 <= 1440) {
      r = this.#stmt('SELECT min(min_id) AS lo, max(max_id) AS hi FROM rollup WHERE minute BETWEEN ? AND ?').get(m0, m1) as typeof r;
    } else {
      r = this.#stmt('SELECT min(min_id) AS lo, max(max_id) AS hi FROM rollup_hour WHERE hour BETWEEN ? AND ?').get(Math.floor(m0 / 60), Math.floor(m1 / 60)) as typeof r;
    }
    return r.lo === null || r.hi === null ? undefined : { lo: r.lo, hi: r.hi };
  }

  // Arrival (id) order, for the live tail's catch-up (since()).
  #queryById(f: LogFilter, dir: 'ASC' | 'DESC', afterId: number | undefined, limit: number): LogRecord[] {
    limit = Math.floor(limit);
    if (!(limit > 0)) return [];
    const q = f.q?.trim() ? f.q : undefined;
    const fts = q ? toFtsQuery(q) : null;
    const like = q && !fts ? fallbackSubstring(q) : null;
    const indexable = Boolean(f.levels?.length || f.sources?.length || f.from !== undefined || f.to !== undefined);
    let lo = MIN_ID;
    let hi = MAX_ID;
    let est: Estimate | undefined;
    if (indexable) {
      est = this.#estimate(f);
      if (est.n === 0) return [];
      lo = est.lo;
      hi = est.hi;
    }
    if (afterId !== undefined) {
      if (dir === 'DESC') hi = Math.min(hi, afterId - 1);
      else lo = Math.max(lo, afterId + 1);
    }
    if (lo > hi) return [];

    if (fts) {
      // Driven by the FTS index in rowid order, which is our id order: the newest 100
      // matches of a word are read from the end of its doclist, whatever its frequency.
      const c = filterClauses(f, 'l', false);
      const sql =
        `SELECT l.id, l.ts, l.level, l.source, l.host, l.message, l.attrs FROM logs_fts CROSS JOIN logs AS l ON l.id = logs_fts.rowid ` +
        `${where(['logs_fts MATCH ?', 'logs_fts.rowid >= ?', 'logs_fts.rowid <= ?', ...c.sql])} ORDER BY logs_fts.rowid ${dir} LIMIT ?`;
      return (this.#stmt(sql).all(fts, lo, hi, ...c.params, limit) as Row[]).map(toRecord);
    }

    let useIndex = false;
    if (est && !like) {
      // Two plans, both exact: (a) collect matching ids from an index (cost ~ all matches,
      // index entries only) and keep the first `limit` in id order, or (b) walk the table in
      // id order within [lo, hi] and stop after `limit` matches (cost ~ limit / density rows).
      const span = hi - lo + 1;
      const density = Math.min(1, est.n / span);
      const walk = Math.min(span, limit / density) * ROW_COST;
      useIndex = est.n < walk;
    }
    if (useIndex) {
      const c = filterClauses(f, 'logs', false);
      // `+id` keeps SQLite from turning the id bounds into a rowid range scan.
      const sql =
        `SELECT ${COLUMNS} FROM logs WHERE id IN (SELECT id FROM logs ${where([...c.sql, '+id >= ?', '+id <= ?'])} ORDER BY id ${dir} LIMIT ?) ` +
        `ORDER BY id ${dir}`;
      return (this.#stmt(sql).all(...c.params, lo, hi, limit) as Row[]).map(toRecord);
    }
    const c = filterClauses(f, 'logs', true);
    const terms = ['id >= ?', 'id <= ?', ...c.sql];
    const params: unknown[] = [lo, hi, ...c.params];
    if (like) {
      terms.push("+message LIKE ? ESCAPE '\\'");
      params.push(toLikePattern(like));
    }
    const sql = `SELECT ${COLUMNS} FROM logs ${where(terms)} ORDER BY id ${dir} LIMIT ?`;
    return (this.#stmt(sql).all(...params, limit) as Row[]).map(toRecord);
  }

  async get(id: number): Promise<LogRecord | undefined> {
    const r = this.#stmt(`SELECT ${COLUMNS} FROM logs WHERE id = ?`).get(id) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  async context(id: number, before: number, after: number): Promise<{ before: LogRecord[]; record: LogRecord; after: LogRecord[] } | undefined> {
    const r = this.#stmt(`SELECT ${COLUMNS} FROM logs WHERE id = ?`).get(id) as Row | undefined;
    if (!r) return undefined;
    // Neighbours in event-time order, read from the (source, ts) index, whose entries end
    // with the rowid: "same source, before (ts, id)" is one index seek and a short walk.
    const b = Math.max(0, Math.floor(before));
    const a = Math.max(0, Math.floor(after));
    const prev = b
      ? (this.#stmt(`SELECT ${COLUMNS} FROM logs WHERE source = ? AND ts <= ? AND (ts < ? OR id < ?) ORDER BY ts DESC, id DESC LIMIT ?`).all(r.source, r.ts, r.ts, r.id, b) as Row[])
      : [];
    const next = a
      ? (this.#stmt(`SELECT ${COLUMNS} FROM logs WHERE source = ? AND ts >= ? AND (ts > ? OR id > ?) ORDER BY ts ASC, id ASC LIMIT ?`).all(r.source, r.ts, r.ts, r.id, a) as Row[])
      : [];
    return { before: prev.reverse().map(toRecord), record: toRecord(r), after: next.map(toRecord) };
  }

  async since(afterId: number, filter: LogFilter, limit: number): Promise<LogRecord[]> {
    return this.#queryById(filter, 'ASC', afterId, limit);
  }

  async histogram(hq: HistogramQuery): Promise<HistogramResult> {
    const { result, layout, add } = emptyHistogram(hq);
    const { start, step } = layout;
    if (!(hq.to > hq.from)) return result;
    const q = hq.q?.trim() ? hq.q : undefined;
    const fts = q ? toFtsQuery(q) : null;
    const like = q && !fts ? fallbackSubstring(q) : null;
    const filter: LogFilter = { levels: hq.levels, sources: hq.sources, host: hq.host, fields: hq.fields };

    // Counts rows with a <= ts < b directly (indexes, no rollup); sign -1 subtracts them.
    const countRows = (a: number, b: number, sign = 1): void => {
      if (!(b > a)) return;
      const c = filterClauses({ ...filter, from: a, to: b }, 'l', false);
      let sql: string;
      const params: unknown[] = [start, step];
      if (fts) {
        sql = `SELECT CAST((l.ts - ?) / ? AS INTEGER) AS b, l.level AS level, count(*) AS n FROM logs_fts CROSS JOIN logs AS l ON l.id = logs_fts.rowid ${where(['logs_fts MATCH ?', ...c.sql])} GROUP BY 1, 2`;
        params.push(fts, ...c.params);
      } else {
        const terms = [...c.sql];
        params.push(...c.params);
        if (like) {
          terms.push("l.message LIKE ? ESCAPE '\\'");
          params.push(toLikePattern(like));
        }
        sql = `SELECT CAST((l.ts - ?) / ? AS INTEGER) AS b, l.level AS level, count(*) AS n FROM logs AS l ${where(terms)} GROUP BY 1, 2`;
      }
      for (const r of this.#stmt(sql).all(...params) as { b: number; level: number; n: number }[]) add(r.b, r.level, sign * r.n);
    };

    // Splits [a, b) into whole hours (hourly rollup), whole minutes (minute rollup) and the
    // leftover partial minutes at the edges (counted from rows). A rollup unit is used only
    // when the step is a multiple of it, so each unit lies in exactly one bucket (buckets are
    // aligned to the step). The rollups know level and source only, so a search text or a
    // host filter means counting rows (bounded by the time range; a common word over a
    // long range costs about a second per million matches).
    const rollupOk = !fts && !like && hq.host === undefined && !hq.fields?.length;
    const units = [
      { table: 'rollup_hour', col: 'hour', ms: HOUR_MS },
      { table: 'rollup', col: 'minute', ms: MINUTE_MS },
    ].filter((u) => rollupOk && step % u.ms === 0);
    const c = filterClauses(filter, 'r', false);
    const readUnits = (u: (typeof units)[number], lo: number, hi: number): void => {
      const sql = `SELECT ${u.col} AS unit, level, sum(n) AS n FROM ${u.table} AS r ${where([`${u.col} >= ?`, `${u.col} < ?`, ...c.sql])} GROUP BY 1, 2`;
      for (const r of this.#stmt(sql).all(lo, hi, ...c.params) as { unit: number; level: number; n: number }[]) {
        add(Math.floor((r.unit * u.ms - start) / step), r.level, r.n);
      }
    };
    // A partial minute at an edge of the range that covers more than half of its minute is
    // cheaper as "the whole minute from the rollup minus the rows of the other part": at
    // most half a minute of rows is counted at each edge. Both parts lie in the same bucket.
    const countPartial = (a: number, b: number, last: boolean): void => {
      const u = units[units.length - 1];
      if (!last || !u || u.ms !== MINUTE_MS || (b - a) * 2 <= MINUTE_MS) return countRows(a, b);
      const m = Math.floor(a / MINUTE_MS);
      if (a === m * MINUTE_MS && b < (m + 1) * MINUTE_MS) {
        readUnits(u, m, m + 1);
        countRows(b, (m + 1) * MINUTE_MS, -1);
      } else if (b === (m + 1) * MINUTE_MS && a > m * MINUTE_MS) {
        readUnits(u, m, m + 1);
        countRows(m * MINUTE_MS, a, -1);
      } else countRows(a, b);
    };
    const countRange = (a: number, b: number, level: number): void => {
      if (!(b > a)) return;
      const u = units[level];
      if (!u) return countPartial(a, b, level > 0);
      const lo = Math.ceil(a / u.ms);
      const hi = Math.floor(b / u.ms);
      if (lo >= hi) {
        // No whole unit inside: split at the unit boundary (if any) so each piece is an edge.
        const mid = lo * u.ms;
        if (mid > a && mid < b) {
          countRange(a, mid, level + 1);
          countRange(mid, b, level + 1);
        } else countRange(a, b, level + 1);
        return;
      }
      readUnits(u, lo, hi);
      countRange(a, lo * u.ms, level + 1);
      countRange(hi * u.ms, b, level + 1);
    };
    // One read transaction: rollups and rows are subtracted from each other, so they must
    // come from the same snapshot even if another connection writes meanwhile.
    this.#db.transaction(() => countRange(hq.from, hq.to, 0))();
    return result;
  }

  async sources(): Promise<SourceInfo[]> {
    const rows = this.#stmt('SELECT source, sum(n) AS count, max(last_seen) AS lastSeen FROM totals GROUP BY source ORDER BY source').all() as SourceInfo[];
    return rows;
  }

  async stats(): Promise<StoreStats> {
    const rows = this.#stmt('SELECT coalesce(sum(n), 0) FROM totals').pluck().get() as number;
    const lastId = this.#getLastId.get() as number;
    // dbBytes is what size retention limits (live pages), so the two always agree; the
    // files on disk are larger by the free pages not yet vacuumed and the WAL (fileBytes()).
    return { rows, dbBytes: this.usedBytes(), lastId };
  }

  /**
   * Copies every commit in the write-ahead log into the database file (and empties the log).
   * The store guard calls it when the WAL file was deleted under us: SQLite still holds the
   * unlinked log open, and this moves what was acknowledged from it to the file that persists.
   */
  checkpoint(): void {
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Bytes of the database and WAL files on disk. */
  fileBytes(): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const size = this.#db.pragma('page_size', { simple: true }) as number;
    let wal = 0;
    try {
      wal = statSync(`${this.file}-wal`).size;
    } catch {
      // No WAL file right now (checkpointed and removed, or never written).
    }
    return pages * size + wal;
  }

  /** Bytes the database holds in live pages (file size minus free pages, WAL excluded): what size retention compares. */
  usedBytes(): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const free = this.#db.pragma('freelist_count', { simple: true }) as number;
    const size = this.#db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  }

  async streamOffset(stream: string): Promise<number> {
    const v = this.#getStream.get(stream) as number | undefined;
    return v ?? -1;
  }

  async streamChecks(streams: string[]): Promise<Map<string, StreamCheck>> {
    const out = new Map<string, StreamCheck>();
    for (const stream of streams) {
      const row = this.#getChecks.get(stream) as { offset: number; at: number | null; check: string | null } | undefined;
      if (row) out.set(stream, { offset: row.offset, at: row.at, check: row.check });
    }
    return out;
  }

  async enforceRetention(policy: RetentionPolicy, chunk: number): Promise<number> {
    const limit = Math.max(1, Math.floor(chunk));
    try {
      if (policy.maxAgeMs !== undefined && policy.maxAgeMs > 0) {
        const cutoff = (policy.now ?? this.#now()) - policy.maxAgeMs;
        // Only rows ingested before the cutoff may go: the newest id inserted in an ingest
        // window that ended before the cutoff bounds them. Windows are a minute long, so rows
        // may outlive their age by up to a minute, never the reverse. (Assumes the clock
        // does not jump back.)
        const lastWindow = Math.floor(cutoff / 1000) - INGEST_WINDOW_MS / 1000;
        const maxOldId = this.#stmt('SELECT last_id FROM ingests WHERE second <= ? ORDER BY second DESC LIMIT 1').pluck().get(lastWindow) as
          | number
          | undefined;
        if (maxOldId !== undefined) {
          const rows = this.#stmt('SELECT id, ts, level, source, message FROM logs WHERE id <= ? AND +ts < ? ORDER BY id LIMIT ?').all(maxOldId, cutoff, limit) as Row[];
          if (rows.length) return this.#deleteRows(rows);
        }
      }
      const used = policy.maxBytes !== undefined && policy.maxBytes > 0 ? this.usedBytes() : 0;
      if (policy.maxBytes !== undefined && used > policy.maxBytes) {
        // Delete about as many rows as the excess holds at the average row size, never more
        // than a chunk: a whole chunk could be far more than the excess when the limit is
        // small, and deleting frees less than the average (index and FTS pages are shared),
        // so this undershoots and the next call takes the rest rather than overshooting.
        const total = this.#stmt('SELECT coalesce(sum(n), 0) FROM totals').pluck().get() as number;
        const want = Math.ceil((used - policy.maxBytes) / (used / Math.max(1, total)));
        const n = Math.max(1, Math.min(limit, want));
        const rows = this.#stmt('SELECT id, ts, level, source, message FROM logs ORDER BY id LIMIT ?').all(n) as Row[];
        if (rows.length) return this.#deleteRows(rows);
      }
      return 0;
    } catch (err) {
      throw translateWriteError(err);
    }
  }

  async retentionOutlook(cutoff: number): Promise<RetentionOutlook> {
    // The same bound enforceRetention uses: ids ingested in windows that ended before the cutoff.
    const lastWindow = Math.floor(cutoff / 1000) - INGEST_WINDOW_MS / 1000;
    const maxOldId = this.#stmt('SELECT last_id FROM ingests WHERE second <= ? ORDER BY second DESC LIMIT 1').pluck().get(lastWindow) as number | undefined;
    const rows = this.#stmt('SELECT coalesce(sum(n), 0) FROM totals').pluck().get() as number;
    const newest = this.#stmt('SELECT max(at) FROM ingests').pluck().get() as number | null;
    const minId = this.#stmt('SELECT min(id) FROM logs').pluck().get() as number | null;
    // Ids are dense in ingest order, so the id range is an upper bound on the rows in it.
    const expiring = maxOldId === undefined || minId === null ? 0 : Math.min(rows, Math.max(0, maxOldId - minId + 1));
    return { expiring, rows, newestIngestAt: newest ?? undefined };
  }

  // Deletes rows in one transaction, keeping every derived structure exact: the FTS index
  // (external content: the 'delete' command needs the old text), rollup and totals.
  #deleteRows(rows: Row[]): number {
    const db = this.#db;
    const delLog = this.#stmt('DELETE FROM logs WHERE id = ?');
    const delFts = this.#stmt("INSERT INTO logs_fts (logs_fts, rowid, message) VALUES ('delete', ?, ?)");
    const decRollup = this.#stmt('UPDATE rollup SET n = n - ? WHERE minute = ? AND level = ? AND source = ?');
    const dropRollup = this.#stmt('DELETE FROM rollup WHERE minute = ? AND level = ? AND source = ? AND n <= 0');
    const decHour = this.#stmt('UPDATE rollup_hour SET n = n - ? WHERE hour = ? AND level = ? AND source = ?');
    const dropHour = this.#stmt('DELETE FROM rollup_hour WHERE hour = ? AND level = ? AND source = ? AND n <= 0');
    const decTotals = this.#stmt('UPDATE totals SET n = n - ? WHERE source = ? AND level = ?');
    const dropTotals = this.#stmt('DELETE FROM totals WHERE source = ? AND level = ? AND n <= 0');
    const pruneIngests = this.#stmt('DELETE FROM ingests WHERE last_id < (SELECT coalesce(min(id), 9007199254740991) FROM logs)');
    db.transaction(() => {
      const roll = new Map<string, { minute: number; level: number; source: string; n: number }>();
      const hours = new Map<string, { hour: number; level: number; source: string; n: number }>();
      const tot = new Map<string, { level: number; source: string; n: number }>();
      for (const r of rows) {
        delLog.run(r.id);
        delFts.run(r.id, r.message);
        const minute = Math.floor(r.ts / MINUTE_MS);
        const rk = `${minute}\u0000${r.level}\u0000${r.source}`;
        const ra = roll.get(rk);
        if (ra) ra.n++;
        else roll.set(rk, { minute, level: r.level, source: r.source, n: 1 });
        const hour = Math.floor(minute / 60);
        const hk = `${hour}\u0000${r.level}\u0000${r.source}`;
        const ha = hours.get(hk);
        if (ha) ha.n++;
        else hours.set(hk, { hour, level: r.level, source: r.source, n: 1 });
        const tk = `${r.level}\u0000${r.source}`;
        const ta = tot.get(tk);
        if (ta) ta.n++;
        else tot.set(tk, { level: r.level, source: r.source, n: 1 });
      }
      for (const a of roll.values()) {
        decRollup.run(a.n, a.minute, a.level, a.source);
        dropRollup.run(a.minute, a.level, a.source);
      }
      for (const a of hours.values()) {
        decHour.run(a.n, a.hour, a.level, a.source);
        dropHour.run(a.hour, a.level, a.source);
      }
      for (const a of tot.values()) {
        decTotals.run(a.n, a.source, a.level);
        dropTotals.run(a.source, a.level);
      }
      pruneIngests.run();
    }).immediate();
    return rows.length;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // Bounded statistics refresh (analysis_limit), so closing a big database stays quick.
      this.#db.pragma('analysis_limit = 1000');
      this.#db.pragma('optimize');
    } catch {
      // Best effort: statistics help the planner but are never required.
    }
    this.#db.close();
  }
}
