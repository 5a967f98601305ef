// Upgrade in place from schema 1 (rows + FTS5) to schema 2 (hot table + compressed blocks).
//
// Crash safety, step by step (a SIGKILL may land anywhere):
// 1. One transaction drops what schema 2 has no use for (the FTS5 index and the row indexes
//    of `logs`), creates the schema-2 tables and sets user_version = 2. Before it commits the
//    file is an intact schema-1 database; after, it is a schema-2 database that still has a
//    `logs` table, which is what "conversion unfinished" means. An older logpipe refuses it
//    from then on (its version check names both versions), so it never sees half a conversion.
// 2. Then, chunk by chunk, one transaction each: read the oldest `chunkRows` rows of `logs` by
//    id, write them as blocks (per source, in (ts, id) order) and delete exactly those ids
//    from `logs`. A row is therefore in `logs` or in a block, never both and never neither,
//    whichever transaction was last committed; a restart simply continues with the rows
//    still in `logs`.
// 3. A last transaction drops the empty `logs`.
// Rollups, totals, streams, ingests and meta have the same shape in both schemas and are kept.
import type Database from 'better-sqlite3';
import { byTsId, Codec } from '../block.js';
import type { Row } from '../row.js';
import { writeBlocks } from './block-table.js';
import { TERMS_DDL, UPGRADE_1_2_DDL } from './schema.js';

/** How an upgrade reports and paces itself (tests pause it between chunks). */
export interface UpgradeOptions {
  /** Rows of `logs` converted per transaction (default 50,000). */
  chunkRows?: number;
  /** Rows per block (the store's blockRows). */
  blockRows: number;
  /** Called after each committed chunk with the rows converted so far and in all. */
  onProgress?: (done: number, total: number) => void;
}

/** Whether the database still holds schema-1 rows to convert. */
export function needsConversion(db: Database.Database): boolean {
  return db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'logs'").pluck().get() !== 0;
}

/** Step 1: turns a schema-1 database into a schema-2 one whose rows are still in `logs`. */
export function beginUpgrade(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      DROP TABLE IF EXISTS logs_fts;
      DROP INDEX IF EXISTS logs_ts;
      DROP INDEX IF EXISTS logs_level_ts;
      DROP INDEX IF EXISTS logs_source_ts;
      CREATE TABLE IF NOT EXISTS stream_checks (stream TEXT PRIMARY KEY, at INTEGER NOT NULL, check_hash TEXT NOT NULL) WITHOUT ROWID;
      ${UPGRADE_1_2_DDL}
    `);
    db.pragma('user_version = 2');
  }).immediate();
}

/**
 * Schema 2 to 3: adds `block_terms` (one transaction). Blocks written before have no terms and
 * are counted by decompressing them, as schema 2 did; nothing else changes.
 */
export function upgrade2to3(db: Database.Database): void {
  db.transaction(() => {
    db.exec(TERMS_DDL);
    db.pragma('user_version = 3');
  }).immediate();
}

/**
 * Schema 3 to 4: records each block's codec (schema.ts). One transaction: adds `codec` to
 * `blocks` and `block_terms` where it is missing, with DEFAULT brotli (every block and terms
 * row written so far is brotli), and sets user_version = 4. SQLite's ALTER TABLE ADD COLUMN
 * only rewrites the table's definition, not its rows, so this is instant whatever the size,
 * and it commits or rolls back whole: a SIGKILL leaves either a schema-3 file that any
 * logpipe reads, or a schema-4 one that an older logpipe refuses with both versions named
 * (schema.ts openDatabase) instead of misreading zstd blocks as brotli.
 * A column may already be there: a schema-1 or schema-2 database got today's `blocks` and
 * `block_terms` (with `codec`) from the steps above.
 */
export function upgrade3to4(db: Database.Database): void {
  db.transaction(() => {
    for (const table of ['blocks', 'block_terms']) {
      const has = db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = 'codec'").pluck().get(table) !== 0;
      if (!has) db.exec(`ALTER TABLE ${table} ADD COLUMN codec INTEGER NOT NULL DEFAULT ${Codec.brotli}`);
    }
    db.pragma('user_version = 4');
  }).immediate();
}

/**
 * Schema 4 to 5: zstd payloads are written in format v3 from now on (schema.ts). No stored row
 * changes, so this only sets user_version = 5, in one transaction: a SIGKILL leaves a schema-4
 * file (no v3 block written yet, any logpipe reads it) or a schema-5 one, which a schema-4
 * logpipe refuses naming both versions instead of misreading v3 payloads.
 */
export function upgrade4to5(db: Database.Database): void {
  db.transaction(() => {
    db.pragma('user_version = 5');
  }).immediate();
}

/**
 * Schema 5 to 6: blocks may mark a row's attrs as its message's key=value pairs from now on
 * (schema.ts). No stored row changes: one transaction sets user_version = 6, so a schema-5
 * logpipe refuses the file (naming both versions) instead of reading those rows without attrs.
 */
export function upgrade5to6(db: Database.Database): void {
  db.transaction(() => {
    db.pragma('user_version = 6');
  }).immediate();
}

/** Steps 2 and 3: converts what is left in `logs` into blocks, a chunk per transaction. */
export function convertRows(db: Database.Database, file: string, options: UpgradeOptions): void {
  const chunk = Math.max(1, Math.floor(options.chunkRows ?? 50_000));
  const total = (db.prepare('SELECT count(*) FROM logs').pluck().get() as number) + (db.prepare('SELECT coalesce(sum(n), 0) FROM blocks').pluck().get() as number);
  let done = total - (db.prepare('SELECT count(*) FROM logs').pluck().get() as number);
  const read = db.prepare('SELECT id, ts, level, source, host, message, attrs FROM logs ORDER BY id LIMIT ?');
  const del = db.prepare('DELETE FROM logs WHERE id <= ?');
  const step = db.transaction((): number => {
    const rows = read.all(chunk) as Row[];
    if (!rows.length) return 0;
    const bySource = new Map<string, Row[]>();
    for (const r of rows) {
      const list = bySource.get(r.source);
      if (list) list.push(r);
      else bySource.set(r.source, [r]);
    }
    for (const list of bySource.values()) writeBlocks(db, list.sort(byTsId), options.blockRows);
    del.run(rows[rows.length - 1].id);
    return rows.length;
  });
  const started = Date.now();
  let lastReport = 0;
  for (;;) {
    const n = step.immediate();
    if (n === 0) break;
    done += n;
    options.onProgress?.(done, total);
    const now = Date.now();
    if (now - lastReport >= 1000 || done === total) {
      lastReport = now;
      process.stderr.write(`Upgrading the database "${file}" from schema 1 to 2: ${done} of ${total} rows converted (${((now - started) / 1000).toFixed(1)} s).\n`);
    }
  }
  db.transaction(() => db.exec('DROP TABLE logs')).immediate();
}
