// The Store interface: everything the HTTP layer may ask of storage. The SQLite and the
// PostgreSQL implementations both pass the conformance suite in ./conformance.ts.
import type { Level } from '../../shared/levels.js';
import type { FieldFilter } from '../../shared/fields.js';
import type { LogRecord, NormalizedRecord } from '../../shared/record.js';

export type { FieldFilter };

export interface LogFilter {
  /** Full-text query in user syntax (words, "phrases", prefix*); already validated. */
  q?: string;
  levels?: Level[];
  sources?: string[];
  host?: string;
  /** Inclusive lower bound on ts (ms). */
  from?: number;
  /** Exclusive upper bound on ts (ms). */
  to?: number;
  /** Filters on fields of `attrs`; a record must satisfy every one (see FieldFilter). */
  fields?: FieldFilter[];
  /**
   * A hint, not a filter: text (lower case) that every record the caller wants has in its
   * message, ignoring case (the query engine's substrings and regex literals). A store may
   * leave out records whose message lacks one of them, or ignore the hint.
   */
  contains?: string[];
}


/** A place in event-time order: records sort by ts, ties by id. */
export interface Position {
  ts: number;
  id: number;
}

export interface QueryOptions extends LogFilter {
  limit: number;
  /** Order by (ts, id): 'desc' = newest first (default). */
  order: 'asc' | 'desc';
  /** Continue strictly after this position in `order` direction (keyset paging). */
  after?: Position;
}


export interface InsertResult {
  accepted: number;
  duplicates: number;
  /** Id of the first and last inserted row (empty when nothing was inserted). */
  firstId?: number;
  lastId?: number;
  /** The inserted rows, for the live tail (ids assigned). */
  records: LogRecord[];
}

export interface HistogramQuery extends LogFilter {
  from: number;
  to: number;
  buckets: number;
}

/**
 * Buckets are aligned to multiples of `step` (see buckets.ts layoutBuckets): bucket i
 * covers [from + i*step, from + (i+1)*step); `from` <= the requested from, `to` = from +
 * n*step >= the requested to, and n = counts[level].length is at most buckets + 1 (it may be
 * fewer than asked when the step is rounded up). Only rows inside the requested range count.
 */
export interface HistogramResult {
  from: number;
  to: number;
  step: number;
  counts: Record<Level, number[]>;
}

export interface SourceInfo {
  source: string;
  count: number;
  lastSeen: number;
}

export interface StoreStats {
  rows: number;
  /** Bytes of live data (SQLite: pages in use, free pages and WAL excluded); what RetentionPolicy.maxBytes limits. */
  dbBytes: number;
  lastId: number;
  /** Compressed stores: bytes stored for compressed blocks (payload + summaries) over the raw text they hold. */
  compressionRatio?: number;
  /** Compressed stores: rows not yet compacted into blocks (the hot table). */
  hotRows?: number;
  /** Compressed stores: how long (ms) the oldest not-yet-compacted rows have waited. */
  compactionLagMs?: number;
}

export interface RetentionPolicy {
  /** Delete records with ts older than now - maxAgeMs (by ts, but never rows ingested less than maxAgeMs ago). */
  maxAgeMs?: number;
  maxBytes?: number;
  /** The clock reading age retention expires against (default: the store's clock); see retention.ts. */
  now?: number;
}

/** What an age cutoff would expire, for deciding whether a clock reading is plausible (retention.ts). */
export interface RetentionOutlook {
  /** Records ingested before the cutoff: an upper bound on what age retention would delete. */
  expiring: number;
  /** Records stored. */
  rows: number;
  /** Time of the newest ingest stored (ms since epoch), undefined when nothing was ingested. */
  newestIngestAt?: number;
}

/** Storage of log records. Implementations must be safe to call from one event loop. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Inserts a batch atomically; records with a stream skip offsets at or below the committed one. */
  insert(records: NormalizedRecord[]): Promise<InsertResult>;
  /** Records matching the filter in event-time order (ts, ties by id), `limit` of them after `after`. */
  query(opts: QueryOptions): Promise<LogRecord[]>;
  get(id: number): Promise<LogRecord | undefined>;
  /** The record and its neighbours from the same source in event-time order (ts, ties by id). */
  context(id: number, before: number, after: number): Promise<{ before: LogRecord[]; record: LogRecord; after: LogRecord[] } | undefined>;
  /** Records with id > afterId matching the filter, oldest first (live tail catch-up). */
  since(afterId: number, filter: LogFilter, limit: number): Promise<LogRecord[]>;
  histogram(q: HistogramQuery): Promise<HistogramResult>;
  sources(): Promise<SourceInfo[]>;
  stats(): Promise<StoreStats>;
  /** Highest committed offset of a stream, or -1. */
  streamOffset(stream: string): Promise<number>;
  /** For each known stream: its committed offset and the check of the record at `at` (see stream-check.ts). */
  streamChecks(streams: string[]): Promise<Map<string, StreamCheck>>;
  /** Deletes one small chunk under the policy; resolves to the rows deleted (0 = nothing left to do). */
  enforceRetention(policy: RetentionPolicy, chunk: number): Promise<number>;
  /** What age retention with this cutoff would expire (estimates from ingest times, no row scans). */
  retentionOutlook(cutoff: number): Promise<RetentionOutlook>;
  /**
   * Optional: calls `listener` with the last committed id whenever a commit may have happened
   * that this process did not make (another server sharing the database); returns the function
   * that stops it. Stores with a single writer process (SQLite) leave it out.
   */
  watchCommits?(listener: (lastId: number) => void): () => void;
  close(): Promise<void>;
}

/** What the store knows of a stream: its committed offset and a check of one record's text. */
export interface StreamCheck {
  offset: number;
  /** The offset whose record the check is of (the committed one unless older servers wrote it), or null. */
  at: number | null;
  check: string | null;
}
