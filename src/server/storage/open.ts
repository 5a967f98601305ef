// The one place that chooses a Store implementation from configuration.
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { LogpipeError } from '../../shared/errors.js';
import type { Store } from './store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

/** What openStore needs: `db` (a file path, `sqlite:PATH`, or `postgres://…`) and the data directory. */
export interface StoreConfig extends SqliteStoreOptions {
  /** Database location; defaults to SQLite at `<dataDir>/logpipe.db`. */
  db?: string;
  dataDir: string;
}

/** Resolves the SQLite file a config points at (relative paths are relative to the data directory's parent, i.e. the cwd). */
export function sqlitePathFor(config: StoreConfig): string {
  const db = config.db?.trim();
  if (!db) return join(resolve(config.dataDir), 'logpipe.db');
  const path = db.startsWith('sqlite://') ? db.slice('sqlite://'.length) : db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : db;
  return isAbsolute(path) ? path : resolve(path);
}

/** Opens the store the configuration names; start-up problems are LogpipeErrors with a sentence naming the file. */
export async function openStore(config: StoreConfig): Promise<Store> {
  const db = config.db?.trim();
  if (db && /^postgres(ql)?:\/\//i.test(db)) {
    // Loaded only when asked for, so SQLite users never load the PostgreSQL client.
    const { PostgresStore } = await import('./postgres/pg-store.js');
    return PostgresStore.open(db, { now: config.now });
  }
  const file = sqlitePathFor(config);
  if (!db) {
    try {
      mkdirSync(resolve(config.dataDir), { recursive: true });
    } catch (err) {
      throw new LogpipeError('LP_ERR_STORE_OPEN', `The data directory "${resolve(config.dataDir)}" could not be created (${(err as Error).message}).`);
    }
  }
  // LOGPIPE_COMPACTOR=worker encodes blocks on a worker thread (block-encoder.ts), off the
  // request path, with every row going through the hot table. It was 1.08-1.22x the inline
  // compactor's HTTP ingest rate for about 50 MB more RSS (278 MB with 20 live-tail subscribers,
  // over the 250 MB target); since the inline compactor writes whole blocks from the batch it is
  // the slower one (63.8% of the raw reference and 23.0 µs of CPU per line, against 88.4% and
  // 12.5 µs: docs/benchmarks.md, "Ingest rate: blocks written from the batch"). Kept opt-in.
  const compactor = process.env.LOGPIPE_COMPACTOR === 'worker' ? 'worker' : 'inline';
  return new SqliteStore(file, { compactor, ...config });
}
