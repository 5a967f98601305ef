// The collector's topology: discovery finds files, each file gets a FilePipe (tail → lines →
// optional multiline → batches → shipper), and the checkpoint records what the server took.
//
// Delivery, step by step, for one file:
// 1. Lines are read from the descriptor and encoded into a batch; each record carries the
//    stream id and the byte offset of its end.
// 2. A closed batch starts compressing at once and waits in a short queue; only one batch per
//    stream is in flight. While it is, the next batch fills up (so the network and gzip
//    overlap), but reading stops as soon as a batch is waiting: the file is the buffer, and
//    memory stays bounded however long the server is away.
// 3. When the server acknowledges a batch, the stream's offset moves to the batch's last record
//    and the checkpoint is scheduled for an (atomic) save. A crash anywhere re-sends from the
//    last saved offset; the server skips records at or below its committed offset.
// 4. A truncation (copytruncate) first ships what was read, then bumps the generation (a new
//    stream id, offsets from 0) and saves the checkpoint at once.
import { basename, dirname, join } from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import { Batcher, type Batch } from './batcher.js';
import { Checkpoint, type FileState } from './checkpoint.js';
import { DirWatcher, expandPatterns, parsePattern, type Pattern } from './discover.js';
import { fingerprintBytes, fingerprintLength, FINGERPRINT_BYTES, identityKey, streamId } from './fingerprint.js';
import { LineSplitter, type LineSink } from './lines.js';
import { Metrics } from './metrics.js';
import { MultilineJoiner } from './multiline.js';
import { ShipAborted, Shipper } from './shipper.js';
import { GzipPool } from './compress.js';
import { collectGarbage } from './gc.js';
import { Tail } from './tail.js';

/** Closed batches that may wait behind the one in flight before reading pauses. */
const MAX_QUEUED = 8;
/** Read size of a file that is keeping up (no backlog). */
const SMALL_READ = 64 * 1024;
/** Bytes read between garbage collections while reading fast (see gc.ts). */
const GC_EVERY_BYTES = 32 * 1024 * 1024;
/** Most batches sent together in one request when they have queued up. */
const MAX_MERGED = 8;

/** One request made of several closed batches of the same stream, in order. */
function mergeBatches(parts: Batch[]): Batch & { parts: Batch[] } {
  const last = parts[parts.length - 1];
  return {
    stream: last.stream,
    // The plain body is needed only to split after a 413 or to dead-letter: built on demand.
    get body() {
      return Buffer.concat(parts.map((p) => p.body));
    },
    lines: parts.reduce((n, p) => n + p.lines, 0),
    lastOffset: last.lastOffset,
    // Concatenated gzip members are one valid gzip body (RFC 1952: a series of members).
    gzipped: Promise.all(parts.map((p) => p.gzipped!)).then((gz) => gz.flat()),
    parts,
  };
}

/** Everything `logpipe collect` can be told. */
export interface CollectorOptions {
  url: string;
  token?: string;
  patterns: string[];
  statePath: string;
  /** Fixed source name; default: each file's basename. */
  source?: string;
  host: string;
  from: 'beginning' | 'end';
  pollIntervalMs: number;
  batchLines: number;
  batchBytes: number;
  batchWaitMs: number;
  maxLineBytes: number;
  multiline: boolean;
  multilineStart?: RegExp | null;
  multilineTimeoutMs: number;
  flushPartial: boolean;
  rotateWaitMs: number;
  shutdownTimeoutMs: number;
  readBytes?: number;
  gzipLevel?: number;
  log: (line: string) => void;
  /** Test hook: backoff base (default 500 ms). */
  baseBackoffMs?: number;
}

/** Runs discovery and one pipe per tailed file until stopped. */
export class Collector {
  readonly metrics = new Metrics();
  readonly opts: CollectorOptions;
  readonly checkpoint: Checkpoint;
  readonly shipper: Shipper;
  /** Reused deflate contexts shared by all files (see compress.ts). */
  readonly gzip: GzipPool;
  readonly #patterns: Pattern[];
  /** Pipes by identity key: one per open file, including rotated ones still draining. */
  readonly #pipes = new Map<string, FilePipe>();
  readonly #watcher: DirWatcher;
  #pollTimer: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;
  #rescan = false;
  #scanSoon: NodeJS.Timeout | null = null;
  #stopping = false;
  #startup = true;
  readonly #unreadable = new Set<string>();
  #sinceGc = 0;

