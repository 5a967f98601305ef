// Bytes of one stream → lines → (multiline records) → NDJSON batches → gzip → the spool.
// One Encoder per file being read, and a short-lived one per rotated copy being drained.
// Batches reach the spool in the order they closed, whatever order gzip finishes them in.
import { Batcher, type Batch, type OverrideFor, type RecordFields } from './batcher.js';
import type { GzipPool } from './compress.js';
import { LineSplitter, type LineSink } from './lines.js';
import type { Metrics } from './metrics.js';
import { MultilineJoiner } from './multiline.js';
import type { FrameMeta } from './spool.js';

/** Batches waiting for gzip before reading pauses (bounds memory per file). */
export const MAX_PENDING_GZIP = 8;

/** The options an Encoder needs. */
export interface EncodeOptions {
  batchLines: number;
  batchBytes: number;
  maxLineBytes: number;
  multiline: boolean;
  multilineStart?: RegExp | null;
  multilineTimeoutMs: number;
  /** The operator's parsing override for a source (--timestamp-format, --level-*, --line-regex). */
  overrideFor?: OverrideFor;
}

/** Where encoded batches go. */
export interface EncodeDeps {
  opts: EncodeOptions;
  gzip: GzipPool;
  metrics: Metrics;
  /** Appends a gzipped batch to the spool (and queues it for sending). */
  spool(meta: FrameMeta, gz: Buffer[]): void;
  /**
   * Called when the spool cannot be written (disk full, quota, I/O error); resolves when to
   * try again, or to false to give up (shutdown: the batch is read again on the next start).
   */
  spoolFailed(err: Error): Promise<boolean>;
  /** Counts bytes read (and paces garbage collection, see gc.ts). */
  noteRead(bytes: number): void;
}

/** Turns the bytes of one stream into spooled batches. */
export class Encoder {
  readonly #deps: EncodeDeps;
  readonly #batcher: Batcher;
  readonly #splitter: LineSplitter;
  readonly #joiner: MultilineJoiner | null;
  #fileKey = '';
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #counted = 0;
  #openedAt = 0;
  #error: unknown = null;
  /** Called (in order) once a batch is in the spool, with the offset it ends at. */
  onSpooled: ((batch: Batch) => void) | null = null;
  /** Called synchronously when a batch closes (before gzip), with its last offset. */
  onClosed: ((batch: Batch) => void) | null = null;
  /** End offset of the last record handed to a batch. */
  lineEnd = 0;

  constructor(deps: EncodeDeps) {
    this.#deps = deps;
    const o = deps.opts;
    this.#batcher = new Batcher({ lines: o.batchLines, bytes: o.batchBytes }, (b) => this.#onBatch(b), o.overrideFor);
    this.#joiner = o.multiline ? new MultilineJoiner(this.#batcher, { start: o.multilineStart, maxBytes: o.maxLineBytes }) : null;
    const sink: LineSink = this.#joiner ?? this.#batcher;
    this.#splitter = new LineSplitter(o.maxLineBytes, sink);
  }

  /** Sets the stream fields of the following records (closes the open batch first). */
  setFields(fields: RecordFields, fileKey: string): void {
    this.#batcher.setFields(fields);
    this.#fileKey = fileKey;
  }

  /** Lines in the open batch. */
  get openLines(): number {
    return this.#batcher.lines;
  }

  /** When the open batch got its first line (0 if empty). */
  get openedAt(): number {
    return this.#openedAt;
  }

  /** When the multiline joiner started holding a record (0 if none). */
  get heldSince(): number {
    return this.#joiner?.heldSince ?? 0;
  }

  /** Batches closed but not in the spool yet. */
  get pending(): number {
    return this.#pending;
  }

  /** A failure while compressing or spooling (the reader stops on it). */
  get error(): unknown {
    return this.#error;
  }

  /** Feeds `buf[0..len)`, which starts at stream offset `offset`. */
  push(buf: Buffer, len: number, offset: number): void {
    this.#splitter.push(buf, len, offset);
    this.#count();
    if (this.#batcher.lines > 0 && this.#openedAt === 0) this.#openedAt = Date.now();
  }

  /** Closes the open batch if it has records. */
  close(): void {
    this.#batcher.close();
  }

  /**
   * Spools all of a rotated copy's rest: its chunks (`[bytes, offset]`, in order, from `from`)
   * are fed as read, waiting while gzip is behind or while `hold()` returns a wait (a full
   * spool); then the last line, even without its newline, goes too (the copy will not grow)
   * and this resolves once everything is in the spool, to the offset the copy ended at.
   */
  async drain(chunks: AsyncIterable<[Buffer, number]>, from: number, hold: () => Promise<void> | null): Promise<number> {
    let end = from;
    for await (const [buf, at] of chunks) {
      if (this.#pending >= MAX_PENDING_GZIP) await this.#chain;
      for (let wait = hold(); wait; wait = hold()) await wait;
      this.#deps.noteRead(buf.length);
      this.push(buf, buf.length, at);
      end = at + buf.length;
    }
    this.finish(true, end);
    await this.settled();
    return end;
  }

  /** Passes on a record the joiner held past the multiline timeout. */
  flushStale(timeoutMs: number): void {
    const j = this.#joiner;
    if (j && j.heldSince && Date.now() - j.heldSince >= timeoutMs) {
      j.flush();
      this.#count();
    }
  }

  /** Passes on a held multiline record and, if asked, the partial last line (ending at `endOffset`); closes the batch. */
  finish(partialToo: boolean, endOffset: number): void {
    if (partialToo) this.#splitter.flushPartial(endOffset);
    this.#joiner?.flush();
    this.#count();
    this.#batcher.close();
  }

  /** The file is quiet: spare batch buffers are let go. */
  idle(): void {
    this.#batcher.dropSpares();
  }

  /** Forgets an unfinished line (its bytes are gone or will be read again). */
  reset(): void {
    this.#splitter.reset();
  }

  /** Resolves once every closed batch is in the spool. */
  async settled(): Promise<void> {
    await this.#chain;
    if (this.#error) throw this.#error;
  }

  /**
   * Counts records that reached the batcher since the last call. Records reach it from a read,
   * but also later from the multiline joiner's timeout and at shutdown.
   */
  #count(): void {
    this.#deps.metrics.linesRead += this.#batcher.linesIn - this.#counted;
    this.#counted = this.#batcher.linesIn;
  }

  #onBatch(batch: Batch): void {
    this.#openedAt = 0;
    this.lineEnd = batch.lastOffset;
    this.onClosed?.(batch);
    this.#pending++;
    const gz = this.#deps.gzip.gzip(batch.body);
    gz.catch(() => {}); // handled in the chain
    const meta: FrameMeta = { stream: batch.stream, file: this.#fileKey, lastOffset: batch.lastOffset, lines: batch.lines, plainBytes: batch.body.length };
    this.#chain = this.#chain.then(async () => {
      try {
        const parts = await gz;
        this.#batcher.recycle(batch);
        if (this.#error) return;
        // A spool that cannot be written (a full disk) stops nothing for good: the batch waits
        // and is tried again; what was read stays unclaimed in the checkpoint meanwhile.
        for (;;) {
          try {
            this.#deps.spool(meta, parts);
            break;
          } catch (err) {
            if (!(await this.#deps.spoolFailed(err as Error))) {
              this.#error ??= err;
              return;
            }
          }
        }
        this.onSpooled?.(batch);
      } catch (err) {
        this.#error ??= err;
      } finally {
        this.#pending--;
      }
    });
  }
}
