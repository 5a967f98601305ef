// A budget for request bodies held in memory at once. Each request reserves its Content-Length
// when its headers arrive (before a byte of body is read) and its decompressed size as it is
// inflated, 64 KiB at a time before each chunk is kept (body.ts); the reservation is returned
// when the response is done or the connection closes.
// Past the budget a request gets 503 with Retry-After at once, so many large requests arriving
// together cost at most the budget, not concurrency × --max-decompressed-bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogpipeError } from '../shared/errors.js';

interface Reservation {
  budget: InflightBudget;
  bytes: number;
}

const reservations = new WeakMap<IncomingMessage, Reservation>();

export class InflightBudget {
  #used = 0;

  constructor(readonly capacity: number) {}

  /** Bytes reserved by requests in progress. */
  get used(): number {
    return this.#used;
  }

  /**
   * Reserves `bytes` more for `req` (released when `res` closes); throws 503 when the budget
   * cannot hold them.
   */
  reserve(req: IncomingMessage, res: ServerResponse, bytes: number): void {
    if (bytes <= 0) return;
    this.#check(bytes);
    this.#used += bytes;
    let r = reservations.get(req);
    if (!r) {
      r = { budget: this, bytes: 0 };
      reservations.set(req, r);
      const held = r;
      res.once('close', () => {
        this.#used -= held.bytes;
        held.bytes = 0;
      });
    }
    r.bytes += bytes;
  }

  /** Grows an existing reservation (the body as it is decompressed). */
  grow(r: Reservation, bytes: number): void {
    if (bytes <= 0) return;
    this.#check(bytes);
    this.#used += bytes;
    r.bytes += bytes;
  }

  #check(bytes: number): void {
    if (this.#used + bytes > this.capacity) {
      throw new LogpipeError(
        'LP_ERR_OVERLOADED',
        `The server holds ${this.#used} bytes of request bodies and this request needs ${bytes} more (limit ${this.capacity}, --max-inflight-bytes); retry shortly.`,
        undefined,
        1,
      );
    }
  }
}

/** Adds `bytes` to the reservation of a request that holds one (its body as it is decompressed); throws 503 past the budget. */
export function reserveMore(req: IncomingMessage, bytes: number): void {
  const r = reservations.get(req);
  if (r) r.budget.grow(r, bytes);
}
