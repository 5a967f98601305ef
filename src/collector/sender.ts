// Ships spooled frames to the server: per stream one request in flight, in spool order, so the
// server's per-stream committed offset only moves forward; streams go in parallel. Frames that
// queued up behind a slow server leave together in one request (up to --batch-bytes): gzip
// members simply concatenate. A frame is acknowledged in the spool only after the server
// answered 2xx (or the batch was dead-lettered), so a crash re-sends it from the spool.
import { gunzipSync } from 'node:zlib';
import type { Batch } from './batcher.js';
import { ShipAborted, type Shipper } from './shipper.js';
import type { Frame, Spool } from './spool.js';

/** Most frames sent together in one request. */
const MAX_MERGED = 8;

interface StreamQueue {
  frames: Frame[];
  inflight: boolean;
}

/** Options of the send queue. */
export interface SenderOptions {
  shipper: Shipper;
  spool: Spool;
  /** Uncompressed bytes one merged request may carry. */
  batchBytes: number;
  /** Called after the server acknowledged frames (in order within their stream). */
  onAcked?: (frames: Frame[]) => void;
}

/** Per-stream FIFO of spooled frames with one request in flight per stream. */
export class Sender {
  readonly #opts: SenderOptions;
  readonly #streams = new Map<string, StreamQueue>();
  #pending = 0;
  #idleWaiters: (() => void)[] = [];
  #error: unknown = null;

  constructor(opts: SenderOptions) {
    this.#opts = opts;
  }

  /** Frames queued or in flight. */
  get pending(): number {
    return this.#pending;
  }

  /** A fatal shipping error (other than shutdown), if one happened. */
  get error(): unknown {
    return this.#error;
  }

  /** Whether a request of this stream is in flight or frames of it wait. */
  busy(stream: string): boolean {
    const q = this.#streams.get(stream);
    return q !== undefined && (q.inflight || q.frames.length > 0);
  }

  /** Queues a frame behind the others of its stream and sends it when its turn comes. */
  push(frame: Frame): void {
    let q = this.#streams.get(frame.stream);
    if (!q) {
      q = { frames: [], inflight: false };
      this.#streams.set(frame.stream, q);
    }
    q.frames.push(frame);
    this.#pending++;
    this.#pump(frame.stream, q);
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(stream: string, q: StreamQueue): void {
    if (q.inflight || q.frames.length === 0) return;
    const parts = [q.frames.shift()!];
    let bytes = parts[0].plainBytes;
    while (parts.length < MAX_MERGED && q.frames.length > 0 && bytes + q.frames[0].plainBytes <= this.#opts.batchBytes) {
      const next = q.frames.shift()!;
      parts.push(next);
      bytes += next.plainBytes;
    }
    q.inflight = true;
    const spool = this.#opts.spool;
    const batch = toBatch(spool, parts);
    this.#opts.shipper.ship(batch).then(
      () => {
        for (const f of parts) spool.ack(f);
        q.inflight = false;
        this.#pending -= parts.length;
        this.#opts.onAcked?.(parts);
        if (q.frames.length === 0) this.#streams.delete(stream);
        else this.#pump(stream, q);
        this.#checkIdle();
      },
      (err) => {
        // Shutdown (ShipAborted): the frames stay in the spool for the next start.
        q.inflight = false;
        if (!(err instanceof ShipAborted)) this.#error = err;
        this.#pending -= parts.length + q.frames.length;
        q.frames = [];
        this.#streams.delete(stream);
        this.#checkIdle();
      },
    );
  }

  #checkIdle(): void {
    if (this.#pending !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** One request made of consecutive frames of one stream. */
function toBatch(spool: Spool, parts: Frame[]): Batch {
  const last = parts[parts.length - 1];
  let gz: Buffer[] | null = null;
  const gzipped = () => {
    if (!gz) gz = parts.flatMap((f) => spool.body(f));
    return gz;
  };
  return {
    stream: last.stream,
    // The plain body is needed only to split after a 413 or to dead-letter: built on demand.
    get body() {
      return gunzipSync(Buffer.concat(gzipped()));
    },
    lines: parts.reduce((n, p) => n + p.lines, 0),
    lastOffset: last.lastOffset,
    // Read back from disk only now, when the request is made.
    get gzipped() {
      try {
        return Promise.resolve(gzipped());
      } catch (err) {
        return Promise.reject(err);
      }
    },
  } as Batch;
}
