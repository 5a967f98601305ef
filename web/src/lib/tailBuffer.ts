// Records received from the live tail and not yet handed to the list. Bounded: frames stop in
// hidden tabs and timers slow to once a minute there, so a busy stream could otherwise pile up
// without limit; past the cap the oldest half is dropped and reported as a gap, exactly like a
// server-side overflow, so the list shows a marker (and can refill) instead of losing lines silently.
import type { LogRecord } from '../../../src/shared/record.js';

/** A bounded queue of live records with the id of the last one handed over. */
export class TailBuffer {
  #records: LogRecord[] = [];
  #deliveredId: number;
  readonly #cap: number;

  constructor(startAfter: number, cap = 20_000) {
    this.#deliveredId = startAfter;
    this.#cap = cap;
  }

  get size(): number {
    return this.#records.length;
  }

  /** Queues records; returns the range (from, to] dropped to stay under the cap, if any. */
  push(records: LogRecord[]): { from: number; to: number } | null {
    for (const r of records) this.#records.push(r);
    if (this.#records.length <= this.#cap) return null;
    const cut = this.#records.length - Math.floor(this.#cap / 2);
    const from = this.#deliveredId;
    const to = this.#records[cut - 1].id;
    this.#records = this.#records.slice(cut);
    this.#deliveredId = to;
    return { from, to };
  }

  /** Notes that the server skipped (from, to] itself, so later drops start after it. */
  skip(to: number): void {
    this.#deliveredId = Math.max(this.#deliveredId, to);
  }

  /** Hands over everything queued, oldest first. */
  take(): LogRecord[] {
    const out = this.#records;
    this.#records = [];
    if (out.length) this.#deliveredId = Math.max(this.#deliveredId, out[out.length - 1].id);
    return out;
  }
}
