// Maps PostgreSQL and connection failures to catalogue errors, so the HTTP layer answers 503
// (and shippers retry) when the database is down, full or read-only, instead of a 500.
import { LogpipeError } from '../../../shared/errors.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when the failure is about reaching the server (refused, reset, timed out, shut down), not about the SQL. */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code && NETWORK_CODES.has(code)) return true;
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash, starting up).
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')) return true;
  const message = err instanceof Error ? err.message : '';
  // node-postgres raises these without a code when the socket goes away mid-query.
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

/**
 * Translates a failure while talking to the database: disk full → LP_ERR_STORE_FULL; connection
 * lost or refused, read-only (standby, default_transaction_read_only), too many connections,
 * lock or statement timeouts, deadlocks and serialization failures → LP_ERR_STORE_UNAVAILABLE.
 * Anything else is returned unchanged (a bug, not a storage condition).
 */
export function translatePgError(err: unknown): unknown {
  if (err instanceof LogpipeError) return err;
  const code = codeOf(err);
  const reason = err instanceof Error ? err.message : String(err);
  if (code === '53100') {
    return new LogpipeError('LP_ERR_STORE_FULL', `The PostgreSQL server is out of disk space (${reason}); nothing from this batch was stored, retry later.`, undefined, 5);
  }
  if (
    isConnectionError(err) ||
    code === '25006' || // read_only_sql_transaction
    code === '53000' || // insufficient_resources
    code === '53200' || // out_of_memory
    code === '53300' || // too_many_connections
    code === '55P03' || // lock_not_available (lock_timeout)
    code === '57014' || // query_canceled (statement_timeout)
    code === '40001' || // serialization_failure
    code === '40P01' || // deadlock_detected
    code === '58030' // io_error
  ) {
    return new LogpipeError('LP_ERR_STORE_UNAVAILABLE', `The PostgreSQL store cannot be used right now (${reason}); retry later.`, undefined, 5);
  }
  return err;
}

/** Translates a failure while opening the store into a start-up error that names the server (never the password). */
export function translatePgOpenError(err: unknown, where: string): Error {
  if (err instanceof LogpipeError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  if (isConnectionError(err)) {
    return new LogpipeError('LP_ERR_STORE_OPEN', `Cannot reach PostgreSQL at ${where} (${reason}). Check that the server is running and the --db URL is right.`);
  }
  if (code === '28P01' || code === '28000') {
    return new LogpipeError('LP_ERR_STORE_OPEN', `PostgreSQL at ${where} refused the login (${reason}). Check the user and password in the --db URL.`);
  }
  if (code === '3D000') {
    return new LogpipeError('LP_ERR_STORE_OPEN', `PostgreSQL at ${where} has no such database (${reason}). Create it first (createdb) or fix the --db URL.`);
  }
  if (code === '42501') {
    return new LogpipeError('LP_ERR_STORE_OPEN', `The PostgreSQL user may not create logpipe's schema at ${where} (${reason}). Grant CREATE on the database, or create the schema beforehand.`);
  }
  return new LogpipeError('LP_ERR_STORE_OPEN', `The PostgreSQL store at ${where} could not be opened (${reason}).`);
}
