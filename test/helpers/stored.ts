// Reads what a stopped server stored, through the SQLite store itself: rows live in the hot
// table and in compressed blocks (storage v2), so tests ask the store, not the tables.
import type { LogRecord } from '../../src/shared/record.js';
import { SqliteStore } from '../../src/server/storage/sqlite/sqlite-store.js';

/** Every stored record of the database file (optionally of some sources), in id order. */
export async function storedRecords(file: string, sources?: string[]): Promise<LogRecord[]> {
  const store = new SqliteStore(file, { compactIntervalMs: 0 });
  try {
    const rows = await store.query({ order: 'asc', limit: Number.MAX_SAFE_INTEGER, sources });
    return rows.sort((a, b) => a.id - b.id);
  } finally {
    await store.close();
  }
}
