// Opens a logpipe SQLite database: connection settings, schema creation and the version check.
import Database from 'better-sqlite3';
import { LogpipeError } from '../../../shared/errors.js';
import { translateOpenError } from './sqlite-errors.js';

/** Schema version stored in `PRAGMA user_version`; bump it with a migration step below. */
export const SCHEMA_VERSION = 1;

// Why each piece is there:
// - logs.id is assigned by the store from meta.last_id (never max(id)+1), so ids are never
//   reused after retention deleted the newest rows, nor after a restart: the live tail
//   resumes by id. It is still the rowid, so id order is the table's physical order.
// - logs_fts is an external-content FTS5 index over logs.message, filled by explicit INSERTs
//   in the insert transaction. A trigger would make FTS5 flush a segment per row (50k rows/s
//   instead of ~117k measured on the target machine). columnsize=0 drops the per-row
//   document-size table that only bm25() ranking needs; we order by id, never by rank.
// - logs_ts (ts, level) serves time ranges and, being covering, counts rows per level for
//   the edges of histograms without touching the table; logs_level_ts and logs_source_ts
//   serve level and source filters with a time range.
// - rollup counts rows per (minute, level, source) with the id range they span: histograms
//   read it instead of counting rows (about 177 ms per million), and queries use it to
//   estimate how many rows a filter matches and to bound their id range. rollup_hour is
//   the same per hour, for histograms and estimates over days or weeks.
// - totals is the same per (source, level) for all time: sources(), stats().rows, and
//   estimates for filters without a time range.
// - streams holds the highest committed byte offset per stream (exactly-once delivery).
// - ingests maps each minute of ingestion (keyed by its first second) to the last id
//   inserted in it and the time of its last batch, so age retention can tell "old
//   timestamp" from "ingested long ago" (an imported old file must not vanish on arrival).
//   One row a minute keeps it small (half a million rows a year) even without retention.
const DDL = `
CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  level INTEGER NOT NULL,
  source TEXT NOT NULL,
  host TEXT NOT NULL,
  message TEXT NOT NULL,
  attrs TEXT
);
CREATE INDEX logs_ts ON logs (ts, level);
CREATE INDEX logs_level_ts ON logs (level, ts);
CREATE INDEX logs_source_ts ON logs (source, ts);
CREATE VIRTUAL TABLE logs_fts USING fts5 (message, content='logs', content_rowid='id', tokenize='unicode61', columnsize=0);
CREATE TABLE rollup (
  minute INTEGER NOT NULL,
  level INTEGER NOT NULL,
  source TEXT NOT NULL,
  n INTEGER NOT NULL,
  min_id INTEGER NOT NULL,
  max_id INTEGER NOT NULL,
  PRIMARY KEY (minute, level, source)
) WITHOUT ROWID;
CREATE TABLE rollup_hour (
  hour INTEGER NOT NULL,
  level INTEGER NOT NULL,
  source TEXT NOT NULL,
  n INTEGER NOT NULL,
  min_id INTEGER NOT NULL,
  max_id INTEGER NOT NULL,
  PRIMARY KEY (hour, level, source)
) WITHOUT ROWID;
CREATE TABLE totals (
  source TEXT NOT NULL,
  level INTEGER NOT NULL,
  n INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  min_id INTEGER NOT NULL,
  max_id INTEGER NOT NULL,
  PRIMARY KEY (source, level)
) WITHOUT ROWID;
CREATE TABLE streams (stream TEXT PRIMARY KEY, last_offset INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE ingests (second INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('last_id', 0);
`;

/** The schema text (tables, indexes, FTS) without the meta row; benchmarks build their reference from it. */
export const SCHEMA_DDL = DDL;

export interface OpenOptions {
  /** PRAGMA max_page_count, to simulate a full disk in tests. */
  maxPageCount?: number;
  /** Page cache per connection in KiB (default 32 MiB; the server has a memory budget). */
  cacheKiB?: number;
}

/** Applies the connection settings every logpipe connection uses. */
export function configureConnection(db: Database.Database, options: OpenOptions = {}): void {
  // WAL lets queries and the live tail read while a batch is being written. With WAL,
  // synchronous=NORMAL fsyncs only at checkpoints, not at each commit: a committed
  // transaction is in the WAL file (the OS page cache) before COMMIT returns, so it survives
  // the server process being killed (SIGKILL, crash, OOM) — our durability promise is that
  // every request answered 2xx survives the server dying. Only a power loss or kernel crash
  // could drop the last commits, which we do not promise; FULL would fsync every batch.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A second process (a backup, the sqlite3 shell) holding a lock makes us wait a little
  // instead of failing the batch at once; past this we answer 503 and the shipper retries.
  // Kept short because better-sqlite3 waits synchronously: the whole event loop (live tail,
  // heartbeats, other requests) stands still meanwhile.
  db.pragma('busy_timeout = 2000');
  db.pragma(`cache_size = -${options.cacheKiB ?? 32768}`);
  db.pragma('temp_store = MEMORY');
  // Keep the WAL file from staying at its high-water mark after a burst.
  db.pragma('journal_size_limit = 67108864');
  if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
}

/**
 * Opens (creating if needed) the database at `file`, checks that it is a logpipe database of
 * a version we understand, and creates the schema; failures become LP_ERR_STORE_OPEN or
 * LP_ERR_STORE_CORRUPT errors naming the file.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    // Reading the header is what detects a file that is not a database at all.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new LogpipeError(
        'LP_ERR_STORE_OPEN',
        `The database file "${file}" has schema version ${version}, newer than this logpipe understands (${SCHEMA_VERSION}); upgrade logpipe or use another file.`,
      );
    }
    if (version === 0) {
      const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number }).n;
      if (tables > 0) {
        throw new LogpipeError('LP_ERR_STORE_CORRUPT', `The database file "${file}" is an SQLite database, but not a logpipe one (it has tables and no logpipe schema version); refusing to touch it.`);
      }
      // auto_vacuum stays NONE: INCREMENTAL would let the file shrink after retention, but
      // its pointer-map upkeep cost 2-3% of the insert rate when measured (bench/store-insert
      // interleaved, CPU time). Pages freed by retention are reused by new rows instead, so a
      // size-limited database stays at about its limit; only lowering the limit leaves the
      // file larger than the data until an offline VACUUM.
    }
    configureConnection(db, options);
    if (version === 0) {
      db.transaction(() => {
        db!.exec(DDL);
        db!.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Closing a half-opened handle can fail too; the original error is what matters.
    }
    throw translateOpenError(err, file);
  }
}
