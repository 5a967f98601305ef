// The shapes that cross process boundaries: what clients send (IngestRecord, the wire format
// of POST /api/v1/logs and of the collector) and what the server returns (LogRecord).
import type { Level } from './levels.js';

/** One record as sent to POST /api/v1/logs (JSON array or NDJSON). Only `message` is required. */
export interface IngestRecord {
  message: string;
  /** ms since epoch, or an ISO-8601 string; parsed from the line when absent. */
  ts?: number | string;
  level?: Level | string;
  source?: string;
  host?: string;
  attrs?: Record<string, unknown>;
  /** Stable id of the file content this record came from (exactly-once delivery). */
  stream?: string;
  /** Byte offset of the end of this record within its stream; re-sent offsets are skipped. */
  offset?: number;
}

/** A stored record as returned by the query API and the live tail. */
export interface LogRecord {
  id: number;
  ts: number;
  level: Level;
  source: string;
  host: string;
  message: string;
  attrs: Record<string, unknown> | null;
}

/** A record after validation and parsing, ready for the store. */
export interface NormalizedRecord {
  ts: number;
  level: Level;
  source: string;
  host: string;
  message: string;
  /** JSON text of the attrs object, or null. */
  attrs: string | null;
  stream: string | null;
  offset: number | null;
  /** lineCheck() of the message as sent, on the last record of each stream in a request. */
  check?: string;
}
