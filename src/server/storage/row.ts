// The row shape both stores read from their `logs` table, and its conversion to the API's record.
import { levelFromCode } from '../../shared/levels.js';
import type { LogRecord } from '../../shared/record.js';

/** A `logs` row as the database returns it: level as its code, attrs as JSON text. */
export interface Row {
  id: number;
  ts: number;
  level: number;
  source: string;
  host: string;
  message: string;
  attrs: string | null;
}

export function toRecord(r: Row): LogRecord {
  return {
    id: r.id,
    ts: r.ts,
    level: levelFromCode(r.level),
    source: r.source,
    host: r.host,
    message: r.message,
    attrs: r.attrs === null ? null : (JSON.parse(r.attrs) as Record<string, unknown>),
  };
}
