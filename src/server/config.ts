// Server configuration: every limit in one place with its default (README and docs/security.md
// list the same table).

export interface Limits {
  /** Largest request body as received (compressed), bytes. */
  maxBodyBytes: number;
  /** Largest request body after decompression, bytes; a gzip bomb stops here. */
  maxDecompressedBytes: number;
  /** Request bodies held in memory at once (as sent plus decompressed), bytes. */
  maxInflightBytes: number;
  /** Most records in one request. */
  maxRecordsPerRequest: number;
  /** Longer messages are cut (not rejected) and end with a marker. */
  maxLineBytes: number;
  /** Deepest nesting of an attrs object. */
  maxJsonDepth: number;
  /** Largest attrs object, serialized, bytes. */
  maxAttrsBytes: number;
  /** Most concurrent live-tail subscribers. */
  maxSubscribers: number;
  /** Records buffered for one slow subscriber before it gets a `gap` event. */
  tailBufferRecords: number;
  /** Requests per second per client address (0 = unlimited); bursts up to 2x. */
  rateLimit: number;
  /** Most records one query may return. */
  maxQueryLimit: number;
  /** Candidate rows one query may read beyond what it returns before it answers with `partial: true` (src/server/query/engine.ts). */
  queryScanRows: number;
  /** Time one query may spend reading candidates before it answers with `partial: true`, ms. */
  queryScanMs: number;
  /** Longest time to receive one request, headers and body, ms (responses such as the live tail are not limited). */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 16 * 1024 * 1024,
  maxInflightBytes: 256 * 1024 * 1024,
  maxRecordsPerRequest: 50_000,
  maxLineBytes: 256 * 1024,
  maxJsonDepth: 16,
  maxAttrsBytes: 64 * 1024,
  maxSubscribers: 256,
  tailBufferRecords: 20_000,
  rateLimit: 0,
  maxQueryLimit: 5_000,
  queryScanRows: 200_000,
  queryScanMs: 1_500,
  requestTimeoutMs: 120_000,
};

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Store URL: empty = SQLite at <dataDir>/logpipe.db, a path = SQLite file, postgres://… = PostgreSQL. */
  db?: string;
  retentionMs?: number;
  maxDbBytes?: number;
  ingestTokens: string[];
  readTokens: string[];
  insecure: boolean;
  corsOrigins: string[];
  /** Proxies (addresses, CIDRs, or loopback/linklocal/uniquelocal) whose X-Forwarded-For is believed; empty = none. */
  trustProxy?: string[];
  limits: Limits;
  /** Heartbeat interval of the live tail, ms. */
  heartbeatMs: number;
  /** Directory of the built dashboard; absent = API only. */
  webDir?: string;
  logLevel: string;
  /** The SQLite file the store opened: writes and /healthz check it is still there (see store-guard.ts). */
  storeFile?: string;
  /** Per-source parsing overrides from --parse-config (source name → compiled override). */
  parseOverrides?: Map<string, import('../shared/parse/index.js').LineOverride>;
  /** Testing only: PRAGMA max_page_count of the SQLite store, to simulate a full disk. */
  sqliteMaxPageCount?: number;
}
