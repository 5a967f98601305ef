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