  private constructor(opts: CollectorOptions, checkpoint: Checkpoint) {
    this.opts = opts;
    this.checkpoint = checkpoint;
    this.#patterns = opts.patterns.map((p) => parsePattern(p));
    this.shipper = new Shipper({
      url: opts.url,
      token: opts.token,
      deadLetterPath: deadLetterPath(opts.statePath),
      metrics: this.metrics,
      log: opts.log,
      baseBackoffMs: opts.baseBackoffMs,
      gzipLevel: opts.gzipLevel,
    });
    this.gzip = new GzipPool(opts.gzipLevel ?? 1, 2);
    this.#watcher = new DirWatcher((dir, name, kind) => this.#onFsEvent(dir, name, kind));
    this.metrics.bytesBehind = () => {
      let behind = 0;
      for (const p of this.#pipes.values()) behind += p.bytesBehind();
      return behind;
    };
  }

  /** Loads the checkpoint, scans the patterns and starts tailing. */
  static async start(opts: CollectorOptions): Promise<Collector> {
    const checkpoint = await Checkpoint.load(opts.statePath);
    checkpoint.lock();
    const c = new Collector(opts, checkpoint);
    try {
      await c.#scan();
      await c.#resumeMoved();
    } catch (err) {
      c.#watcher.close();
      checkpoint.unlock();
      throw err;
    }
    c.#startup = false;
    c.#pollTimer = setInterval(() => {
      c.#requestScan();
      for (const p of c.#pipes.values()) p.wake();
    }, opts.pollIntervalMs);
    return c;
  }

  /** Files being tailed (paths). */
  get files(): string[] {
    return [...this.#pipes.values()].map((p) => p.tail.path);
  }

  /** Sends what was read, waits for acks (up to the shutdown timeout) and saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    if (this.#scanSoon) clearTimeout(this.#scanSoon);
    this.#watcher.close();
    if (this.#scanning) await this.#scanning.catch(() => {});
    const pipes = [...this.#pipes.values()];
    for (const p of pipes) p.stop();
    const drained = Promise.allSettled(pipes.map((p) => p.done));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.opts.shutdownTimeoutMs)));
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.opts.log(`Shutdown: the server did not acknowledge everything within ${this.opts.shutdownTimeoutMs} ms; the rest will be re-read on the next start.`);
      this.shipper.abort();
      await drained;
    }
    clearTimeout(timer);
    await this.checkpoint.flush();
    this.checkpoint.unlock();
    this.shipper.close();
    this.gzip.close();
  }

  /** Counts bytes read; collects garbage every GC_EVERY_BYTES (see gc.ts). */
  noteRead(bytes: number): void {
    this.metrics.bytesRead += bytes;
    this.#sinceGc += bytes;
    if (this.#sinceGc >= GC_EVERY_BYTES) {
      this.#sinceGc = 0;
      collectGarbage();
    }
  }

  /** Synchronous last-resort checkpoint save (second signal). */
  saveNow(): void {
    this.checkpoint.flushSync();
    this.checkpoint.unlock();
  }

  #onFsEvent(dir: string, name: string | null, kind: string): void {
    if (this.#stopping) return;
    if (kind === 'rename' || name === null) this.#requestScan(5);
    const path = name === null ? null : join(dir, name);
    for (const p of this.#pipes.values()) {
      if (path === null || p.tail.path === path || (kind === 'rename' && dirname(p.tail.path) === dir)) p.wake();
    }
  }

  /** Schedules a scan soon (coalesced); scans already running are followed by one more. */
  #requestScan(delayMs = 0): void {
    if (this.#stopping) return;
    if (this.#scanning) {
      this.#rescan = true;
      return;
    }
    if (this.#scanSoon) return;
    this.#scanSoon = setTimeout(() => {
      this.#scanSoon = null;
      this.#scan().catch((err) => this.opts.log(`Scanning for files failed: ${(err as Error).message}`));
    }, delayMs);
  }

