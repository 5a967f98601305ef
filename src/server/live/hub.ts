// Fan-out of committed records to live-tail subscribers. The ingest pipeline publishes right
// after each commit (no polling); each subscriber filters and buffers on its own, so one slow
// reader never slows ingestion or the others.
import type { LogRecord } from '../../shared/record.js';
import { tokenize } from '../../shared/search.js';

/**
 * One committed batch as subscribers see it. Serialization and tokenization are done at most
 * once per record, whatever the number of subscribers: with 20 dashboards open, a per-subscriber
 * JSON.stringify would cost more than the insert itself.
 */
export class PublishedBatch {
  #texts: (string | undefined)[] | undefined;
  #tokens: (string[] | undefined)[] | undefined;
  #all: string | undefined;

  constructor(readonly records: LogRecord[]) {}

  /** JSON text of record i. */
  text(i: number): string {
    const texts = (this.#texts ??= new Array(this.records.length));
    return (texts[i] ??= JSON.stringify(this.records[i]));
  }

  /** FTS-style tokens of record i's message. */
  tokens(i: number): string[] {
    const tokens = (this.#tokens ??= new Array(this.records.length));
    return (tokens[i] ??= tokenize(this.records[i].message));
  }

  /** JSON array text of the whole batch. */
  allText(): string {
    if (this.#all === undefined) {
      let s = '[';
      for (let i = 0; i < this.records.length; i++) s += (i ? ',' : '') + this.text(i);
      this.#all = s + ']';
    }
    return this.#all;
  }
}

export interface Subscriber {
  /** Receives the committed records of one batch (already in id order). */
  deliver(batch: PublishedBatch): void;
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
    if (!this.#subs.size) return;
    const batch = new PublishedBatch(records);
    for (const s of this.#subs) s.deliver(batch);
  }

  closeAll(): void {
    for (const s of this.#subs) s.close();
    this.#subs.clear();
  }
}
