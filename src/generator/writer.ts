// Writes generated records to a file or a stream, as fast as possible or at a steady (or
// bursty) rate, with rename+create rotation. Records are built and written in chunks of whole
// records, so a rotated file never ends in the middle of a record.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rand, type LineFactory } from './lines.js';

/** Progress figures reported while writing. */
export interface Progress {
  records: number;
  bytes: number;
  elapsedMs: number;
  /** Target record count, if bounded. */
  total?: number;
}

/** What to write, where, how fast, and when to stop. */
export interface GenerateOptions {
  factory: LineFactory;
  /** File to append to; absent: `stream` (default process.stdout). */
  out?: string;
  stream?: NodeJS.WritableStream;
  /** Records to write; Infinity or absent: until aborted. */
  count?: number;
  /** Records per second; 0 or absent: as fast as possible. */
  rate?: number;
  /** Vary the rate around `rate`: bursts of several times the rate and quiet spells. */
  bursts?: boolean;
  /** Synthetic clock: record i is stamped startTime + i * (1000 / rate, or 1 ms). */
  startTime?: number;
  /** Rotate `out` once it would grow past this many bytes (rename+create). */
  rotateBytes?: number;
  /** Rotated files kept (`out.1` … `out.N`); default 5. */
  rotateKeep?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Minimum interval between onProgress calls (default 200 ms). */
  progressIntervalMs?: number;
}

/** What a run wrote and why it stopped. */
export interface GenerateSummary {
  records: number;
  bytes: number;
  elapsedMs: number;
  rotations: number;
  /** `count` reached, `aborted` by the signal, or the reader went away (`epipe`). */
  stoppedBy: 'count' | 'aborted' | 'epipe';
}

// 64 KiB: big chunks (ropes of thousands of records) outlive young-generation GC and cost 2-3x.
const MAX_CHUNK_CHARS = 64 * 1024;
const MAX_CHUNK_RECORDS = 16_384;

interface Sink {
  /** Writes whole records; resolves when more may be written. */
  write(text: string): void | Promise<void>;
  close(): void;
  readonly broken: boolean;
  readonly rotations: number;
}

/** Appends to a file with synchronous writes and rotates it by rename+create. */
export class FileSink implements Sink {
  readonly path: string;
  #fd: number;
  #size: number;
  #rotateBytes: number;
  #keep: number;
  #rotations = 0;

  constructor(path: string, rotateBytes = 0, keep = 5) {
    this.path = path;
    this.#rotateBytes = rotateBytes;
    this.#keep = keep;
    this.#fd = openSync(path, 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  get broken(): boolean {
    return false;
  }

  get rotations(): number {
    return this.#rotations;
  }

  write(text: string): void {
    const buf = Buffer.from(text);
    if (this.#rotateBytes > 0 && this.#size > 0 && this.#size + buf.length > this.#rotateBytes) this.#rotate();
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off);
    this.#size += buf.length;
  }