  async #scan(): Promise<void> {
    const run = async () => {
      do {
        this.#rescan = false;
        const { files, dirs } = await expandPatterns(this.#patterns);
        this.#watcher.watchAll(dirs);
        for (const path of files) {
          if (this.#stopping) return;
          await this.#consider(path);
        }
      } while (this.#rescan && !this.#stopping);
    };
    this.#scanning = run().finally(() => (this.#scanning = null));
    return this.#scanning;
  }

  /** Starts a pipe for a path unless its file (by identity) is tailed already. */
  async #consider(path: string, rotated = false): Promise<void> {
    let st;
    try {
      st = await stat(path);
    } catch {
      return;
    }
    if (!st.isFile()) return;
    const key = identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs });
    if (this.#pipes.has(key)) return;
    let tail: Tail | null;
    try {
      tail = await Tail.open(path);
    } catch (err) {
      // Said once per path: the poll retries every interval.
      if (!this.#unreadable.has(path)) {
        this.#unreadable.add(path);
        this.opts.log(`Cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it is skipped until it becomes readable.`);
      }
      return;
    }
    this.#unreadable.delete(path);
    if (!tail || this.#pipes.has(tail.key)) {
      await tail?.close();
      return;
    }
    const pipe = new FilePipe(this, tail, this.#startup, rotated);
    this.#pipes.set(tail.key, pipe);
    this.metrics.filesOpen = this.#pipes.size;
    pipe.done.finally(() => {
      this.#pipes.delete(tail.key);
      this.metrics.filesOpen = this.#pipes.size;
    });
  }

  /**
   * Files rotated while we were stopped: the checkpoint knows an identity that no tailed path
   * has any more. Look for it beside its old path (app.log → app.log.1) and drain it.
   */
  async #resumeMoved(): Promise<void> {
    for (const entry of this.checkpoint.entries()) {
      if (entry.done || this.#pipes.has(entry.key)) continue;
      const dir = dirname(entry.path);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      let found = false;
      for (const name of names) {
        const path = join(dir, name);
        try {
          const st = await stat(path);
          if (identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs }) !== entry.key) continue;
          found = true;
          if (st.size > entry.offset) await this.#consider(path, true);
        } catch {
          // Gone meanwhile.
        }
        break;
      }
      // Deleted while we were stopped: nothing left to read; stop looking for it.
      if (!found) this.checkpoint.set({ ...entry, done: true, updated: Date.now() });
    }
  }
}

/** Where batches the server refuses for good are kept: beside the state file. */
export function deadLetterPath(statePath: string): string {
  return statePath.replace(/(\.json)?$/, '.dead-letter.ndjson');
}

/** One file from open to close: reading, batching, one batch in flight, checkpointing. */
class FilePipe {
  readonly tail: Tail;
  readonly done: Promise<void>;
  readonly #c: Collector;
  readonly #batcher: Batcher;
  readonly #splitter: LineSplitter;
  readonly #joiner: MultilineJoiner | null;
  /** batcher.linesIn already added to metrics.linesRead. */
  #counted = 0;
  /** Small while the file is quiet, 1 MiB while there is a backlog (see #readSome). */
  #readBuf: Buffer;
  readonly #bigRead: number;
  readonly #source: string;
  #fingerprint = '';
  #generation = 0;
  #stream = '';
  #acked = 0;
  #queue: Batch[] = [];
  #inflight: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #woken = false;
  #stopping = false;
  #rotatedAt = 0;
  #batchOpenedAt = 0;
  #shipError: unknown = null;
  #fpBytes: Buffer = Buffer.alloc(0);
  #atEnd = false;
  readonly #head = Buffer.alloc(FINGERPRINT_BYTES);

