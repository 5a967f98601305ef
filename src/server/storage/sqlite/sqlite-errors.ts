// Maps SQLite failures to catalogue errors, so the HTTP layer can answer 503 (and shippers
// retry) when the disk is full or the database cannot be written, instead of a 500.
import { LogpipeError } from '../../../shared/errors.js';

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for errors that mean "the file is not a usable database" (garbage, truncated, damaged). */
export function isCorruptError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * Translates a write-path failure: full disk or page limit → LP_ERR_STORE_FULL; read-only,
 * I/O errors, busy/locked → LP_ERR_STORE_UNAVAILABLE; anything else is returned unchanged
 * (a bug or bad input, not a storage condition).
 */
export function translateWriteError(err: unknown): unknown {
  const code = sqliteCode(err);
  if (!code) return err;
  const reason = (err as Error).message;
  if (code === 'SQLITE_FULL') {
    return new LogpipeError('LP_ERR_STORE_FULL', `The store is full (${reason}); nothing from this batch was stored, retry later.`, undefined, 5);
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PROTOCOL'
  ) {
    return new LogpipeError('LP_ERR_STORE_UNAVAILABLE', `The store cannot write right now (${reason}); nothing from this batch was stored, retry later.`, undefined, 5);
  }
  if (isCorruptError(err)) {
    return new LogpipeError('LP_ERR_STORE_CORRUPT', `The database is damaged (${reason}).`);
  }
  return err;
}

/** Translates a failure while opening the database at `file` into a start-up error that names the file. */
export function translateOpenError(err: unknown, file: string): Error {
  if (err instanceof LogpipeError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  if (isCorruptError(err)) {
    return new LogpipeError('LP_ERR_STORE_CORRUPT', `The database file "${file}" is damaged or is not a logpipe SQLite database (${reason}). Move it away or point --db elsewhere.`);
  }
  return new LogpipeError('LP_ERR_STORE_OPEN', `The database file "${file}" could not be opened for writing (${reason}). Check that its directory exists and is writable.`);
}
