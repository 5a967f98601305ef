// The SQLite implementation of Store: one connection, one writer, a transaction per batch;
// rows land in the hot table and compaction moves them into compressed blocks (schema.ts) —
// with the inline compactor, a batch that completes whole blocks writes them itself (#place).
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { LogpipeError } from '../../../shared/errors.js';
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
import { emptyHistogram, HOUR_MS, MINUTE_MS, rollupUnits, splitRange } from '../buckets.js';
import { RollupBatch, type RollupAgg } from '../rollups.js';
import { openDatabase, type OpenOptions } from './schema.js';
import { translateWriteError } from './sqlite-errors.js';
import { toRecord, type Row } from '../row.js';
import { byTsId, compileBlockProbe, DecodedBlock, decodeTerms, idProbe, isV3Payload, levelMask, payloadBytes, type BlockTerms, type EncodedBlock, type ProbeInput } from '../block.js';
import { compileBlockFilter } from '../block-filter.js';
import { bloomHas } from '../bloom.js';
import { compileRowFilter, payloadMayMatch, planSearch, textNeedles } from '../row-filter.js';
import { BLOCK_SUMMARY, insertBlocks, writeBlocks, type BlockRow } from './block-table.js';
import { BlockEncoder, HOT_TUPLE, rowsOf, type HotTuple } from './block-encoder.js';
import { beginUpgrade, convertRows, needsConversion, upgrade2to3, upgrade3to4, upgrade4to5, upgrade5to6 } from './upgrade.js';

/** Options of the SQLite store beyond the file name. */
export interface SqliteStoreOptions extends OpenOptions {
  /** Clock for ingest times (retention); tests may move it. */
  now?: () => number;
  /** Rows per compressed block (default BLOCK_ROWS); tests lower it so few rows make many blocks. */
  blockRows?: number;
  /** A source's rows stay in the hot table at most about this long (ms, default HOT_MAX_AGE_MS) before a partial block is written. */
  hotMaxAgeMs?: number;
  /** How often the age check runs (ms, default 1000; 0 = never, compaction then runs only after inserts and on compact()). */
  compactIntervalMs?: number;
  /** Rows converted per transaction when upgrading a schema-1 database (default 50,000). */
  upgradeChunkRows?: number;
  /** Called after each committed chunk of a schema-1 upgrade (tests pause or kill the process there). */
  onUpgradeProgress?: (done: number, total: number) => void;
  /**
   * Called inside each transaction that writes blocks — a compaction step, or an insert whose
   * batch completes whole blocks (#place) — before its blocks are encoded (with `compactor:
   * 'worker'`, after: they are encoded outside it); tests kill the process there.
   */
  onCompactionStep?: (rows: number) => void;
  /**
   * Where compaction encodes blocks: 'inline' (default, and the server's) on the calling thread,
   * an insert writing the whole blocks its batch completes in its own transaction (#place), the
   * age timer the rest; 'worker' on a worker thread (block-encoder.ts), every row going through
   * the hot table and insert() returning as soon as its batch is committed
   * (`LOGPIPE_COMPACTOR=worker`, open.ts).
   */
  compactor?: 'inline' | 'worker';
}


const COLUMNS = 'id, ts, level, source, host, message, attrs';
const STATEMENT_CACHE_SIZE = 256;
/**
 * Rows per block. 1,000 lines of ~125 bytes compress to ~0.2x with zstd 3 (bench/codec.bench.ts);
 * bigger blocks compress a little better but every query that opens one decompresses all of it
 * (~0.7 ms per 1,000 lines), and its bloom filter grows with its distinct tokens.
 */
const BLOCK_ROWS = 1000;
/** Default hotMaxAgeMs: a quiet source's rows are compressed after about this long. */
const HOT_MAX_AGE_MS = 30_000;
/** Blocks written per compaction transaction (keeps each write lock short). */
const BLOCKS_PER_COMPACTION = 8;
/**
 * With the worker compactor, an insert that leaves more than this many blocks' worth of hot rows
 * (all sources) waits for compaction steps before it returns: when the worker thread gets less
 * CPU than ingest (a loaded machine), the hot table would otherwise grow without bound, and every
 * query scans it.
 */
const HOT_BACKLOG_BLOCKS = 16;
/**
 * Bytes of decoded blocks kept in memory (paging, context() and a query run again revisit the same
 * blocks), as DecodedBlock.cost estimates them: a block read only through its header and
 * columns costs its decompressed bytes (~150 KB per 1,000 lines), one whose rows were built
 * about three times that. 24 MB holds the ~100 blocks of ten minutes at 1M lines an hour when
 * only columns were read.
 */
const BLOCK_CACHE_BYTES = 24 * 1024 * 1024;
type Needles = ReturnType<typeof textNeedles>;
/** Bytes of block Bloom filters kept in memory (about 5 KB per 1,000-line block: ~10M lines' worth). */
const BLOOM_CACHE_BYTES = 48 * 1024 * 1024;
const EMPTY_BLOOM = new Uint8Array(0);
/** Hot rows and block summaries read per statement while walking in order. */
const HOT_PAGE = 512;
const BLOCK_PAGE = 32;
/** Most blocks one page of the event-time walk reads (id and edge only: cheap to read ahead). */
const WALK_PAGE = 256;
/** Ingest times are kept per window of this length (one row per window in `ingests`). */
const INGEST_WINDOW_MS = 60_000;

/** Where an insert put one source's rows: `hot` rows of it are now in `hot` (added: on top of those there before). */
interface Placed {
  source: string;
  hot: number;
  added: boolean;
}

