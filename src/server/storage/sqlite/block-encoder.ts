// Encodes blocks for compaction on a worker thread, so the event loop (HTTP, the insert
// transactions, the live tail) does not wait while 1,000 rows become a compressed block:
// encoding was about 35% of the server's CPU during HTTP ingest, and with it on another core
// the main thread only reads the rows and commits the result (docs/benchmarks.md, "Ingest:
// compaction off the event loop").
import { Worker } from 'node:worker_threads';
import type { EncodedBlock } from '../block.js';
import type { Row } from '../row.js';
import { encodeBlocks } from './block-table.js';

/**
 * A hot row as compaction reads it (`HOT_TUPLE` columns, better-sqlite3's raw mode): arrays are
 * about half the cost of row objects to read and cheaper to copy to the worker, which builds
 * the Rows. The source is the step's, once.
 */
export type HotTuple = [id: number, ts: number, level: number, host: string, message: string, attrs: string | null];
/** The hot table's columns in HotTuple order. */
export const HOT_TUPLE = 'id, ts, level, host, message, attrs';

/** A request to the worker (block-encoder-worker.ts). */
export interface EncodeJob {
  id: number;
  source: string;
  rows: HotTuple[];
  blockRows: number;
}

/** Rows of one source from their tuples. */
export function rowsOf(source: string, tuples: HotTuple[]): Row[] {
  return tuples.map(([id, ts, level, host, message, attrs]) => ({ id, ts, level, source, host, message, attrs }));
}

/** The worker's answer: the blocks in order, or why encoding failed. */
export type EncodeReply = { id: number; blocks: EncodedBlock[]; error?: undefined } | { id: number; error: string; blocks?: undefined };

/** Bytes that crossed the thread boundary come back as plain Uint8Arrays: better-sqlite3 binds Buffers. */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function revive(b: EncodedBlock): EncodedBlock {
  return { ...b, payload: asBuffer(b.payload), bloom: asBuffer(b.bloom), terms: b.terms && asBuffer(b.terms) };
}

/**
 * The worker's young generation, capped (V8's default lets it grow to 32 MB and more): a step's
 * rows and blocks are a few MB. The server's RSS with 20 live-tail subscribers at full speed
 * (bench/server-memory.bench.ts, target 250 MB) was 263 MB without the cap and 244-265 MB with
 * it in single runs at different rates: not a clear gain, and the worker's garbage collection
 * grew from about 8% to 17% of its samples (docs/benchmarks.md). Kept as a bound, not a fix.
 */
const WORKER_YOUNG_MB = 8;

/** Starts the worker from dist/ (.js), or through tsx when the store runs from its TypeScript sources (tests). */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./block-encoder-worker.js', here), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
  const file = new URL('./block-encoder-worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}));`, { eval: true });
}

/**
 * One worker thread that encodes sorted rows of one source into blocks. If the worker cannot
 * start or dies, pending jobs fail (compaction leaves their rows hot and tries again later)
 * and later jobs are encoded on the calling thread.
 */
export class BlockEncoder {
  #worker: Worker | undefined;
  #broken = false;
  #next = 0;
  #pending = new Map<number, { resolve: (b: EncodedBlock[]) => void; reject: (e: Error) => void }>();

  #start(): Worker | undefined {
    if (this.#worker || this.#broken) return this.#worker;
    let w: Worker;
    try {
      w = startWorker();
    } catch (err) {
      this.#fail(err as Error);
      return undefined;
    }
    w.on('message', (m: EncodeReply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (!this.#pending.size) w.unref();
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.blocks.map(revive));
    });
    w.on('error', (err) => this.#fail(err));
    w.on('exit', (code) => {
      if (this.#worker === w) this.#fail(new Error(`the block encoder thread exited with code ${code}`));
    });
    w.unref();
    this.#worker = w;
    return w;
  }

  #fail(err: Error): void {
    this.#broken = true;
    const w = this.#worker;
    this.#worker = undefined;
    void w?.terminate();
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  /** Encodes hot rows of `source`, in (ts, id) order, into blocks of at most `blockRows` rows. */
  encode(source: string, sorted: HotTuple[], blockRows: number): Promise<EncodedBlock[]> {
    const w = this.#start();
    if (!w) return Promise.resolve().then(() => encodeBlocks(rowsOf(source, sorted), blockRows));
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Referenced while a job is out, so a caller awaiting it keeps the process alive.
      w.ref();
      w.postMessage({ id, source, rows: sorted, blockRows } satisfies EncodeJob);
    });
  }

  /** Stops the worker; jobs still out fail. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    this.#broken = true;
    for (const p of this.#pending.values()) p.reject(new Error('the block encoder was closed'));
    this.#pending.clear();
    await w?.terminate();
  }
}