  constructor(c: Collector, tail: Tail, atStartup: boolean, rotated: boolean) {
    this.#c = c;
    this.tail = tail;
    const o = c.opts;
    this.#source = o.source ?? basename(tail.path);
    this.#bigRead = o.readBytes ?? 1024 * 1024;
    this.#readBuf = Buffer.allocUnsafe(Math.min(SMALL_READ, this.#bigRead));
    this.#batcher = new Batcher({ lines: o.batchLines, bytes: o.batchBytes }, (b) => this.#onBatch(b));
    this.#joiner = o.multiline ? new MultilineJoiner(this.#batcher, { start: o.multilineStart, maxBytes: o.maxLineBytes }) : null;
    const sink: LineSink = this.#joiner ?? this.#batcher;
    this.#splitter = new LineSplitter(o.maxLineBytes, sink);
    if (rotated) this.#rotatedAt = Date.now();
    this.done = this.#run(atStartup).catch((err) => {
      if (!(err instanceof ShipAborted)) c.opts.log(`Tailing "${tail.path}" stopped: ${(err as Error).message}`);
    }).finally(() => tail.close());
  }

  /** Wakes the pipe to look for new data (fs event, poll, ack, shutdown). */
  wake(): void {
    this.#woken = true;
    const w = this.#wakeUp;
    if (w) {
      this.#wakeUp = null;
      w();
    }
  }

  /** Asks the pipe to ship what it has read and finish. */
  stop(): void {
    this.#stopping = true;
    this.wake();
  }

  /** Bytes of this file not yet acknowledged. */
  bytesBehind(): number {
    return Math.max(0, this.tail.size - this.#acked);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || this.#stopping) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeUp = null;
        resolve();
      }, ms);
      this.#wakeUp = () => {
        clearTimeout(timer);
        this.#woken = false;
        resolve();
      };
    });
  }

  async #run(atStartup: boolean): Promise<void> {
    const c = this.#c;
    const o = c.opts;
    if (!(await this.#waitForFingerprint())) return;
    await this.#resume(atStartup);
    for (;;) {
      if (this.#shipError) throw this.#shipError;
      if (this.#stopping) break;
      // Paused while closed batches wait behind the one in flight: the file is the buffer. A
      // few may wait (not just one) so that splitting the next chunk overlaps with sending.
      if (this.#queue.length >= MAX_QUEUED) {
        await this.#sleep(o.pollIntervalMs);
        continue;
      }
      if (this.#atEnd) {
        // Woken at the end of the file: before reading on, make sure it is still the same
        // content (truncated, or truncated and rewritten while we slept) and still at its path.
        this.#atEnd = false;
        const status = await this.tail.check();
        if (status === 'truncated' || (await this.#headChanged())) {
          await this.#startNewGeneration();
          continue;
        }
        if (status === 'moved' && this.#rotatedAt === 0) {
          this.#rotatedAt = Date.now();
          c.metrics.rotations++;
        }
      }
      const pos = this.tail.position;
      const n = await this.tail.read(this.#readBuf);
      if (n > 0 && (await this.#headChanged())) {
        // Truncated (and rewritten) while we read: these bytes may belong to the new content.
        // Drop them and start the new generation from 0 instead of shipping a mix.
        await this.#startNewGeneration();
        continue;
      }
      if (n > 0) {
        c.noteRead(n);
        this.#splitter.push(this.#readBuf, n, pos);
        this.#countRead();
        if (this.#batcher.lines > 0 && this.#batchOpenedAt === 0) this.#batchOpenedAt = Date.now();
        if (n === this.#readBuf.length) {
          // A backlog: read in 1 MiB pieces. Hundreds of quiet files keep only 64 KiB each.
          if (n < this.#bigRead) this.#readBuf = Buffer.allocUnsafe(this.#bigRead);
          continue;
        }
        if (n < SMALL_READ && this.#readBuf.length > SMALL_READ) this.#readBuf = Buffer.allocUnsafe(SMALL_READ);
      }
      this.#atEnd = true;
      // At the end of what is there: send the open batch now if nothing is in flight (low
      // latency when traffic is light), or close it after --batch-wait so it compresses early.
      this.#flushStaleMultiline();
      if (this.#batcher.lines > 0 && (!this.#inflight || Date.now() - this.#batchOpenedAt >= o.batchWaitMs)) this.#batcher.close();
      if (this.#rotatedAt !== 0 && Date.now() - this.#rotatedAt >= o.rotateWaitMs && (await this.tail.statSize()) === this.tail.position) {
        // Rotated away (or deleted) and quiet for --rotate-wait: this file is complete.
        this.#finishRecord(true);
        await this.#drain();
        this.#saveState(true);
        return;
      }
      let wait = o.pollIntervalMs;
      if (this.#joiner && this.#joiner.heldSince) wait = Math.min(wait, Math.max(1, this.#joiner.heldSince + o.multilineTimeoutMs - Date.now()));
      if (this.#batcher.lines > 0) wait = Math.min(wait, Math.max(1, this.#batchOpenedAt + o.batchWaitMs - Date.now()));
      await this.#sleep(wait);
    }
    // Shutdown: ship what was read (held multiline record; partial line only if asked).
    this.#finishRecord(o.flushPartial);
    await this.#drain();
    this.#saveState(false);
  }

  /**
   * Whether the start of the file is no longer the content we fingerprinted: it was truncated
   * and rewritten (sizes alone miss that once it has grown past our position). Checked after
   * every read, so bytes read from new content under the old generation are never shipped.
   */
  async #headChanged(): Promise<boolean> {
    const want = this.#fpBytes;
    const n = await this.tail.readAt(this.#head, 0);
    return n < want.length || !this.#head.subarray(0, want.length).equals(want);
  }

  /** Waits until the file has a complete first line (or enough bytes) to fingerprint. */
  async #waitForFingerprint(): Promise<boolean> {
    const head = Buffer.alloc(FINGERPRINT_BYTES);
    for (;;) {
      const n = await this.tail.readAt(head, 0);
      const fp = fingerprintBytes(head, n, this.#stopping && this.#c.opts.flushPartial);
      if (fp) {
        this.#remember(fp, head, n);
        return true;
      }
      if (this.#stopping) return false;
      const status = await this.tail.check();
      if (status === 'moved') {
        if (this.#rotatedAt === 0) this.#rotatedAt = Date.now();
        if (Date.now() - this.#rotatedAt >= this.#c.opts.rotateWaitMs) {
          // A file that was never fingerprinted holds at most a partial first line.
          const fp = fingerprintBytes(head, n, true);
          if (!fp) return false;
          this.#remember(fp, head, n);
          return true;
        }
      }
      await this.#sleep(this.#c.opts.pollIntervalMs);
    }
  }

  /** Keeps the fingerprint and the bytes it covers (compared after every read). */
  #remember(fp: string, head: Buffer, n: number): void {
    this.#fingerprint = fp;
    this.#fpBytes = Buffer.from(head.subarray(0, fingerprintLength(head, n)));
  }

  /** Picks the generation and offset from the checkpoint (or --from for a new file). */
  async #resume(atStartup: boolean): Promise<void> {
    const c = this.#c;
    const entry = c.checkpoint.get(this.tail.key);
    const size = await this.tail.statSize();
    if (entry) {
      if (entry.fingerprint === '' || entry.fingerprint === this.#fingerprint) {
        this.#generation = entry.generation;
        this.#acked = entry.offset;
        if (size < entry.offset) {
          // Truncated while we were away: the content restarted.
          this.#generation++;
          this.#acked = 0;
          c.metrics.truncations++;
        }
      } else {
        // Same file, different first line: its content was replaced.
        this.#generation = entry.generation + 1;
        this.#acked = 0;
      }
    } else if (atStartup && c.opts.from === 'end') {
      this.#acked = await this.#lastLineStart(size);
    }
    this.tail.position = this.#acked;
    this.#setStream();
    if (!entry || entry.generation !== this.#generation || entry.offset !== this.#acked || entry.fingerprint !== this.#fingerprint) {
      this.#saveState(false);
    }
  }

  /** The offset just after the last newline before `size` (where --from end starts). */
  async #lastLineStart(size: number): Promise<number> {
    const buf = Buffer.allocUnsafe(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - buf.length);
      const n = await this.tail.readAt(buf.subarray(0, end - start), start);
      const nl = buf.subarray(0, n).lastIndexOf(10);
      if (nl !== -1) return start + nl + 1;
      end = start;
    }
    return 0;
  }

  #setStream(): void {
    const o = this.#c.opts;
    this.#stream = streamId(o.host, this.tail.identity, this.#fingerprint, this.#generation);
    this.#batcher.setFields({ stream: this.#stream, source: this.#source, host: o.host });
  }

  /** Copytruncate: ship what was read, then continue as a new generation from offset 0. */
  async #startNewGeneration(): Promise<void> {
    const c = this.#c;
    c.metrics.truncations++;
    c.opts.log(`"${this.tail.path}" was truncated; reading it again from the start as a new stream generation.`);
    this.#finishRecord(false);
    this.#splitter.reset();
    await this.#drain();
    this.#generation++;
    this.#acked = 0;
    this.tail.position = 0;
    this.#fingerprint = '';
    // Remember the new generation before anything of it is sent (see checkpoint.ts).
    this.#saveState(false);
    await c.checkpoint.flush();
    if (!(await this.#waitForFingerprint())) return;
    this.#setStream();
    this.#saveState(false);
  }

  /** Passes on a held multiline record and, if asked, the partial last line. */
  #finishRecord(partialToo: boolean): void {
    if (partialToo) this.#splitter.flushPartial(this.tail.position);
    this.#joiner?.flush();
    this.#countRead();
    this.#batcher.close();
  }

  #flushStaleMultiline(): void {
    const j = this.#joiner;
    if (j && j.heldSince && Date.now() - j.heldSince >= this.#c.opts.multilineTimeoutMs) {
      j.flush();
      this.#countRead();
    }
  }

  /**
   * Counts records that reached the batcher since the last call. Records reach it from a read,
   * but also later from the multiline joiner's timeout and at shutdown, so the count is taken
   * from the batcher rather than around one call.
   */
  #countRead(): void {
    this.#c.metrics.linesRead += this.#batcher.linesIn - this.#counted;
    this.#counted = this.#batcher.linesIn;
  }

  /** Waits until every closed batch has been acknowledged. */
  async #drain(): Promise<void> {
    while (this.#inflight || this.#queue.length) {
      if (this.#shipError) throw this.#shipError;
      await this.#inflight;
    }
    if (this.#shipError) throw this.#shipError;
  }

  #onBatch(batch: Batch): void {
    this.#batchOpenedAt = 0;
    batch.gzipped = this.#c.gzip.gzip(batch.body);
    // The rejection is handled when the batch is shipped; do not let it count as unhandled.
    batch.gzipped.catch(() => {});
    this.#queue.push(batch);
    this.#pump();
  }

  /**
   * Sends the next queued batch if nothing is in flight (one request per stream, in order).
   * When closed batches have queued up behind a slow server, they go together in one request
   * (up to --batch-bytes): the server's per-request cost then dominates, and the gzip members
   * simply concatenate. A quiet or fast stream still sends each batch as soon as it closes.
   */
  #pump(): void {
    if (this.#inflight || this.#queue.length === 0) return;
    let batch = this.#queue.shift()!;
    if (this.#queue.length > 0) {
      const parts = [batch];
      let bytes = batch.body.length;
      const max = this.#c.opts.batchBytes;
      while (parts.length < MAX_MERGED && this.#queue.length > 0 && this.#queue[0].stream === batch.stream && bytes + this.#queue[0].body.length <= max) {
        const next = this.#queue.shift()!;
        parts.push(next);
        bytes += next.body.length;
      }
      if (parts.length > 1) batch = mergeBatches(parts);
    }
    this.#inflight = this.#c.shipper.ship(batch).then(
      () => {
        this.#inflight = null;
        this.#acked = batch.lastOffset;
        for (const part of (batch as { parts?: Batch[] }).parts ?? [batch]) this.#batcher.recycle(part);
        this.#saveState(false);
        if (this.#queue.length === 0 && this.#batcher.lines > 0) this.#batcher.close();
        this.#pump();
        this.wake();
      },
      (err) => {
        this.#inflight = null;
        this.#queue = [];
        this.#shipError = err;
        this.wake();
      },
    );
  }

  #saveState(done: boolean): void {
    const state: FileState = {
      key: this.tail.key,
      path: this.tail.path,
      fingerprint: this.#fingerprint,
      generation: this.#generation,
      offset: this.#acked,
      updated: Date.now(),
    };
    if (done) state.done = true;
    this.#c.checkpoint.set(state);
  }
}