/** Hot rows of one source: how many, and since when (Date.now) the oldest of them waits. */
interface HotSource {
  n: number;
  since: number;
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

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** `text` as a LIKE pattern "contains text" (ESCAPE '\\'). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Necessary conditions on the hot table's text columns that SQLite checks before a row becomes
 * a JS object (the exact test, compileRowFilter, still decides): each ASCII search token, or the
 * substring, occurs in the message (LIKE ignores ASCII case, as the search does); each field
 * equality's value occurs in the attrs JSON. A row the condition cannot judge passes: a message
 * with non-ASCII characters (folding and case mapping can turn them into ASCII), attrs with a
 * backslash (escapes), values that are numbers (a number can be spelled several ways in JSON) or hold
 * characters JSON escapes.
 */
function hotTextClauses(f: LogFilter, t: string): Clauses {
  const sql: string[] = [];
  const params: unknown[] = [];
  const m = `${t}.message`;
  const { folded, exact } = textNeedles(f);
  for (const n of folded) {
    sql.push(`(${m} LIKE ? ESCAPE '\\' OR length(CAST(${m} AS BLOB)) != length(${m}))`);
    params.push(containsPattern(n));
  }
  for (const v of exact) {
    sql.push(`(${t}.attrs LIKE ? ESCAPE '\\' OR instr(${t}.attrs, '\\') > 0)`);
    params.push(containsPattern(v));
  }
  // An equality on an integer (`http.status:503`) matches the number in any JSON spelling and
  // the string "503". JSON spells an integer without a digit followed by ".", "e" or "E" only
  // as its plain digits (no leading zeros, no "+"), so attrs holding none of that text cannot
  // match (a backslash: an escaped string, judged by the exact test).
  for (const ff of f.fields ?? []) {
    if (ff.negate || ff.op !== 'eq' || !PLAIN_INTEGER.test(ff.value)) continue;
    sql.push(`(${t}.attrs LIKE ? OR ${t}.attrs GLOB '*[0-9][.eE]*' OR instr(${t}.attrs, '\\') > 0)`);
    params.push(`%${ff.value}%`);
  }
  return { sql, params };
}

/** An integer as fields.ts fieldText writes a number, short enough to be exact in a double. */
const PLAIN_INTEGER = /^-?(0|[1-9]\d{0,14})$/;

/** WHERE terms of a filter on the hot table (alias h): the columns, then the text prefilter. */
function hotClauses(f: LogFilter): Clauses {
  const a = filterClauses(f, 'h');
  const b = hotTextClauses(f, 'h');
  return { sql: [...a.sql, ...b.sql], params: [...a.params, ...b.params] };
}

/** Builds WHERE terms for the level/source/host/time parts of a filter on table alias `t`. */
function filterClauses(f: LogFilter, t: string): Clauses {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (f.levels?.length) {
    sql.push(`${t}.level IN (${placeholders(f.levels.length)})`);
    for (const l of f.levels) params.push(LEVEL_CODE[l]);
  }
  if (f.sources?.length) {
    sql.push(`${t}.source IN (${placeholders(f.sources.length)})`);
    params.push(...f.sources);
  }
  if (f.host !== undefined) {
    sql.push(`${t}.host = ?`);
    params.push(f.host);
  }
  if (f.from !== undefined) {
    sql.push(`${t}.ts >= ?`);
    params.push(f.from);
  }
  if (f.to !== undefined) {
    sql.push(`${t}.ts < ?`);
    params.push(f.to);
  }
  return { sql, params };
}

/** Adds "strictly after `after` in (ts, id) order `dir`" on alias `t` (a plain ts bound the index can seek, plus the tie-break). */
function keysetClause(after: Position | undefined, dir: 'ASC' | 'DESC', t: string, terms: string[], params: unknown[]): void {
  if (!after) return;
  if (dir === 'DESC') terms.push(`${t}.ts <= ?`, `(${t}.ts < ? OR ${t}.id < ?)`);
  else terms.push(`${t}.ts >= ?`, `(${t}.ts > ? OR ${t}.id > ?)`);
  params.push(after.ts, after.ts, after.id);
}

/** Whether row `r` lies strictly after `after` in direction `dir`. */
/** Whether the place (ts, id) comes strictly after `after` in `dir` order. */
function isAfter(ts: number, id: number, after: Position | undefined, dir: 'ASC' | 'DESC'): boolean {
  if (!after) return true;
  return dir === 'DESC' ? ts < after.ts || (ts === after.ts && id < after.id) : ts > after.ts || (ts === after.ts && id > after.id);
}

function byTsIdDesc(a: Row, b: Row): number {
  return b.ts - a.ts || b.id - a.id;
}

/** The token of a search that is exactly one plain word (no phrase, prefix or substring), else null. */
function singleWord(q: string | undefined): string | null {
  const plan = planSearch(q);
  if (!plan || plan.substring !== null || plan.terms.length !== 1) return null;
  const t = plan.terms[0];
  return !t.prefix && t.tokens.length === 1 ? t.tokens[0] : null;
}

function where(terms: string[]): string {
  return terms.length ? `WHERE ${terms.join(' AND ')}` : '';
}

/** Thrown inside a compaction transaction whose rows are no longer all hot (rolls it back). */
class StaleStep extends Error {}

/** SQLite-backed Store (better-sqlite3): see schema.ts for the layout and why. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  #db: Database.Database;
  #now: () => number;
  #cache = new Map<string, Database.Statement>();
  #closed = false;
  #blockRows: number;
  #hotMaxAgeMs: number;
  #hot = new Map<string, HotSource>();
  /** Blocks decompressed so far (tests and benchmarks check that summaries skip blocks). */
  blocksDecoded = 0;
  #blockCache = new Map<number, { block: DecodedBlock; cost: number }>();
  #blockCacheBytes = 0;
  #blooms = new Map<number, Uint8Array>();
  #bloomBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #compactionError: string | undefined;
  #onCompactionStep: ((rows: number) => void) | undefined;
  /** An upper bound on id_max - id_min of every block: blocks holding id have id <= id_max <= id + width. */
  #idWidth = 0;
  /** Where the last insert transaction put each source's rows (applied to the hot counts after its commit, see #place). */
  #placed: Placed[] = [];
  /** Set when an insert transaction wrote blocks (#place): if it fails, the batch is tried again with its rows hot. */
  #wroteBlocks = false;
  /** With `compactor: 'worker'`: the thread that encodes blocks, and the compaction step out there now (one at a time). */
  #encoder: BlockEncoder | undefined;
  #compacting: Promise<void> | undefined;

