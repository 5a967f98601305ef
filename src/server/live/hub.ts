// Fan-out of committed records to live-tail subscribers. The ingest pipeline publishes right
// after each commit (no polling); each subscriber filters and buffers on its own, so one slow
// reader never slows ingestion or the others.
import type { LogRecord } from '../../shared/record.js';

export interface Subscriber {
  /** Receives the committed records of one batch (already in id order). */
  deliver(records: LogRecord[]): void;
  /** Ends the subscriber's connection (server shutdown). */
  close(): void;
}

export class LiveHub {
  #subs = new Set<Subscriber>();
  #lastId = 0;

  get size(): number {
    return this.#subs.size;
  }

  /** The id of the newest record published (or seeded from the store at start). */
  get lastId(): number {
    return this.#lastId;
  }

  set lastId(id: number) {
    if (id > this.#lastId) this.#lastId = id;
  }

  subscribe(s: Subscriber): () => void {
    this.#subs.add(s);
    return () => this.#subs.delete(s);
  }

  publish(records: LogRecord[]): void {
    if (!records.length) return;
    this.#lastId = records[records.length - 1].id;
    for (const s of this.#subs) s.deliver(records);
  }

  closeAll(): void {
    for (const s of this.#subs) s.close();
    this.#subs.clear();
  }
}
