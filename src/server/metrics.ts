// The server's own metrics in Prometheus text, through prom-client (as the collector's are).
// Each ServerMetrics has its own registry, so two apps in one process (tests) never share
// counts. Counters only go up; the values that go up and down (subscribers, database size,
// bodies in memory) are gauges, read when /metrics is scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's metrics; `render()` gives the /metrics body. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly ingestedLines = this.#counter('logpipe_ingested_lines_total', 'Records stored, by door.', ['door']);
  readonly duplicateLines = this.#counter('logpipe_duplicate_lines_total', 'Records skipped as re-sent (stream offset already committed).', ['door']);
  readonly ingestedBytes = this.#counter('logpipe_ingested_bytes_total', 'Request body bytes received by ingest endpoints (as sent, possibly compressed).', ['door']);
  readonly batches = this.#counter('logpipe_ingest_batches_total', 'Ingest requests committed, by door.', ['door']);
  readonly rejected = this.#counter('logpipe_ingest_rejected_total', 'Ingest requests rejected, by error code.', ['code']);
  readonly ingestSeconds = new Histogram({
    name: 'logpipe_ingest_duration_seconds',
    help: 'Time to validate and commit one ingest request.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly subscribers = this.#gauge('logpipe_tail_subscribers', 'Live-tail subscribers connected now.');
  readonly gaps = this.#counter('logpipe_tail_gaps_total', 'Gap events sent to live-tail subscribers too slow to keep up.');
  readonly retentionDeleted = this.#counter('logpipe_retention_deleted_total', 'Records deleted by retention.');
  readonly retentionRefused = this.#counter('logpipe_retention_refused_total', 'Retention passes that deleted nothing by age because the wall clock looked like it jumped.');
  readonly dbBytes = this.#gauge('logpipe_db_size_bytes', 'Size of the database.');
  readonly dbRows = this.#gauge('logpipe_db_rows', 'Records in the database.');
  readonly errors = this.#counter('logpipe_http_errors_total', 'Error responses, by status code.', ['status']);
  // Only stores that compress report these: registered at their first value, so another store's
  // /metrics leaves them out rather than showing a misleading zero.
  readonly compressionRatio = this.#lazyGauge('logpipe_db_compression_ratio', 'Bytes stored for compressed blocks (payload and summaries) over the raw text they hold (SQLite store).');
  readonly hotRows = this.#lazyGauge('logpipe_db_uncompacted_rows', 'Records not yet compacted into compressed blocks (SQLite store).');
  readonly compactionLag = this.#lazyGauge('logpipe_db_compaction_lag_seconds', 'How long the oldest not-yet-compacted records have waited (SQLite store).');
  /** Bytes of request bodies held right now (set by the app). */
  inflightBytes: () => number = () => 0;

  constructor() {
    // Read when /metrics is scraped: nothing to keep up to date between scrapes.
    this.#gauge('logpipe_inflight_body_bytes', 'Bytes of request bodies held in memory now (as sent and decompressed).', () => this.inflightBytes());
    this.#gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
    this.#gauge('process_uptime_seconds', 'Seconds since the server started.', () => Math.round(process.uptime() * 10) / 10);
  }

  /** The /metrics body (Prometheus text format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of render()'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge set by the code, or read by `read` at every scrape. */
  #gauge(name: string, help: string, read?: () => number): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      ...(read && { collect(this: Gauge) { this.set(read()); } }),
    });
  }

  /** A gauge created (and registered) when it is first set. */
  #lazyGauge(name: string, help: string): { set(value: number): void } {
    let gauge: Gauge | undefined;
    return {
      set: (value: number) => {
        gauge ??= this.#gauge(name, help);
        gauge.set(value);
      },
    };
  }
}