  /**
   * Rename+create, the way logrotate does it without copytruncate:
   * 1. drop the oldest kept file and shift `out.N-1` → `out.N` … `out.1` → `out.2`, oldest first,
   *    so no rename overwrites a file that has not moved yet;
   * 2. close the current file and rename it to `out.1` — a tailer holding it open keeps reading
   *    it under its new name and finds everything we wrote;
   * 3. create a fresh, empty `out` for the next records.
   */
  #rotate(): void {
    const oldest = `${this.path}.${this.#keep}`;
    if (existsSync(oldest)) rmSync(oldest, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      const from = `${this.path}.${i}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
    }
    closeSync(this.#fd);
    renameSync(this.path, `${this.path}.1`);
    this.#fd = openSync(this.path, 'a');
    this.#size = 0;
    this.#rotations++;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** Writes to a stream (stdout) honouring backpressure; a closed reader (EPIPE) ends the run quietly. */
export class StreamSink implements Sink {
  #stream: NodeJS.WritableStream;
  #broken = false;
  #wake: (() => void) | undefined;
  #onError = (err: NodeJS.ErrnoException): void => {
    // EPIPE (e.g. `logpipe generate | head`) and a destroyed stream both mean nobody reads any more.
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.error = err;
    this.#broken = true;
    this.#wake?.();
  };
  /** A write error other than a closed reader. */
  error: Error | undefined;

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
    stream.on('error', this.#onError);
  }

  get broken(): boolean {
    return this.#broken;
  }

  get rotations(): number {
    return 0;
  }

  write(text: string): void | Promise<void> {
    if (this.#broken) return;
    if (this.#stream.write(text)) return;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#wake = undefined;
        this.#stream.off('drain', done);
        resolve();
      };
      this.#wake = done;
      this.#stream.on('drain', done);
    });
  }

  close(): void {
    // Keep the error listener: a late EPIPE after we stopped must not crash the process.
  }
}

/** Piecewise-constant rate multiplier: mostly near 1, with occasional bursts and quiet spells. */
class BurstSchedule {
  #rand: Rand;
  #until = 0;
  #factor = 1;

  constructor(seed: number) {
    this.#rand = new Rand(seed);
  }

  factorAt(ms: number): number {
    if (ms >= this.#until) {
      const r = this.#rand;
      const x = r.next();
      if (x < 0.15) {
        this.#factor = 4 + r.next() * 6; // burst
        this.#until = ms + 500 + r.int(2000);
      } else if (x < 0.25) {
        this.#factor = 0.1 + r.next() * 0.2; // quiet spell
        this.#until = ms + 1000 + r.int(3000);
      } else {
        this.#factor = 0.6 + r.next() * 0.8;
        this.#until = ms + 2000 + r.int(6000);
      }
    }
    return this.#factor;
  }
}

/** Generates records into a file or stream until the count is reached, the signal aborts or the reader goes away. */
export async function generate(opts: GenerateOptions): Promise<GenerateSummary> {
  const count = opts.count ?? Infinity;
  const rate = opts.rate ?? 0;
  const factory = opts.factory;
  const sink: Sink = opts.out
    ? new FileSink(opts.out, opts.rotateBytes ?? 0, opts.rotateKeep ?? 5)
    : new StreamSink(opts.stream ?? process.stdout);
  // Small chunks when rotating small files, so files end close to --rotate-bytes.
  const maxChars = opts.rotateBytes ? Math.max(256, Math.min(MAX_CHUNK_CHARS, Math.floor(opts.rotateBytes / 16))) : MAX_CHUNK_CHARS;
  const step = opts.startTime !== undefined ? (rate > 0 ? 1000 / rate : 1) : 0;
  const bursts = opts.bursts && rate > 0 ? new BurstSchedule(factory.nextSeq * 7919 + 17) : undefined;
  const progressEvery = opts.progressIntervalMs ?? 200;

  const start = performance.now();
  const wallStart = Date.now();
  let records = 0;
  let bytes = 0;
  let credit = 0; // records due but not yet written (bursty mode)
  let lastTick = start;
  let lastProgress = start;
  let stoppedBy: GenerateSummary['stoppedBy'] = 'count';

  const report = (force: boolean): void => {
    if (!opts.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < progressEvery) return;
    lastProgress = now;
    opts.onProgress({ records, bytes, elapsedMs: now - start, total: Number.isFinite(count) ? count : undefined });
  };

  try {
    while (records < count) {
      if (opts.signal?.aborted) {
        stoppedBy = 'aborted';
        break;
      }
      if (sink.broken) {
        stoppedBy = 'epipe';
        break;
      }
      const now = performance.now();
      let due: number;
      if (rate <= 0) due = count - records;
      else if (bursts) {
        credit += ((now - lastTick) / 1000) * rate * bursts.factorAt(now - start);
        due = Math.floor(credit);
      } else {
        // Steady: schedule by elapsed time, so pauses (GC, a slow disk) are caught up on.
        due = Math.floor(((now - start) / 1000) * rate) - records;
      }
      lastTick = now;
      due = Math.min(due, count - records);
      if (due <= 0) {
        report(false);
        const current = bursts ? rate * bursts.factorAt(now - start) : rate;
        await sleep(Math.min(50, Math.max(1, 1000 / current)), undefined, { signal: opts.signal }).catch(() => {});
        continue;
      }
      const n = Math.min(due, MAX_CHUNK_RECORDS);
      let ms: number;
      let chunkStep = step;
      if (opts.startTime !== undefined) ms = opts.startTime + records * step;
      else if (rate > 0 && !bursts) {
        // Stamp each record with its scheduled time, so steady output has evenly spaced timestamps.
        ms = wallStart + (records * 1000) / rate;
        chunkStep = 1000 / rate;
      } else ms = Date.now();
      const chunk = factory.chunk(n, maxChars, ms, chunkStep);
      const pending = sink.write(chunk.text);
      if (pending) await pending;
      records += chunk.records;
      bytes += chunk.text.length;
      if (bursts) credit -= chunk.records;
      report(false);
      // Let signals and timers run between synchronous chunks (also when a rate cannot be kept up).
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    sink.close();
  }
  if (sink instanceof StreamSink && sink.error) throw sink.error;
  if (records >= count && stoppedBy === 'count' && sink.broken) stoppedBy = 'epipe';
  report(true);
  return { records, bytes, elapsedMs: performance.now() - start, rotations: sink.rotations, stoppedBy };
}
