// Prometheus text exposition of the server's own counters. Hand-written: a handful of
// counters and one latency histogram do not justify a metrics framework on the ingest path.

type Labels = Record<string, string>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' = 'counter') {}
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (!this.values.size) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly name: string, readonly help: string, readonly bounds: number[]) {
    this.counts = bounds.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) this.counts[i]++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

/** The server's metrics; `render()` gives the /metrics body. */
export class ServerMetrics {
  readonly ingestedLines = new Counter('logpipe_ingested_lines_total', 'Records stored, by door.');
  readonly duplicateLines = new Counter('logpipe_duplicate_lines_total', 'Records skipped as re-sent (stream offset already committed).');
  readonly ingestedBytes = new Counter('logpipe_ingested_bytes_total', 'Request body bytes received by ingest endpoints (as sent, possibly compressed).');
  readonly batches = new Counter('logpipe_ingest_batches_total', 'Ingest requests committed, by door.');
  readonly rejected = new Counter('logpipe_ingest_rejected_total', 'Ingest requests rejected, by error code.');
  readonly ingestSeconds = new Histogram('logpipe_ingest_duration_seconds', 'Time to validate and commit one ingest request.', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  readonly subscribers = new Counter('logpipe_tail_subscribers', 'Live-tail subscribers connected now.', 'gauge');
  readonly gaps = new Counter('logpipe_tail_gaps_total', 'Gap events sent to live-tail subscribers too slow to keep up.');
  readonly retentionDeleted = new Counter('logpipe_retention_deleted_total', 'Records deleted by retention.');
  readonly retentionRefused = new Counter('logpipe_retention_refused_total', 'Retention passes that deleted nothing by age because the wall clock looked like it jumped.');
  readonly dbBytes = new Counter('logpipe_db_size_bytes', 'Size of the database.', 'gauge');
  readonly dbRows = new Counter('logpipe_db_rows', 'Records in the database.', 'gauge');
  readonly compressionRatio = new Counter('logpipe_db_compression_ratio', 'Bytes stored for compressed blocks (payload and summaries) over the raw text they hold (SQLite store).', 'gauge');
  readonly hotRows = new Counter('logpipe_db_uncompacted_rows', 'Records not yet compacted into compressed blocks (SQLite store).', 'gauge');
  readonly compactionLag = new Counter('logpipe_db_compaction_lag_seconds', 'How long the oldest not-yet-compacted records have waited (SQLite store).', 'gauge');
  readonly errors = new Counter('logpipe_http_errors_total', 'Error responses, by status code.');
  /** Bytes of request bodies held right now (set by the app). */
  inflightBytes: () => number = () => 0;

  render(): string {
    const mem = process.memoryUsage();
    const all = [
      this.ingestedLines, this.duplicateLines, this.ingestedBytes, this.batches, this.rejected, this.ingestSeconds,
      this.subscribers, this.gaps, this.retentionDeleted, this.retentionRefused, this.dbBytes, this.dbRows, this.errors,
      // Only stores that compress report these (absent rather than a misleading zero).
      ...(this.compressionRatio.values.size ? [this.compressionRatio] : []),
      ...(this.hotRows.values.size ? [this.hotRows, this.compactionLag] : []),
    ].map((m) => m.render());
    all.push(`# HELP logpipe_inflight_body_bytes Bytes of request bodies held in memory now (as sent and decompressed).\n# TYPE logpipe_inflight_body_bytes gauge\nlogpipe_inflight_body_bytes ${this.inflightBytes()}`);
    all.push(`# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ${mem.rss}`);
    all.push(`# HELP process_uptime_seconds Seconds since the server started.\n# TYPE process_uptime_seconds gauge\nprocess_uptime_seconds ${process.uptime().toFixed(1)}`);
    return all.join('\n') + '\n';
  }
}
