// Opens a logpipe SQLite database: connection settings, schema creation and the version check.
import Database from 'better-sqlite3';
import { LogpipeError } from '../../../shared/errors.js';
import { translateOpenError } from './sqlite-errors.js';

/** Schema version stored in `PRAGMA user_version`; bump it with a migration step (upgrade.ts). */
export const SCHEMA_VERSION = 6;

// Schema 2 (storage v2). Why each piece is there:
// - Rows live in two places. `hot` holds the newest rows uncompressed, as ingest writes them
//   (one INSERT per row in the batch transaction, with the stream offsets: exactly-once).
//   `blocks` holds everything older in compressed blocks (../block.ts: one source, up to
//   blockRows rows ordered by (ts, id), compressed: see schema 4 below), each with the summary a query uses to skip
//   it without decompressing: ts and id ranges, count, level mask, the single host (or null),
//   a Bloom filter of message tokens, field paths, path=value pairs and hosts, and numeric
//   min/max per field path. Compaction moves rows from hot into blocks, one transaction per
//   step (insert the blocks, delete the rows from hot), so a SIGKILL at any
//   point leaves every row in exactly one of the two. A batch that completes whole blocks of a
//   source writes them in its own insert transaction, from its rows and the source's hot rows
//   (sqlite-store.ts #place): the same blocks, and only the rows left over enter `hot`.
// - Why no FTS5 any more: in schema 1 the FTS index, the three row indexes and the row table
//   together took 2.5x the raw text; the bloom filters take about 0.05x and answer the same
//   question per block ("can this word be in here?"). The hot table is small (blockRows per
//   source, or hotMaxAgeMs of traffic), so it is scanned in (ts, id) order, not indexed by word.
// - hot_ts (ts, id order through the rowid) serves newest-first pages; hot_source_ts serves
//   compaction (one source's rows in ts order) and context().
// - blocks_ts_max / blocks_ts_min walk blocks in event-time order, newest first or oldest
//   first; blocks_source serves source filters and context(). The payload is the last
//   column, so reading a summary never reads the payload's overflow pages.
// - blocks_id_max (id_max, id_min) and blocks_id_min find blocks by id: get(id), since(afterId)
//   and size retention (lowest ids first). A block's ids are not contiguous (sources
//   interleave), so its range overlaps its neighbours'; the store keeps the widest range of
//   any block (id_max - id_min) as a bound, and a lookup of id reads only the index entries
//   with id <= id_max <= id + width. A first design mapped runs of consecutive ids to blocks
//   ("spans"): with lines of eight sources interleaved that was one run per row, and the
//   table and its index took 0.18x of the text, as much as the compressed blocks.
// - rollup / rollup_hour / totals / streams / ingests / meta as in schema 1 (maintained at
//   insert, whatever the row's place): histograms without a search read the rollups; min_id
//   and max_id there are no longer used for planning.
/**
 * Schema 3: per-minute counts of each block's frequent tokens (block.ts encodeTerms), apart
 * from `blocks` so that reading them never walks a payload's overflow pages. A block without a
 * row here (written by schema 2) is counted by decompressing it.
 */
export const TERMS_DDL = 'CREATE TABLE IF NOT EXISTS block_terms (block INTEGER PRIMARY KEY, codec INTEGER NOT NULL, terms BLOB NOT NULL);';

// Schema 4: each block records how its payload is compressed (`blocks.codec`) and so does each
// block's terms row (`block_terms.codec`): block.ts Codec, zstd for everything written from
// schema 4 on, brotli before. A database upgraded from schema 3 gets both columns by ALTER
// TABLE with DEFAULT brotli (upgrade.ts upgrade3to4), which changes no stored row: every row
// written before reads as brotli, which is what it is. There the column sits after the
// payload, so reading it walks the payload's overflow pages: it is read only together with
// the payload (or the terms), never with the summary columns (block-table.ts BLOCK_SUMMARY).
// The terms carry their own mark rather than the block's for the same reason: a histogram
// reads the terms of many blocks and the payload of none.

// Schema 5: zstd block payloads are written in format v3 (../block.ts encodePayload): header
// and columns, messages and attrs texts in three zstd frames, so that a query decompresses
// only the parts it reads. Nothing in the tables changes: v1 and v2 payloads (one compressed
// stream) keep reading, told apart by their first stored byte. The version exists for the
// older logpipe: a schema-4 store would take a v3 payload for a damaged zstd frame; it refuses
// a schema-5 file instead, naming both versions (upgrade.ts upgrade4to5).

// Schema 6: a block's attrs section may hold, in place of a row's attrs text, the mark "the
// key=value pairs of the message" (../block.ts DERIVED, ../text-pairs.ts), written when they are
// exactly the attrs text: most plain and logfmt lines' fields are written in their text, and
// stored twice they were a third of a block's bytes. Nothing in the tables changes; the
// version exists for the older logpipe, which would read the mark as "no attrs": it refuses a
// schema-6 file instead, naming both versions (upgrade.ts upgrade5to6).

const DDL = `
CREATE TABLE hot (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  level INTEGER NOT NULL,
  source TEXT NOT NULL,
  host TEXT NOT NULL,
  message TEXT NOT NULL,
  attrs TEXT
);
CREATE INDEX hot_ts ON hot (ts);
CREATE INDEX hot_source_ts ON hot (source, ts);
CREATE TABLE blocks (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  ts_min INTEGER NOT NULL,
  ts_max INTEGER NOT NULL,
  id_min INTEGER NOT NULL,
  id_max INTEGER NOT NULL,
  n INTEGER NOT NULL,
  levels INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL,
  stored_bytes INTEGER NOT NULL,
  host TEXT,
  nums TEXT,
  bloom BLOB NOT NULL,
  codec INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX blocks_ts_max ON blocks (ts_max);
CREATE INDEX blocks_ts_min ON blocks (ts_min);
CREATE INDEX blocks_source ON blocks (source, ts_max);
CREATE INDEX blocks_id_max ON blocks (id_max, id_min);
CREATE INDEX blocks_id_min ON blocks (id_min);
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
CREATE TABLE stream_checks (stream TEXT PRIMARY KEY, at INTEGER NOT NULL, check_hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ingests (second INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('last_id', 0);
${TERMS_DDL}
`;

/** The tables schema 2 adds to a schema-1 database (upgrade.ts); `logs` is converted into them. */
export const UPGRADE_1_2_DDL = DDL.slice(DDL.indexOf('CREATE TABLE hot'), DDL.indexOf('CREATE TABLE rollup ('));

/** The schema text (tables and indexes). */
export const SCHEMA_DDL = DDL;

// Schema 1, as it was: benchmarks measure it as the reference of what v2 replaced.
const DDL_1 = `
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

/** The schema-1 text (rows + FTS5 + indexes), for benchmarks' reference. */
export const SCHEMA_1_DDL = DDL_1;

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
