// Response bodies of the HTTP API, shared by the server, the dashboard and tests.
import type { Level } from './levels.js';
import type { LogRecord } from './record.js';

/** POST /api/v1/logs */
export interface IngestResponse {
  accepted: number;
  duplicates: number;
}

/** GET /api/v1/logs: newest first by default (order=desc); `nextCursor` continues in the same order. */
export interface LogsPage {
  logs: LogRecord[];
  nextCursor: string | null;
  /** Cursor for the page before this one (the opposite direction), null at the start. */
  prevCursor: string | null;
  /** Present when the query needed the evaluator over candidate rows: how many were read. */
  scanned?: number;
  /** True when the scan budget ran out before `limit` matches: `nextCursor` goes on from the last row read. */
  partial?: boolean;
}

/** What a scan over candidates adds to an answer (docs/query.md, "Over HTTP"). */
export interface ScanInfo {
  scanned: number;
  /** True when the scan budget ran out (or a sample was full): the answer covers the newest part only. */
  partial: boolean;
  /** With `partial`: the answer is complete for records with ts >= completeFrom. */
  completeFrom?: number;
}

/** GET /api/v1/logs?q=… | stats … / | top …: one table. */
export interface TableResponse extends ScanInfo {
  columns: string[];
  rows: Array<Array<string | number | null>>;
  /** Records the pipe counted. */
  matched: number;
}

/** GET /api/v1/histogram?by=<field other than level>: the top series by total, the rest as `other`. */
export interface SplitHistogramResponse extends ScanInfo {
  from: number;
  to: number;
  step: number;
  buckets: number[];
  by: string;
  /** `value` null = records without the field. */
  series: { value: string | null; counts: number[]; total: number }[];
  /** The sum of the series left out, and how many there were; null when none were. */
  other: { counts: number[]; total: number; values: number } | null;
}

/** GET /api/v1/fields */
export interface FieldsResponse {
  fields: { field: string; count: number; distinct: number; distinctCapped?: boolean; values: { value: string; count: number }[] }[];
  /** Matching records summarised (newest first). */
  matched: number;
  scanned: number;
  /** True when fewer than all matching records were read (sample full or budget spent). */
  sampled: boolean;
  completeFrom?: number;
}

/** GET /api/v1/logs/:id/context */
export interface ContextResponse {
  before: LogRecord[];
  record: LogRecord;
  after: LogRecord[];
}

/** GET /api/v1/histogram: buckets[i] starts at from + i*step; counts[level][i]. */
export interface HistogramResponse {
  from: number;
  to: number;
  step: number;
  buckets: number[];
  counts: Record<Level, number[]>;
  totals: Record<Level, number>;
  /**
   * The id of the newest record stored when counting began: every record up to it is in the
   * counts, none stored after counting ended is. A live page adds only the live records above
   * it, so a record is counted once whether it arrived before or after the answer.
   */
  lastId: number;
  /** Present when the query needed the evaluator over candidate rows (see ScanInfo). */
  scanned?: number;
  partial?: boolean;
  completeFrom?: number;
}

/** GET /api/v1/sources */
export interface SourcesResponse {
  sources: { source: string; count: number; lastSeen: number }[];
}

/** Every error body: a stable code, a sentence, optional details. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}
