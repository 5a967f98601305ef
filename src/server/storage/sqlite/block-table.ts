// Writing and reading the `blocks` table (schema.ts): shared by compaction
// (sqlite-store.ts) and the schema-1 conversion (upgrade.ts).
import type Database from 'better-sqlite3';
import { encodeBlock, type EncodedBlock } from '../block.js';
import type { Row } from '../row.js';

/** A `blocks` row without its payload: what a query checks before decompressing. */
export interface BlockRow {
  id: number;
  source: string;
  ts_min: number;
  ts_max: number;
  id_min: number;
  id_max: number;
  n: number;
  levels: number;
  host: string | null;
  nums: string | null;
}

/**
 * The summary columns of `blocks`, in BlockRow's shape: all of them small, so a walk over many
 * blocks reads no overflow page (`codec` is not among them: in an upgraded database it sits
 * after the payload, see schema.ts). The Bloom filter (a few KB) is read separately, when a probe
 * needs it, and kept in memory (sqlite-store.ts #bloomOf).
 */
export const BLOCK_SUMMARY = 'id, source, ts_min, ts_max, id_min, id_max, n, levels, host, nums';

interface Statements {
  block: Database.Statement;
  terms: Database.Statement;
}

const prepared = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      block: db.prepare(
        'INSERT INTO blocks (source, ts_min, ts_max, id_min, id_max, n, levels, raw_bytes, stored_bytes, host, nums, bloom, codec, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      terms: db.prepare('INSERT INTO block_terms (block, codec, terms) VALUES (?, ?, ?)'),
    };
    prepared.set(db, s);
  }
  return s;
}

/** Inserts one encoded block (inside the caller's transaction); returns its id. */
export function insertBlock(db: Database.Database, b: EncodedBlock): number {
  const s = statements(db);
  const stored = b.payload.length + b.bloom.length + (b.nums?.length ?? 0);
  const id = Number(
    s.block.run(b.source, b.tsMin, b.tsMax, b.idMin, b.idMax, b.n, b.levels, b.rawBytes, stored, b.host, b.nums, b.bloom, b.codec, b.payload).lastInsertRowid,
  );
  if (b.terms) s.terms.run(id, b.codec, b.terms);
  return id;
}

/**
 * Encodes rows of one source into blocks of at most `blockRows` rows in (ts, id) order and
 * inserts them (inside the caller's transaction). Rows must already be sorted by (ts, id).
 * Returns the widest id range (id_max - id_min) among the blocks written.
 */
export function writeBlocks(db: Database.Database, sorted: Row[], blockRows: number): number {
  return insertBlocks(db, encodeBlocks(sorted, blockRows));
}

/** Encodes rows of one source, sorted by (ts, id), into blocks of at most `blockRows` rows (no database: compaction runs it on a worker thread). */
export function encodeBlocks(sorted: Row[], blockRows: number): EncodedBlock[] {
  const out: EncodedBlock[] = [];
  for (let i = 0; i < sorted.length; i += blockRows) out.push(encodeBlock(sorted.slice(i, i + blockRows)));
  return out;
}

/** Inserts encoded blocks (inside the caller's transaction); returns the widest id range (id_max - id_min) among them. */
export function insertBlocks(db: Database.Database, blocks: EncodedBlock[]): number {
  let width = 0;
  for (const b of blocks) {
    insertBlock(db, b);
    width = Math.max(width, b.idMax - b.idMin);
  }
  return width;
}