  #insertLog: Database.Statement;
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
  #insertTx: Database.Transaction<(records: NormalizedRecord[], direct: boolean) => InsertResult>;
  #sourceHot: Database.Statement;
  #deleteHotUpTo: Database.Statement;
  #stepRows: Database.Statement;
  #deleteHot: Database.Statement;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.file = file;
    this.#now = options.now ?? Date.now;
    this.#blockRows = Math.max(1, Math.floor(options.blockRows ?? BLOCK_ROWS));
    this.#hotMaxAgeMs = options.hotMaxAgeMs ?? HOT_MAX_AGE_MS;
    this.#onCompactionStep = options.onCompactionStep;
    this.#db = openDatabase(file, options);
    const db = this.#db;
    try {
      if ((db.pragma('user_version', { simple: true }) as number) === 1) beginUpgrade(db);
      // Before any conversion: converted rows are written as blocks with their terms.
      if ((db.pragma('user_version', { simple: true }) as number) === 2) upgrade2to3(db);
      // Before any conversion too: converted rows are written as zstd blocks, marked so.
      if ((db.pragma('user_version', { simple: true }) as number) === 3) upgrade3to4(db);
      // And before any block is written: a v3 payload only ever sits in a schema-5 file.
      if ((db.pragma('user_version', { simple: true }) as number) === 4) upgrade4to5(db);
      // And before any block marks derived attrs: only a schema-6 file holds such a block.
      if ((db.pragma('user_version', { simple: true }) as number) === 5) upgrade5to6(db);
      if (needsConversion(db)) {
        convertRows(db, file, { blockRows: this.#blockRows, chunkRows: options.upgradeChunkRows, onProgress: options.onUpgradeProgress });
      }
    } catch (err) {
      db.close();
      throw translateWriteError(err);
    }
    this.#insertLog = db.prepare(`INSERT INTO hot (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.#getLastId = db.prepare("SELECT max((SELECT value FROM meta WHERE key = 'last_id'), coalesce((SELECT max(id) FROM hot), 0)) AS v").pluck();
    this.#setLastId = db.prepare("UPDATE meta SET value = ? WHERE key = 'last_id'");
    this.#getStream = db.prepare('SELECT last_offset FROM streams WHERE stream = ?').pluck();
    this.#setStream = db.prepare('INSERT INTO streams (stream, last_offset) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET last_offset = excluded.last_offset');
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
    this.#insertTx = db.transaction((records: NormalizedRecord[], direct: boolean) => this.#insertBatch(records, direct));
    this.#sourceHot = db.prepare(`SELECT ${HOT_TUPLE} FROM hot WHERE source = ?`).raw(true);
    this.#deleteHotUpTo = db.prepare('DELETE FROM hot WHERE source = ? AND ts <= ? AND (ts < ? OR id <= ?)');
    this.#stepRows = db.prepare(`SELECT ${HOT_TUPLE} FROM hot WHERE source = ? ORDER BY ts, id LIMIT ?`).raw(true);
    // One statement for a step's rows (ids as a JSON array): a quarter cheaper than one DELETE per row.
    this.#deleteHot = db.prepare('DELETE FROM hot WHERE id IN (SELECT value FROM json_each(?))');
    this.#idWidth = db.prepare('SELECT coalesce(max(id_max - id_min), 0) FROM blocks').pluck().get() as number;
    const started = Date.now();
    for (const r of db.prepare('SELECT source, count(*) AS n FROM hot GROUP BY source').all() as { source: string; n: number }[]) {
      this.#hot.set(r.source, { n: r.n, since: started });
    }
    if (options.compactor === 'worker') this.#encoder = new BlockEncoder();
    const every = options.compactIntervalMs ?? 1000;
    if (every > 0) {
      this.#timer = setInterval(() => this.#compactDue(), every);
      this.#timer.unref();
    }
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

  // Runs inside one IMMEDIATE transaction: either every row (in `hot` or in the blocks #place
  // writes), the rollups, the stream offsets and last_id are committed together, or nothing
  // is. Offsets are read from the table inside the transaction (not cached), so a rolled-back
  // batch leaves no trace.
  #insertBatch(records: NormalizedRecord[], direct: boolean): InsertResult {
    let lastId = this.#getLastId.get() as number;
    const firstId = lastId + 1;
    // The inserted input records, in id order; LogRecords are only built if someone asks.
    const kept: NormalizedRecord[] = [];
    let duplicates = 0;
    const streams = new Map<string, StreamState>();
    // Rollup upkeep is aggregated here in JS (rollups.ts), so a 1000-row batch costs a few
    // multi-row upserts. The last stream is remembered: a batch from the collector is one
    // stream, so most rows skip the map lookup.
    const roll = new RollupBatch();
    let st: StreamState | undefined;
    // The batch's rows by source (most batches are one source: the last group is remembered).
    const bySource = new Map<string, Row[]>();
    let group: Row[] | undefined;
    let groupSource: string | undefined;
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
      if (groupSource !== r.source || group === undefined) {
        groupSource = r.source;
        group = bySource.get(r.source);
        if (!group) bySource.set(r.source, (group = []));
      }
      group.push({ id, ts: r.ts, level: code, source: r.source, host: r.host, message: r.message, attrs: r.attrs });
      kept.push(r);
      roll.add(r.ts, code, r.source, id);
    }
    this.#placed = [];
    for (const [source, rows] of bySource) this.#place(source, rows, firstId, direct);
    if (kept.length) {
      const flat = (aggs: RollupAgg[]): unknown[] => aggs.flatMap((a) => [a.unit, a.level, a.source, a.n, a.minId, a.maxId]);
      this.#upsertMany(this.#upsertRollup, flat(roll.minutes()));
      this.#upsertMany(this.#upsertRollupHour, flat(roll.hours()));
      this.#upsertMany(this.#upsertTotals, roll.totals().flatMap((t) => [t.source, t.level, t.n, t.lastSeen, t.minId, t.maxId]));
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
    // Blocks are written from the batch itself with the inline compactor (#place); the worker
    // compactor encodes them on its thread instead, from the hot table.
    const direct = !this.#encoder;
    let res: InsertResult;
    try {
      res = this.#runInsert(records, direct);
    } catch (err) {
      const e = translateWriteError(err);
      // With the worker compactor, rows still waiting to be compressed may be what fills the
      // file: the due steps run first, and the batch is tried once more, so "full" is answered
      // only when compaction cannot make room (as with the inline compactor, which has always
      // run by then).
      if (!(this.#encoder && (e as LogpipeError).code === 'LP_ERR_STORE_FULL' && (await this.#compactAll()))) throw e;
      res = this.#runInsert(records, false);
    }
    if (res.accepted) {
      // Counted after the commit, from where the batch put each source's rows: what is now in
      // `hot` per source.
      const now = Date.now();
      let full = false;
      for (const p of this.#placed) {
        const h = this.#hot.get(p.source);
        const n = p.hot + (p.added && h ? h.n : 0);
        if (n <= 0) this.#hot.delete(p.source);
        else if (h) h.n = n;
        else this.#hot.set(p.source, { n, since: now });
      }
      this.#placed = [];
      for (const h of this.#hot.values()) if (h.n >= this.#blockRows) full = true;
      // Whole blocks left in `hot` (a source with a backlog, or the worker compactor) are
      // compressed right away, after the batch is committed (so a failure here never fails an
      // acknowledged batch): the hot table stays about blockRows rows per source, which is
      // what keeps scanning it cheap.
      if (full) this.#compactDue();
      if (this.#encoder) await this.#keepUp();
    }
    return res;
  }

  /**
   * One insert transaction. When it wrote blocks from the batch (#place) and failed — the
   * blocks did not fit, or encoding them threw — the batch is tried once more with every row
   * hot, as if compaction had failed after the commit: writing blocks never costs a batch that
   * could be stored, and the failure is reported as a compaction failure.
   */
  #runInsert(records: NormalizedRecord[], direct: boolean): InsertResult {
    this.#wroteBlocks = false;
    try {
      return this.#insertTx.immediate(records, direct);
    } catch (err) {
      this.#placed = [];
      if (!direct || !this.#wroteBlocks) throw translateWriteError(err);
      this.#wroteBlocks = false;
      // Said (and the hot counts read again) before the retry, whose rows are then counted on
      // top as usual (insert()).
      this.#compactionFailed(translateWriteError(err) as Error);
      try {
        return this.#insertTx.immediate(records, false);
      } catch (again) {
        this.#placed = [];
        throw translateWriteError(again);
      }
    }
  }

  /**
   * Stores one source's rows of a batch (ids assigned, inside the insert transaction). When
   * its hot rows and these make at least one whole block, the block store's compaction is done
   * right here instead of after the commit: the hot rows are read, merged with the new ones in
   * (ts, id) order, the oldest whole blocks are encoded and inserted, the hot rows that went
   * into them are deleted, and only the new rows left over are inserted into `hot`. That is
   * exactly what inserting every row into `hot` and compacting the source's whole blocks in
   * the next transaction (#compactSource) leaves behind — the same blocks with the same
   * summaries, the same rows hot — without taking most rows through the hot table's three
   * B-trees twice (in, read back, out). Crash safety needs no new argument: blocks, hot rows,
   * deletions and the stream offsets commit together or not at all, so a SIGKILL at any point
   * leaves every acknowledged row exactly once, in a block or in `hot`. Ids are assigned
   * before, in input order, so the live tail's `since` still follows commit order.
   * A source with a backlog in `hot` (more than BLOCKS_PER_COMPACTION blocks: compaction has
   * been failing) is left to #compactSource, which works through it step by step.
   */
  #place(source: string, rows: Row[], firstId: number, direct: boolean): void {
    const hotN = this.#hot.get(source)?.n ?? 0;
    const blockRows = this.#blockRows;
    if (direct && hotN + rows.length >= blockRows && hotN <= BLOCKS_PER_COMPACTION * blockRows) {
      let all = rows;
      if (hotN > 0) {
        const old = rowsOf(source, this.#sourceHot.all(source) as HotTuple[]);
        if (old.length) all = old.concat(rows);
      }
      // Usually already in order (lines arrive in time order): the sort then only checks.
      all.sort(byTsId);
      const take = Math.floor(all.length / blockRows) * blockRows;
      if (take > 0) {
        this.#wroteBlocks = true;
        this.#onCompactionStep?.(take);
        const moving = all.slice(0, take);
        this.#idWidth = Math.max(this.#idWidth, writeBlocks(this.#db, moving, blockRows));
        // The hot rows that went into blocks are the oldest of the source's hot rows in (ts, id)
        // order (every one of them was read, and blocks take a prefix of the merged order): one
        // range of hot_source_ts (source, ts, then id as the rowid), deleted in index order.
        let gone = 0;
        let last: Row | undefined;
        for (const r of moving) {
          if (r.id < firstId) {
            gone++;
            last = r;
          }
        }
        if (last && this.#deleteHotUpTo.run(source, last.ts, last.ts, last.id).changes !== gone) {
          throw new Error(`the hot rows of source "${source}" changed during an insert`);
        }
        for (let i = take; i < all.length; i++) {
          const r = all[i];
          if (r.id >= firstId) this.#insertLog.run(r.id, r.ts, r.level, r.source, r.host, r.message, r.attrs);
        }
        this.#placed.push({ source, hot: all.length - take, added: false });
        return;
      }
    }
    for (const r of rows) this.#insertLog.run(r.id, r.ts, r.level, r.source, r.host, r.message, r.attrs);
    this.#placed.push({ source, hot: rows.length, added: true });
  }

  /** Waits while the hot table holds more than HOT_BACKLOG_BLOCKS blocks' worth of rows and a compaction step is out (see #compactInBackground). */
  async #keepUp(): Promise<void> {
    const limit = HOT_BACKLOG_BLOCKS * this.#blockRows;
    for (;;) {
      let hot = 0;
      for (const h of this.#hot.values()) hot += h.n;
      if (hot <= limit || !this.#compacting) return;
      await this.#compacting;
    }
  }

  /** Compacts what is due now (inline), or starts doing so on the worker thread. */
  #compactDue(): void {
    if (this.#encoder) this.#compactInBackground();
    else this.#compactQuietly(false);
  }

  // ---- Compaction -------------------------------------------------------------------------
  //
  // Moves rows of one source from `hot` into blocks. Each call of #compactSource is one
  // IMMEDIATE transaction that inserts the blocks and deletes exactly the
  // rows it encoded from `hot`: a SIGKILL before the commit leaves the rows in `hot`, after
  // it leaves them in blocks, and nothing is ever in both or in neither. Stream offsets are
  // not touched (they were committed with the rows at insert). Blocks are cut in (ts, id)
  // order, so with `all` false only whole blocks go and the newest rows by time stay hot.
  // (With the inline compactor most whole blocks are written by the insert that completes them,
  // #place; what is left here is the age timer's partial blocks, compact(), and a backlog.)

  /** Compacts what is due: sources with a whole block of hot rows, or (with `force`, or when older than hotMaxAgeMs) all of them; returns rows moved. */
  compact(force = true): number {
    let moved = 0;
    const now = Date.now();
    for (const [source, h] of [...this.#hot]) {
      const all = force || now - h.since >= this.#hotMaxAgeMs;
      if (!all && h.n < this.#blockRows) continue;
      for (;;) {
        const n = this.#compactSource(source, all);
        moved += n;
        if (n === 0) break;
      }
    }
    return moved;
  }

  #compactQuietly(force: boolean): void {
    if (this.#closed) return;
    try {
      this.compact(force);
      this.#compactionError = undefined;
    } catch (err) {
      this.#compactionFailed(err as Error);
    }
  }

  #compactionFailed(err: Error): void {
    // The rows stay in `hot` (the transaction rolled back), so nothing is lost; say so once.
    const msg = err.message;
    if (this.#compactionError !== msg) process.stderr.write(`Compacting the database "${this.file}" failed (${msg}); its newest rows stay uncompressed until it succeeds.\n`);
    this.#compactionError = msg;
    this.#recountHot();
  }

  // Compaction with the worker thread, one step at a time, each step in three parts:
  //   1. read the oldest rows of a due source from `hot` (a plain read, no transaction held);
  //   2. encode them into blocks on the worker, while inserts go on committing new rows;
  //   3. in one IMMEDIATE transaction, delete exactly those rows from `hot` by id and insert
  //      the blocks. If any of them is gone by then (retention removed it, or a compact()
  //      moved it meanwhile), fewer rows are deleted than were read and the transaction is
  //      rolled back, blocks and all: the step is dropped and the counts are read again.
  // Rows never change while hot, so rows found by id are the rows encoded. As with inline
  // compaction, a SIGKILL before the commit leaves the rows in `hot` and after it leaves them
  // in blocks, never both or neither; stream offsets were committed with the rows at insert.
  // Rows that arrive during step 2 are newer than the read, so they stay hot; a late one
  // (smaller ts) goes into a later block, which queries allow (blocks of a source overlap).
  #compactInBackground(): void {
    if (this.#closed || this.#compacting || !this.#encoder) return;
    let step: { source: string; all: boolean; rows: HotTuple[] } | undefined;
    try {
      step = this.#dueStep();
    } catch (err) {
      this.#compactionFailed(err as Error);
      return;
    }
    if (!step) return;
    const { source, all, rows } = step;
    let failed = false;
    this.#compacting = this.#encoder
      .encode(source, rows, this.#blockRows)
      .then((blocks) => {
        if (!this.#db.open) return;
        this.#commitStep(source, all, rows, blocks);
        this.#compactionError = undefined;
      })
      .catch((err: Error) => {
        failed = true;
        if (this.#db.open) this.#compactionFailed(err);
      })
      .finally(() => {
        this.#compacting = undefined;
        // More may be due (several sources, or more than one step's rows); after a failure
        // the next insert or timer tick tries again.
        if (!failed) this.#compactInBackground();
      });
  }

  /** The rows of the next compaction step: the first due source with whole blocks of hot rows (or any rows, when it is old enough). */
  #dueStep(): { source: string; all: boolean; rows: HotTuple[] } | undefined {
    const now = Date.now();
    const max = BLOCKS_PER_COMPACTION * this.#blockRows;
    for (const [source, h] of this.#hot) {
      const all = now - h.since >= this.#hotMaxAgeMs;
      if (!all && h.n < this.#blockRows) continue;
      const rows = this.#stepRows.all(source, max) as HotTuple[];
      const take = all ? rows.length : Math.floor(rows.length / this.#blockRows) * this.#blockRows;
      if (take > 0) return { source, all, rows: rows.slice(0, take) };
      // The count was off (rows removed behind it): take the table's word for it.
      if (rows.length === 0) this.#hot.delete(source);
      else h.n = rows.length;
    }
    return undefined;
  }

  #commitStep(source: string, all: boolean, rows: HotTuple[], blocks: EncodedBlock[]): void {
    const moved = this.#db.transaction((): boolean => {
      this.#onCompactionStep?.(rows.length);
      const gone = this.#deleteHot.run(JSON.stringify(rows.map((r) => r[0]))).changes;
      if (gone !== rows.length) throw new StaleStep();
      this.#idWidth = Math.max(this.#idWidth, insertBlocks(this.#db, blocks));
      return true;
    });
    try {
      moved.immediate();
    } catch (err) {
      if (!(err instanceof StaleStep)) throw err;
      this.#recountHot();
      return;
    }
    const h = this.#hot.get(source);
    if (!h) return;
    h.n -= rows.length;
    if (h.n <= 0) this.#hot.delete(source);
    // Rows left after an age step came in while it was encoded: their wait starts now.
    else if (all) h.since = Date.now();
  }

  /** Runs every due background step to the end; whether any rows left the hot table. */
  async #compactAll(): Promise<boolean> {
    const hot = (): number => [...this.#hot.values()].reduce((a, h) => a + h.n, 0);
    const before = hot();
    await this.settled();
    this.#compactInBackground();
    await this.settled();
    return hot() < before;
  }

  /** Resolves once no background compaction step is out (tests; compaction may start again with the next insert). */
  async settled(): Promise<void> {
    while (this.#compacting) await this.#compacting;
  }

  #recountHot(): void {
    const now = Date.now();
    const fresh = new Map<string, HotSource>();
    for (const r of this.#stmt('SELECT source, count(*) AS n FROM hot GROUP BY source').all() as { source: string; n: number }[]) {
      fresh.set(r.source, { n: r.n, since: this.#hot.get(r.source)?.since ?? now });
    }
    this.#hot = fresh;
  }

  /** One transaction: up to BLOCKS_PER_COMPACTION blocks of `source` from hot. Returns rows moved. */
  #compactSource(source: string, all: boolean): number {
    const max = BLOCKS_PER_COMPACTION * this.#blockRows;
    const moved = this.#db.transaction((): number => {
      const rows = this.#stepRows.all(source, max) as HotTuple[];
      const take = all ? rows.length : Math.floor(rows.length / this.#blockRows) * this.#blockRows;
      if (take === 0) return 0;
      const moving = rows.slice(0, take);
      this.#onCompactionStep?.(take);
      this.#idWidth = Math.max(this.#idWidth, writeBlocks(this.#db, rowsOf(source, moving), this.#blockRows));
      this.#deleteHot.run(JSON.stringify(moving.map((r) => r[0])));
      return take;
    }).immediate();
    const h = this.#hot.get(source);
    if (h) {
      h.n -= moved;
      if (h.n <= 0) this.#hot.delete(source);
    }
    return moved;
  }

  // ---- Reading ---------------------------------------------------------------------------

  /** A block, decoded (recent ones are cached; blocks never change, a rewrite makes a new id). */
  // With `needles` (row-filter.ts textNeedles), a v1 block whose decompressed text lacks one of
  // them is known to hold no matching row: null, without being parsed or cached. (A v2 block
  // is checked section by section by its selector, block-filter.ts.)
  #blockOf(id: number, needles?: Needles): DecodedBlock | null | undefined {
    const hit = this.#blockCache.get(id);
    if (hit) {
      this.#blockCache.delete(id);
      this.#blockCache.set(id, hit);
      // A cached block grows as queries parse its sections: account for what it holds now.
      const cost = hit.block.cost;
      this.#blockCacheBytes += cost - hit.cost;
      hit.cost = cost;
      this.#trimBlockCache();
      return hit.block;
    }
    const b = this.#stmt('SELECT source, id_min, ts_min, codec, payload FROM blocks WHERE id = ?').get(id) as
      | { source: string; id_min: number; ts_min: number; codec: number; payload: Buffer }
      | undefined;
    if (!b) return undefined;
    this.blocksDecoded++;
    let block: DecodedBlock;
    if (isV3Payload(b.payload, b.codec)) block = DecodedBlock.open(b.source, b.id_min, b.ts_min, b.payload, b.codec);
    else {
      const bytes = payloadBytes(b.payload, b.codec);
      if (needles && bytes[0] === 0x7b && !payloadMayMatch(bytes.toString(), needles)) return null;
      block = new DecodedBlock(b.source, b.id_min, b.ts_min, bytes);
    }
    this.#blockCache.set(id, { block, cost: block.cost });
    this.#blockCacheBytes += block.cost;
    this.#trimBlockCache();
    return block;
  }

  #trimBlockCache(): void {
    while (this.#blockCacheBytes > BLOCK_CACHE_BYTES && this.#blockCache.size > 1) this.#uncache(this.#blockCache.keys().next().value as number);
  }

  /** The rows of a block (all of them built), or undefined when it is gone. */
  #blockRowsOf(id: number): Row[] | undefined {
    return this.#blockOf(id)?.rows();
  }

  /**
   * A block's Bloom filter: from memory, else read (one row's overflow pages) and kept while
   * the filters held stay under BLOOM_CACHE_BYTES (the oldest read are dropped first). Probing
   * every block of an hour for a rare word or a field value then costs no disk read.
   */
  #bloomOf(id: number): Uint8Array {
    const hit = this.#blooms.get(id);
    if (hit) return hit;
    const bloom = this.#stmt('SELECT bloom FROM blocks WHERE id = ?').pluck().get(id) as Uint8Array | undefined;
    if (!bloom) return EMPTY_BLOOM; // gone meanwhile: matches nothing
    this.#blooms.set(id, bloom);
    this.#bloomBytes += bloom.length;
    while (this.#bloomBytes > BLOOM_CACHE_BYTES && this.#blooms.size > 1) {
      const [old, b] = this.#blooms.entries().next().value as [number, Uint8Array];
      this.#blooms.delete(old);
      this.#bloomBytes -= b.length;
    }
    return bloom;
  }

  /** What compileBlockProbe reads of a block; the Bloom filter only if the probe asks. */
  #probeInput(b: BlockRow): ProbeInput {
    const bloomOf = (id: number) => this.#bloomOf(id);
    return {
      host: b.host,
      nums: b.nums,
      get bloom() {
        return bloomOf(b.id);
      },
    };
  }

  /** Forgets decoded blocks (benchmarks measure cold reads; tests count decodes). */
  dropBlockCache(): void {
    this.#blockCache.clear();
    this.#blockCacheBytes = 0;
  }

  #forgetBloom(id: number): void {
    const b = this.#blooms.get(id);
    if (!b) return;
    this.#blooms.delete(id);
    this.#bloomBytes -= b.length;
  }

  #uncache(id: number): void {
    const e = this.#blockCache.get(id);
    if (!e) return;
    this.#blockCache.delete(id);
    this.#blockCacheBytes -= e.cost;
  }

  /** Summary conditions of a filter on `blocks` (time overlap, level mask, sources). */
  #blockClauses(f: LogFilter, from: number | undefined, to: number | undefined): Clauses {
    const sql: string[] = [];
    const params: unknown[] = [];
    if (from !== undefined) {
      sql.push('ts_max >= ?');
      params.push(from);
    }
    if (to !== undefined) {
      sql.push('ts_min < ?');
      params.push(to);
    }
    const mask = levelMask(f);
    if (mask) {
      sql.push('(levels & ?) != 0');
      params.push(mask);
    }
    if (f.sources?.length) {
      sql.push(`source IN (${placeholders(f.sources.length)})`);
      params.push(...f.sources);
    }
    if (f.host !== undefined) {
      sql.push('(host IS NULL OR host = ?)');
      params.push(f.host);
    }
    return { sql, params };
  }

  async query(opts: QueryOptions): Promise<LogRecord[]> {
    return this.#queryByTime(opts, opts.order === 'asc' ? 'ASC' : 'DESC', opts.after, Math.floor(opts.limit)).map(toRecord);
  }

  // Event-time order: (ts, id) in `dir`, strictly after `after`, at most `limit` rows.
  // 1. Hot rows are read in order from hot_ts (level/source/host/time in SQL, search words and
  //    fields by the exact row filter) until `limit` match.
  // 2. Blocks are walked in the same direction by the edge of their time range that comes
  //    first (ts_max newest-first, ts_min oldest-first); each is skipped when its summary rules
  //    the filter out (compileBlockProbe), else decompressed and filtered row by row. Once
  //    `limit` rows are held, a block whose first possible row sorts after the last held one
  //    ends the walk: every later block starts later still. Blocks may overlap in time (late
  //    lines), which this handles since it bounds by the block's own range, not its order.
  #queryByTime(f: LogFilter, dir: 'ASC' | 'DESC', after: Position | undefined, limit: number): Row[] {
    if (!(limit > 0)) return [];
    const pred = compileRowFilter(f);
    const select = compileBlockFilter(f);
    const probe = compileBlockProbe(f);
    const needles = textNeedles(f);
    const cmp = dir === 'DESC' ? byTsIdDesc : byTsId;
    let out: Row[] = [];

    const c = hotClauses(f);
    let cursor = after;
    // Pages start at `limit` rows (an unfiltered page reads no more than it returns) and grow.
    let size = Math.min(HOT_PAGE, limit);
    for (;;) {
      const terms = [...c.sql];
      const params = [...c.params];
      keysetClause(cursor, dir, 'h', terms, params);
      const page = this.#stmt(`SELECT ${COLUMNS} FROM hot AS h ${where(terms)} ORDER BY h.ts ${dir}, h.id ${dir} LIMIT ?`).all(...params, size) as Row[];
      for (const r of page) {
        if (pred(r)) {
          out.push(r);
          if (out.length >= limit) break;
        }
      }
      if (out.length >= limit || page.length < size) break;
      const last = page[page.length - 1];
      cursor = { ts: last.ts, id: last.id };
      size = Math.min(HOT_PAGE, size * 4);
    }

    let from = f.from;
    let to = f.to;
    if (after) {
      if (dir === 'DESC') to = to === undefined ? after.ts + 1 : Math.min(to, after.ts + 1);
      else from = from === undefined ? after.ts : Math.max(from, after.ts);
    }
    const bc = this.#blockClauses(f, from, to);
    const edge = dir === 'DESC' ? 'ts_max' : 'ts_min';
    // The walk reads the block id and the edge it is ordered by, which the edge's index holds
    // (ts_max, rowid): no table row is visited unless a WHERE term or the probe needs one (a
    // host, numeric ranges). Rows come as arrays: a walk over thousands of blocks (a rare word,
    // a substring over the hour) then costs about a microsecond a block, where the whole summary
    // as objects cost ten.
    const withHost = f.host !== undefined;
    const withNums = (f.fields ?? []).some((ff) => !ff.negate && ff.op === 'range');
    const cols = `id, ${edge}${withHost ? ', host' : ''}${withNums ? ', nums' : ''}`;
    const bloomOf = (id: number) => this.#bloomOf(id);
    let key: { edge: number; id: number } | undefined;
    let pageSize = 4;
    for (;;) {
      const terms = [...bc.sql];
      const params = [...bc.params];
      if (key) {
        // A plain bound the index seeks to, plus the tie-break: an OR alone made every page
        // scan the index from its start (a walk over n blocks visited n²/64 entries).
        terms.push(dir === 'DESC' ? `${edge} <= ?` : `${edge} >= ?`, dir === 'DESC' ? `(${edge} < ? OR id < ?)` : `(${edge} > ? OR id > ?)`);
        params.push(key.edge, key.edge, key.id);
      }
      const blocks = this.#stmt(`SELECT ${cols} FROM blocks ${where(terms)} ORDER BY ${edge} ${dir}, id ${dir} LIMIT ?`).raw().all(...params, pageSize) as [number, number, ...(string | null)[]][];
      for (const b of blocks) {
        const id = b[0];
        const at = b[1];
        if (out.length >= limit) {
          const kth = out[limit - 1];
          if (dir === 'DESC' ? at < kth.ts : at > kth.ts) return out;
        }
        if (probe) {
          const input: ProbeInput = {
            host: withHost ? (b[2] as string | null) : null,
            nums: withNums ? (b[withHost ? 3 : 2] as string | null) : null,
            get bloom() {
              return bloomOf(id);
            },
          };
          if (!probe(input)) continue;
        }
        const blk = this.#blockOf(id, needles);
        if (!blk) continue;
        const ks = select(blk).filter((k) => isAfter(blk.ts[k], blk.ids[k], after, dir));
        const added = ks.length > 0;
        for (const r of blk.rowsAt(ks)) out.push(r);
        if (added) {
          out.sort(cmp);
          if (out.length > limit) out = out.slice(0, limit);
        }
      }
      if (blocks.length < pageSize) break;
      const last = blocks[blocks.length - 1];
      key = { edge: last[1], id: last[0] };
      pageSize = Math.min(WALK_PAGE, pageSize * 2);
    }
    if (out.length > 1) out.sort(cmp);
    return out.slice(0, limit);
  }

  /** Where a row id lives: the hot row, or the decoded row of its block. */
  #getRow(id: number): Row | undefined {
    const h = this.#stmt(`SELECT ${COLUMNS} FROM hot WHERE id = ?`).get(id) as Row | undefined;
    if (h) return h;
    const probe = idProbe(id);
    const cands = this.#stmt('SELECT id FROM blocks WHERE id_max >= ? AND id_max <= ? AND id_min <= ?').all(id, id + this.#idWidth, id) as { id: number }[];
    for (const c of cands) {
      if (!bloomHas(this.#bloomOf(c.id), probe)) continue;
      const blk = this.#blockOf(c.id);
      const k = blk ? blk.ids.indexOf(id) : -1;
      if (k >= 0) return blk!.row(k);
    }
    return undefined;
  }

  async get(id: number): Promise<LogRecord | undefined> {
    const r = this.#getRow(id);
    return r ? toRecord(r) : undefined;
  }

  async context(id: number, before: number, after: number): Promise<{ before: LogRecord[]; record: LogRecord; after: LogRecord[] } | undefined> {
    const r = this.#getRow(id);
    if (!r) return undefined;
    // Neighbours in event-time order from the same source: the query walk with a source
    // filter, starting at the record's own position in each direction.
    const b = Math.max(0, Math.floor(before));
    const a = Math.max(0, Math.floor(after));
    const at = { ts: r.ts, id: r.id };
    const prev = b ? this.#queryByTime({ sources: [r.source] }, 'DESC', at, b) : [];
    const next = a ? this.#queryByTime({ sources: [r.source] }, 'ASC', at, a) : [];
    return { before: prev.reverse().map(toRecord), record: toRecord(r), after: next.map(toRecord) };
  }

  // Arrival (id) order for the live tail's catch-up: hot rows by id, then blocks by id range.
  async since(afterId: number, filter: LogFilter, limit: number): Promise<LogRecord[]> {
    limit = Math.floor(limit);
    if (!(limit > 0)) return [];
    const pred = compileRowFilter(filter);
    const select = compileBlockFilter(filter);
    const probe = compileBlockProbe(filter);
    const needles = textNeedles(filter);
    const mask = levelMask(filter);
    const sources = filter.sources?.length ? new Set(filter.sources) : undefined;
    let out: Row[] = [];
    const c = hotClauses(filter);
    let cursor = afterId;
    let size = Math.min(HOT_PAGE, limit);
    for (;;) {
      const page = this.#stmt(`SELECT ${COLUMNS} FROM hot AS h ${where(['h.id > ?', ...c.sql])} ORDER BY h.id LIMIT ?`).all(cursor, ...c.params, size) as Row[];
      for (const r of page) {
        if (pred(r)) {
          out.push(r);
          if (out.length >= limit) break;
        }
      }
      if (out.length >= limit || page.length < size) break;
      cursor = page[page.length - 1].id;
      size = Math.min(HOT_PAGE, size * 4);
    }
    // Blocks holding an id > afterId have id_max > afterId, so id_min > afterId - width; they
    // are walked in id_min order, and once `limit` rows are held a block starting past the
    // last of them ends the walk.
    let key: { idMin: number; id: number } | undefined;
    for (;;) {
      const terms = ['id_min > ?'];
      const params: unknown[] = [afterId - this.#idWidth - 1];
      if (key) {
        terms.push('id_min >= ?', '(id_min > ? OR id > ?)');
        params.push(key.idMin, key.idMin, key.id);
      }
      const blocks = this.#stmt(`SELECT ${BLOCK_SUMMARY} FROM blocks ${where(terms)} ORDER BY id_min, id LIMIT ${BLOCK_PAGE}`).all(...params) as BlockRow[];
      for (const s of blocks) {
        if (out.length >= limit && s.id_min > out[limit - 1].id) return out.map(toRecord);
        if (s.id_max <= afterId) continue;
        if (sources && !sources.has(s.source)) continue;
        if (mask && (s.levels & mask) === 0) continue;
        if ((filter.from !== undefined && s.ts_max < filter.from) || (filter.to !== undefined && s.ts_min >= filter.to)) continue;
        if (probe && !probe(this.#probeInput(s))) continue;
        const blk = this.#blockOf(s.id, needles);
        if (!blk) continue;
        const ks = select(blk).filter((k) => blk.ids[k] > afterId);
        const added = ks.length > 0;
        for (const r of blk.rowsAt(ks)) out.push(r);
        if (added) {
          out.sort((x, y) => x.id - y.id);
          if (out.length > limit) out = out.slice(0, limit);
        }
      }
      if (blocks.length < BLOCK_PAGE) break;
      const last = blocks[blocks.length - 1];
      key = { idMin: last.id_min, id: last.id };
    }
    return out.slice(0, limit).map(toRecord);
  }

  /** Counts rows with a <= ts < b matching `f` into the histogram (sign -1 subtracts), from hot rows and decoded blocks. */
  #countRows(f: LogFilter, a: number, b: number, add: (ts: number, level: number, n: number) => void, sign: number): void {
    if (!(b > a)) return;
    const range = { ...f, from: a, to: b };
    const rowLevel = Boolean(planSearch(f.q) || f.fields?.length);
    const c = hotClauses(range);
    if (!rowLevel) {
      for (const r of this.#stmt(`SELECT ts, level FROM hot AS h ${where(c.sql)}`).all(...c.params) as { ts: number; level: number }[]) add(r.ts, r.level, sign);
    } else {
      const pred = compileRowFilter(range);
      for (const r of this.#stmt(`SELECT ${COLUMNS} FROM hot AS h ${where(c.sql)}`).all(...c.params) as Row[]) if (pred(r)) add(r.ts, r.level, sign);
    }
    const select = compileBlockFilter(range);
    const probe = compileBlockProbe(range);
    const needles = textNeedles(range);
    const bc = this.#blockClauses(range, a, b);
    for (const s of this.#stmt(`SELECT ${BLOCK_SUMMARY} FROM blocks ${where(bc.sql)}`).all(...bc.params) as BlockRow[]) {
      if (probe && !probe(this.#probeInput(s))) continue;
      const blk = this.#blockOf(s.id, needles);
      if (!blk) continue;
      for (const k of select(blk)) add(blk.ts[k], blk.levels[k], sign);
    }
  }

  /**
   * Counts rows with a <= ts < b (whole minutes) holding `word` into the histogram: hot rows
   * and blocks whose terms lack the word are counted row by row; a block whose terms have it
   * adds its per-minute counts without being decompressed. `f` has levels and sources only
   * besides the word.
   */
  #countWord(word: string, f: LogFilter, a: number, b: number, add: (ts: number, level: number, n: number) => void, termsOf: Map<number, BlockTerms | null>): void {
    if (!(b > a)) return;
    const range = { ...f, from: a, to: b };
    const pred = compileRowFilter(range);
    const select = compileBlockFilter(range);
    const c = hotClauses(range);
    for (const r of this.#stmt(`SELECT ${COLUMNS} FROM hot AS h ${where(c.sql)}`).all(...c.params) as Row[]) if (pred(r)) add(r.ts, r.level, 1);
    const probe = compileBlockProbe(range);
    const needles = textNeedles(range);
    const levels = f.levels?.length ? new Set(f.levels.map((l) => LEVEL_CODE[l])) : undefined;
    const bc = this.#blockClauses(range, a, b);
    const sql = `SELECT ${BLOCK_SUMMARY}, t.terms AS terms, t.codec AS terms_codec FROM blocks LEFT JOIN block_terms AS t ON t.block = blocks.id ${where(bc.sql)}`;
    for (const blk of this.#stmt(sql).all(...bc.params) as (BlockRow & { terms: Uint8Array | null; terms_codec: number | null })[]) {
      if (probe && !probe(this.#probeInput(blk))) continue;
      let terms = termsOf.get(blk.id);
      if (terms === undefined) termsOf.set(blk.id, (terms = blk.terms ? decodeTerms(blk.terms, blk.terms_codec!) : null));
      const counts = terms?.t[word];
      if (terms && counts) {
        for (let i = 0; i < counts.length; i += 3) {
          const ts = (terms.m0 + counts[i]) * MINUTE_MS;
          if (ts >= a && ts < b && (!levels || levels.has(counts[i + 1]))) add(ts, counts[i + 1], counts[i + 2]);
        }
        continue;
      }
      const d = this.#blockOf(blk.id, needles);
      if (!d) continue;
      for (const k of select(d)) add(d.ts[k], d.levels[k], 1);
    }
  }

  async histogram(hq: HistogramQuery): Promise<HistogramResult> {
    const { result, layout, add } = emptyHistogram(hq);
    const { start, step } = layout;
    if (!(hq.to > hq.from)) return result;
    const filter: LogFilter = { q: hq.q, levels: hq.levels, sources: hq.sources, host: hq.host, fields: hq.fields };
    const addRow = (ts: number, level: number, n: number): void => add(Math.floor((ts - start) / step), level, n);
    const countRows = (a: number, b: number, sign = 1): void => this.#countRows(filter, a, b, addRow, sign);

    // buckets.ts splitRange plans the pieces. The rollups know level and source only, so a
    // host or a field filter means counting rows (blocks the summaries cannot rule out are
    // decompressed); one search word is counted per minute from the blocks' term counts.
    const rollupOk = !planSearch(hq.q) && hq.host === undefined && !hq.fields?.length;
    const word = hq.host === undefined && !hq.fields?.length ? singleWord(hq.q) : null;
    const units = rollupUnits(step, rollupOk || word !== null);
    const c = filterClauses({ levels: hq.levels, sources: hq.sources }, 'r');
    const termsOf = new Map<number, BlockTerms | null>();
    const readUnits = (ms: number, lo: number, hi: number): void => {
      if (word !== null) return this.#countWord(word, filter, lo * ms, hi * ms, addRow, termsOf);
      const [table, col] = ms === HOUR_MS ? ['rollup_hour', 'hour'] : ['rollup', 'minute'];
      const sql = `SELECT ${col} AS unit, level, sum(n) AS n FROM ${table} AS r ${where([`${col} >= ?`, `${col} < ?`, ...c.sql])} GROUP BY 1, 2`;
      for (const r of this.#stmt(sql).all(lo, hi, ...c.params) as { unit: number; level: number; n: number }[]) {
        add(Math.floor((r.unit * ms - start) / step), r.level, r.n);
      }
    };
    const pieces = splitRange(hq.from, hq.to, units);
    // One read transaction: rollups and rows are subtracted from each other, so they must
    // come from the same snapshot even if another connection writes meanwhile.
    this.#db.transaction(() => {
      for (const p of pieces) {
        if (p.kind === 'units') readUnits(p.ms, p.lo, p.hi);
        else countRows(p.a, p.b, p.sign);
      }
    })();
    return result;
  }

  async sources(): Promise<SourceInfo[]> {
    const rows = this.#stmt('SELECT source, sum(n) AS count, max(last_seen) AS lastSeen FROM totals GROUP BY source ORDER BY source').all() as SourceInfo[];
    return rows;
  }

  async stats(): Promise<StoreStats> {
    const rows = this.#stmt('SELECT coalesce(sum(n), 0) FROM totals').pluck().get() as number;
    const lastId = this.#getLastId.get() as number;
    const b = this.#stmt('SELECT coalesce(sum(raw_bytes), 0) AS raw, coalesce(sum(stored_bytes), 0) AS stored FROM blocks').get() as { raw: number; stored: number };
    const hotRows = this.#stmt('SELECT count(*) FROM hot').pluck().get() as number;
    let oldest: number | undefined;
    for (const h of this.#hot.values()) oldest = oldest === undefined ? h.since : Math.min(oldest, h.since);
    // dbBytes is what size retention limits (live pages), so the two always agree; the
    // files on disk are larger by the free pages not yet vacuumed and the WAL (fileBytes()).
    return {
      rows,
      dbBytes: this.usedBytes(),
      lastId,
      compressionRatio: b.raw > 0 ? b.stored / b.raw : undefined,
      hotRows,
      compactionLagMs: hotRows > 0 && oldest !== undefined ? Math.max(0, Date.now() - oldest) : 0,
    };
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

  // Retention deletes rows from `hot` and from blocks. A block all of whose rows go is simply
  // deleted: that is the common case under age retention, since blocks are
  // cut in time order. A block only part of which goes is rewritten: its survivors become a
  // new block (same source, (ts, id) order) in the same transaction. At most `chunk` rows go
  // per call, so a call stays short whatever the block size.
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
          const goes = (r: { id: number; ts: number }): boolean => r.id <= maxOldId && r.ts < cutoff;
          const hot = this.#stmt(`SELECT ${COLUMNS} FROM hot WHERE id <= ? AND +ts < ? ORDER BY id LIMIT ?`).all(maxOldId, cutoff, limit) as Row[];
          const fromBlocks = new Map<number, Row[]>();
          let n = hot.length;
          if (n < limit) {
            const cands = this.#stmt('SELECT id FROM blocks WHERE ts_min < ? AND id_min <= ? ORDER BY ts_min LIMIT 64').pluck().all(cutoff, maxOldId) as number[];
            for (const b of cands) {
              if (n >= limit) break;
              const rows = this.#blockRowsOf(b) ?? [];
              const gone = rows.filter(goes).slice(0, limit - n);
              if (!gone.length) continue;
              fromBlocks.set(b, gone);
              n += gone.length;
            }
          }
          if (n) return this.#removeRows(hot, fromBlocks);
        }
      }
      const used = policy.maxBytes !== undefined && policy.maxBytes > 0 ? this.usedBytes() : 0;
      if (policy.maxBytes !== undefined && used > policy.maxBytes) {
        // Delete about as many rows as the excess holds at the average row size, never more
        // than a chunk, and always the first ingested (lowest ids): the rows of an old file
        // imported last must not go first.
        const total = this.#stmt('SELECT coalesce(sum(n), 0) FROM totals').pluck().get() as number;
        const want = Math.max(1, Math.min(limit, Math.ceil((used - policy.maxBytes) / (used / Math.max(1, total)))));
        // The `want` lowest ids: from hot (by id) and from blocks walked in id_min order, until
        // the next block starts past the want-th lowest id seen.
        const ids: number[] = this.#stmt('SELECT id FROM hot ORDER BY id LIMIT ?').pluck().all(want) as number[];
        const visited: number[] = [];
        let key: { idMin: number; id: number } | undefined;
        walk: for (;;) {
          const page = this.#stmt('SELECT id, id_min FROM blocks WHERE id_min >= ? AND (id_min > ? OR id > ?) ORDER BY id_min, id LIMIT 16').all(
            key?.idMin ?? Number.MIN_SAFE_INTEGER,
            key?.idMin ?? Number.MIN_SAFE_INTEGER,
            key?.id ?? Number.MIN_SAFE_INTEGER,
          ) as { id: number; id_min: number }[];
          for (const b of page) {
            if (ids.length >= want) {
              ids.sort((x, y) => x - y);
              ids.length = want;
              if (b.id_min > ids[want - 1]) break walk;
            }
            visited.push(b.id);
            for (const r of this.#blockRowsOf(b.id) ?? []) ids.push(r.id);
          }
          if (page.length < 16) break;
          key = { idMin: page[page.length - 1].id_min, id: page[page.length - 1].id };
        }
        ids.sort((x, y) => x - y);
        if (!ids.length) return 0;
        const maxId = ids[Math.min(want, ids.length) - 1];
        const hot = this.#stmt(`SELECT ${COLUMNS} FROM hot WHERE id <= ? ORDER BY id`).all(maxId) as Row[];
        const fromBlocks = new Map<number, Row[]>();
        for (const b of visited) {
          const gone = (this.#blockRowsOf(b) ?? []).filter((r) => r.id <= maxId);
          if (gone.length) fromBlocks.set(b, gone);
        }
        return this.#removeRows(hot, fromBlocks);
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
    const minId = this.#minId();
    // Ids are dense in ingest order, so the id range is an upper bound on the rows in it.
    const expiring = maxOldId === undefined || minId === null ? 0 : Math.min(rows, Math.max(0, maxOldId - minId + 1));
    return { expiring, rows, newestIngestAt: newest ?? undefined };
  }

  /** The lowest stored id (hot or blocks), or null when empty. */
  #minId(): number | null {
    return this.#stmt('SELECT min(x) FROM (SELECT min(id) AS x FROM hot UNION ALL SELECT min(id_min) FROM blocks)').pluck().get() as number | null;
  }

  // Deletes rows in one transaction, keeping every derived structure exact: blocks (deleted
  // whole, or rewritten without the deleted rows), rollups and totals.
  #removeRows(hot: Row[], fromBlocks: Map<number, Row[]>): number {
    const db = this.#db;
    const delHot = this.#stmt('DELETE FROM hot WHERE id = ?');
    const delBlock = this.#stmt('DELETE FROM blocks WHERE id = ?');
    const delTerms = this.#stmt('DELETE FROM block_terms WHERE block = ?');
    const decRollup = this.#stmt('UPDATE rollup SET n = n - ? WHERE minute = ? AND level = ? AND source = ?');
    const dropRollup = this.#stmt('DELETE FROM rollup WHERE minute = ? AND level = ? AND source = ? AND n <= 0');
    const decHour = this.#stmt('UPDATE rollup_hour SET n = n - ? WHERE hour = ? AND level = ? AND source = ?');
    const dropHour = this.#stmt('DELETE FROM rollup_hour WHERE hour = ? AND level = ? AND source = ? AND n <= 0');
    const decTotals = this.#stmt('UPDATE totals SET n = n - ? WHERE source = ? AND level = ?');
    const dropTotals = this.#stmt('DELETE FROM totals WHERE source = ? AND level = ? AND n <= 0');
    const pruneIngests = this.#stmt('DELETE FROM ingests WHERE last_id < ?');
    let count = 0;
    const hotGone = new Map<string, number>();
    db.transaction(() => {
      const removed = new RollupBatch();
      const account = (r: Row): void => {
        count++;
        removed.add(r.ts, r.level, r.source, r.id);
      };
      for (const r of hot) {
        delHot.run(r.id);
        hotGone.set(r.source, (hotGone.get(r.source) ?? 0) + 1);
        account(r);
      }
      for (const [block, gone] of fromBlocks) {
        const rows = this.#blockRowsOf(block);
        if (!rows) continue;
        const ids = new Set(gone.map((r) => r.id));
        delBlock.run(block);
        delTerms.run(block);
        this.#forgetBloom(block);
        this.#uncache(block);
        const keep = rows.filter((r) => !ids.has(r.id));
        if (keep.length) this.#idWidth = Math.max(this.#idWidth, writeBlocks(db, keep, this.#blockRows));
        for (const r of gone) account(r);
      }
      for (const a of removed.minutes()) {
        decRollup.run(a.n, a.unit, a.level, a.source);
        dropRollup.run(a.unit, a.level, a.source);
      }
      for (const a of removed.hours()) {
        decHour.run(a.n, a.unit, a.level, a.source);
        dropHour.run(a.unit, a.level, a.source);
      }
      for (const a of removed.totals()) {
        decTotals.run(a.n, a.source, a.level);
        dropTotals.run(a.source, a.level);
      }
      pruneIngests.run(this.#minId() ?? Number.MAX_SAFE_INTEGER);
    }).immediate();
    for (const [source, n] of hotGone) {
      const h = this.#hot.get(source);
      if (h) {
        h.n -= n;
        if (h.n <= 0) this.#hot.delete(source);
      }
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    // A step out on the worker still commits (or is dropped) before the connection closes.
    await this.settled();
    await this.#encoder?.close();
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
