// The collector's topology: discovery finds files, each file gets a FileReader (reader.ts)
// that reads it into the on-disk spool (spool.ts) through an Encoder (encode.ts), and the
// Sender (sender.ts) ships spooled batches, one request per stream at a time.
//
// Delivery, step by step, for one file:
// 1. Lines are read and encoded into batches; each record carries the stream id and the byte
//    offset of its end.
// 2. A closed batch is gzipped and appended to the spool; only then may the checkpoint record
//    its end offset (the spool is synced before every checkpoint save). Reading goes on while
//    the server is away, up to --spool-max: the spool, not the file, is the buffer, so a
//    rotation cannot take unread data with it.
// 3. The sender posts each stream's frames in order; a frame leaves the spool once the server
//    acknowledged it. A crash re-sends what the spool still holds; the server skips records at
//    or below the stream's committed offset, so nothing is stored twice.
// 4. A file whose content is replaced (truncated, rewritten) becomes a new generation (a new
//    stream id from offset 0) after the unread rest of the old content was taken from its
//    rotated copy (recover.ts); what really is gone is reported (log, metric, a warn record).
import { basename, dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Checkpoint, type FileState } from './checkpoint.js';
import { DirWatcher, expandPatterns, parsePattern, type Pattern } from './discover.js';
import { fingerprintBytes, FINGERPRINT_BYTES, identityKey, streamId, type FileIdentity } from './fingerprint.js';
import { compressionOf } from './identity.js';
import { Metrics } from './metrics.js';
import { FileReader, type Lost, type ReaderDeps, type ReaderOptions } from './reader.js';
import { findCopy, gunzipChunks, matchGzip, subdirectories, unseenGenerations, type Copy } from './recover.js';
import { Sender } from './sender.js';
import { Shipper } from './shipper.js';
import { Spool, type Frame, type FrameMeta } from './spool.js';
import { GzipPool } from './compress.js';
import { Encoder } from './encode.js';
import { collectGarbage } from './gc.js';
import { Tail } from './tail.js';

/** Generations of a file's stream ids asked about when starting without a state file. */
const LOOKUP_GENERATIONS = 32;
/** Bytes read between garbage collections while reading fast (see gc.ts). */
const GC_EVERY_BYTES = 16 * 1024 * 1024;

/** Everything `logpipe collect` can be told. */
export interface CollectorOptions extends ReaderOptions {
  url: string;
  token?: string;
  patterns: string[];
  statePath: string;
  /** Spool directory (default: beside the state file). */
  spoolDir?: string;
  /** Bytes the spool may hold on disk before reading pauses (--spool-max). */
  spoolMaxBytes: number;
  /** Read compressed rotated copies (.gz) instead of skipping them. */
  readCompressed: boolean;
  shutdownTimeoutMs: number;
  gzipLevel?: number;
  /** Backoff base of the shipper (default 500 ms). */
  baseBackoffMs?: number;
  /**
   * How often the poll runs while inotify tells every change (a backstop for events it misses;
   * default 10 s, and never more often than pollIntervalMs).
   */
  backstopPollMs?: number;
}

/** The poll's pace while inotify tells every change we need: a backstop for events it misses. */
const BACKSTOP_POLL_MS = 10_000;

/** Runs discovery, one reader per tailed file, the spool and the sender until stopped. */
export class Collector {
  readonly metrics = new Metrics();
  readonly opts: CollectorOptions;
  readonly checkpoint: Checkpoint;
  readonly shipper: Shipper;
  readonly spool: Spool;
  readonly sender: Sender;
  /** Reused deflate contexts shared by all files (see compress.ts). */
  readonly gzip: GzipPool;
  readonly #patterns: Pattern[];
  /** Readers by identity key: one per open file, including rotated ones still being read. */
  readonly #readers = new Map<string, FileReader>();
  /** Drains of rotated copies found for files that vanished while we were stopped. */
  readonly #drains = new Set<Promise<void>>();
  readonly #watcher: DirWatcher;
  #pollTimer: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;
  #rescan = false;
  #scanSoon: NodeJS.Timeout | null = null;
  #stopping = false;
  #startup = true;
  #spoolWasFull = false;
  /** Whether a failed write watch was reported (once). */
  #armWarned = false;
  #pollEveryMs = 0;
  /** Why the last poll was scheduled at --poll-interval ('' for the backstop). */
  #pollWhy: string | null = null;
  /** Set once a write went unreported by inotify (then the poll keeps --poll-interval). */
  #missedWrite = '';
  readonly #unreadable = new Set<string>();
  readonly #skipped = new Set<string>();
  #sinceGc = 0;
  /** What readers and drains need from the collector (narrow: see ReaderDeps). */
  readonly #deps: ReaderDeps;

  private constructor(opts: CollectorOptions, checkpoint: Checkpoint, spool: Spool) {
    this.opts = opts;
    this.checkpoint = checkpoint;
    this.spool = spool;
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
    this.sender = new Sender({ shipper: this.shipper, spool, batchBytes: opts.batchBytes, onAcked: (frames) => this.#onAcked(frames) });
    this.gzip = new GzipPool(opts.gzipLevel ?? 1, 2);
    this.#watcher = new DirWatcher((dir, name, kind) => this.#onFsEvent(dir, name, kind));
    this.#deps = {
      opts,
      gzip: this.gzip,
      metrics: this.metrics,
      checkpoint,
      spool: (meta, gz) => {
        const frame = this.spool.append(meta, gz);
        if (this.#spoolWriteError) {
          this.#spoolWriteError = '';
          this.opts.log.info(`The spool "${this.spool.dir}" can be written again; reading goes on.`);
        }
        this.sender.push(frame);
      },
      spoolFailed: (err) => this.#spoolFailed(err),
      paused: () => this.#spoolFull(),
      busy: (stream) => this.sender.busy(stream),
      noteRead: (n) => this.noteRead(n),
      reportLost: (lost) => this.reportLost(lost),
      liveKeys: () => new Set(this.#readers.keys()),
      armWrite: (fd, onWrite) => {
        const wd = this.#watcher.armWrite(fd, onWrite);
        if (wd === -1 && this.#watcher.perFileWrites && !this.#armWarned) {
          this.#armWarned = true;
          this.opts.log.warn(`A file cannot be watched for writes (${this.#watcher.armError}); such files' new lines are found by the poll, every --poll-interval.`);
        }
        return wd;
      },
      disarmWrite: (wd, onWrite) => this.#watcher.disarmWrite(wd, onWrite),
      rotated: () => this.#requestScan(5),
      lookup: checkpoint.fresh ? (identity, fingerprint, lineCheckAt) => this.#lookup(identity, fingerprint, lineCheckAt) : undefined,
    };
    const m = this.metrics;
    m.bytesBehind = () => {
      let behind = spool.pendingPlainBytes;
      for (const r of this.#readers.values()) behind += r.bytesBehind();
      return behind;
    };
    // Catching up from the spool reads bodies back into fresh buffers: off-heap garbage like
    // what reading a file makes, so it paces the collections too (see noteRead).
    spool.onReadBack = (bytes) => this.#noteGarbage(bytes);
    m.spoolBytes = () => spool.bytes;
    m.spoolFull = () => (spool.full ? 1 : 0);
  }

  /** Loads the checkpoint and the spool, re-sends what the spool holds, scans and starts tailing. */
  static async start(opts: CollectorOptions): Promise<Collector> {
    const checkpoint = await Checkpoint.load(opts.statePath, undefined, opts.log);
    checkpoint.lock();
    let c: Collector;
    try {
      const { spool, frames } = Spool.open({ dir: opts.spoolDir ?? spoolPath(opts.statePath), maxBytes: opts.spoolMaxBytes, log: opts.log });
      c = new Collector(opts, checkpoint, spool);
      checkpoint.beforeWrite = () => spool.sync();
      // Frames the server acknowledged before we stopped are not sent again; acknowledgements of
      // streams that have nothing left in the spool are forgotten.
      const live = new Set(frames.map((f) => f.stream));
      for (const stream of [...checkpoint.acked.keys()]) if (!live.has(stream)) checkpoint.acked.delete(stream);
      const pending = frames.filter((f) => {
        if ((checkpoint.acked.get(f.stream) ?? -1) < f.lastOffset) return true;
        spool.ack(f);
        return false;
      });
      if (pending.length) opts.log.info(`Sending ${pending.length} batch(es) left in the spool "${spool.dir}" by the previous run.`);
      for (const f of pending) c.sender.push(f);
    } catch (err) {
      checkpoint.unlock();
      throw err;
    }
    try {
      await c.#scan();
      await c.#resumeMoved();
      // Every file knows where it starts before we say we are shipping (--from end is decided
      // against what is there now, not against lines written after this returns).
      await Promise.all([...c.#readers.values()].map((r) => r.ready));
    } catch (err) {
      c.#watcher.close();
      checkpoint.unlock();
      throw err;
    }
    c.#startup = false;
    if (c.#watcher.fallbackWhy) opts.log.info(`Watching files with fs.watch: every write to a watched directory wakes the collector (${c.#watcher.fallbackWhy}).`);
    c.#schedulePoll();
    return c;
  }

  /**
   * The next poll: every --poll-interval while something is not told by inotify, else a
   * backstop every BACKSTOP_POLL_MS (at least --poll-interval), as Fluent Bit's tail input
   * rescans every Refresh_Interval (60 s) beside its inotify watches. A trickle then costs no
   * wake-up of the poll a second.
   */
  #schedulePoll(): void {
    const why = this.#fastPollWhy();
    if (why !== this.#pollWhy) {
      this.#pollWhy = why;
      this.opts.log.debug?.(why ? `Polling every --poll-interval: ${why}.` : 'inotify tells every change: the poll is only a backstop now.');
    }
    const ms = why ? this.opts.pollIntervalMs : Math.max(this.opts.pollIntervalMs, this.opts.backstopPollMs ?? BACKSTOP_POLL_MS);
    this.#pollEveryMs = ms;
    this.#pollTimer = setTimeout(() => {
      this.#poll(why === '');
      if (!this.#stopping) this.#schedulePoll();
    }, ms);
  }

  /** Polls once: a scan for new files (unless nothing can be new) and a look at every file. */
  #poll(backstop: boolean): void {
    // On this wake-up, not on a timer of its own (one wake-up a second less at rest).
    this.#scanNow();
    // A reader is woken only if its file changed (grew, shrank, was written, or its path now
    // names another file): a look costs a few stats here, where a reader's turn costs ~0.2 ms
    // of (cold) JS.
    const unreported: FileReader[] = [];
    for (const r of this.#readers.values()) {
      if (r.lingering || !r.changed()) continue;
      if (backstop && r.watchedForWrites && r.tail.hasUnread()) unreported.push(r);
      r.wake();
    }
    // A file grew under a write watch that has not fired. The kernel queues an event within the
    // write itself, so by the end of this loop turn's I/O phase (setImmediate) it has been
    // handled, unless inotify does not see this file system's writes (NFS written from another
    // host, FUSE): then poll at --poll-interval from now on.
    if (unreported.length && !this.#missedWrite) {
      setImmediate(() => {
        const r = unreported.find((x) => x.watchedForWrites);
        if (!r || this.#missedWrite || this.#stopping) return;
        this.#missedWrite = `a write to "${r.tail.path}" made no inotify event (a network or FUSE file system?)`;
        this.opts.log.info(`${this.#missedWrite[0].toUpperCase()}${this.#missedWrite.slice(1)}: polling every --poll-interval from now on.`);
        if (this.#pollTimer) clearTimeout(this.#pollTimer);
        this.#schedulePoll();
      });
    }
  }

  /** Why the poll must run every --poll-interval ('' when inotify tells every change we need). */
  #fastPollWhy(): string {
    if (!this.#watcher.perFileWrites) return 'no native inotify (fs.watch)';
    if (this.#armWarned) return 'a file cannot be watched for writes';
    if (this.#missedWrite) return this.#missedWrite;
    for (const p of this.#patterns) if (!this.#watcher.covers(p.base)) return `the directory "${p.base}" is not watched`;
    // A symlink's target may be renamed in a directory we do not watch.
    for (const r of this.#readers.values()) if (r.linked) return `"${r.tail.path}" is a symbolic link`;
    return '';
  }

  /** How long the poll now waits between looks (--poll-interval, or the backstop's pace). */
  get pollEveryMs(): number {
    return this.#pollEveryMs;
  }

  /** Files being tailed (paths). */
  get files(): string[] {
    return [...this.#readers.values()].map((r) => r.tail.path);
  }

  /** Spools what was read, waits for acks (up to the shutdown timeout) and saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    if (this.#scanSoon) clearTimeout(this.#scanSoon);
    this.#watcher.close();
    if (this.#scanning) await this.#scanning.catch(() => {});
    const readers = [...this.#readers.values()];
    for (const r of readers) r.stop();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.opts.shutdownTimeoutMs)));
    const drained = (async () => {
      await Promise.allSettled([...readers.map((r) => r.done), ...this.#drains]);
      await this.sender.idle();
    })();
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.opts.log.warn(`Shutdown: the server did not acknowledge everything within ${this.opts.shutdownTimeoutMs} ms; ${this.sender.pending} batch(es) stay in the spool and are sent on the next start.`);
      this.shipper.abort();
      await drained;
    }
    clearTimeout(timer);
    await this.checkpoint.flush();
    this.spool.close();
    this.checkpoint.close();
    this.checkpoint.unlock();
    this.shipper.close();
    this.gzip.close();
  }

  /** Counts bytes read; collects garbage every GC_EVERY_BYTES (see gc.ts). */
  noteRead(bytes: number): void {
    this.metrics.bytesRead += bytes;
    this.#noteGarbage(bytes);
  }

  #noteGarbage(bytes: number): void {
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

  /**
   * Started without a state file: which generation of a file's stream ids holds this content?
   * The server keeps a check of the line at each stream's committed offset; the highest
   * generation whose check matches our file's line at that offset is this content, and we go
   * on after what the server has. If the server knows generations of this file but none
   * matches, the content is new: a generation above them. Nothing known: null.
   */
  async #lookup(identity: FileIdentity, fingerprint: string, lineCheckAt: (offset: number) => Promise<string | null>): Promise<{ generation: number; offset: number | null } | null> {
    const ids = Array.from({ length: LOOKUP_GENERATIONS }, (_, g) => streamId(this.opts.host, identity, fingerprint, g));
    let known: Awaited<ReturnType<Shipper['lookupStreams']>>;
    try {
      known = await this.shipper.lookupStreams(ids);
    } catch (err) {
      this.opts.log.warn(`Cannot ask the server which stream ids it already holds (${(err as Error).message}); files are read as generation 0, as on a first run.`);
      return null;
    }
    let highest = -1;
    for (let g = ids.length - 1; g >= 0; g--) {
      const k = known[ids[g]];
      if (!k) continue;
      if (highest === -1) highest = g;
      if (k.check !== null && k.at !== null && (await lineCheckAt(k.at)) === k.check) {
        this.opts.log.info(`The server already holds this file's content up to byte ${k.offset} (generation ${g}); going on from there.`);
        return { generation: g, offset: k.offset };
      }
    }
    return highest === -1 ? null : { generation: highest + 1, offset: null };
  }

  /** Whether the spool is at --spool-max (said loudly once per episode). */
  #spoolFull(): boolean {
    const full = this.spool.full;
    if (full && !this.#spoolWasFull) {
      this.metrics.spoolFullEpisodes++;
      this.opts.log.warn(`The spool "${this.spool.dir}" is full (${this.spool.bytes} bytes, --spool-max ${this.opts.spoolMaxBytes}); reading is paused until the server takes more. Lines rotated away meanwhile can be lost.`);
    }
    this.#spoolWasFull = full;
    return full;
  }

  #spoolWriteError = '';

  /** The spool cannot be written: said loudly once per kind of error, retried every second. */
  async #spoolFailed(err: Error): Promise<boolean> {
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    if (code !== this.#spoolWriteError) {
      this.#spoolWriteError = code;
      this.metrics.spoolWriteErrors++;
      this.opts.log.error(`Cannot write to the spool "${this.spool.dir}" (${code}: ${err.message}); reading is paused and the batch is tried again every second. Free some space.`);
    }
    if (this.#stopping) return false;
    await new Promise((r) => setTimeout(r, 1000));
    if (this.#stopping) return false;
    return true;
  }

  #onAcked(frames: Frame[]): void {
    for (const f of frames) this.checkpoint.setAcked(f.stream, f.lastOffset);
    this.#readers.get(frames[frames.length - 1].file)?.streamFree();
    if (this.#spoolWasFull && !this.spool.full) {
      this.#spoolWasFull = false;
      this.opts.log.info(`The spool has room again (${this.spool.bytes} bytes); reading goes on.`);
      for (const r of this.#readers.values()) r.wake();
    }
  }

  /**
   * Data that was gone before we could read it: said in the log, counted in
   * logpipe_collector_lost_bytes_total, and sent as a warn record from source "logpipe" so the
   * dashboard shows it.
   */
  reportLost(lost: Lost): void {
    const size = lost.to === null ? null : lost.to - lost.from;
    if (size !== null) this.metrics.lostBytes += size;
    this.metrics.lossEvents++;
    const range = lost.to === null ? `from byte ${lost.from} on` : `bytes ${lost.from}-${lost.to} (${size} bytes)`;
    const message = `logpipe collect lost ${range} of "${lost.path}" (stream ${lost.stream}): ${lost.why}.`;
    this.opts.log.warn(message);
    // A stream of its own with numbered offsets, so a notice re-sent after a crash is stored once.
    const stream = `notices-${createHash('sha256').update(`${this.opts.host}\0${this.opts.statePath}`).digest('hex').slice(0, 16)}`;
    const offset = this.checkpoint.nextNotice();
    const body = Buffer.from(JSON.stringify({ message, level: 'warn', source: 'logpipe', host: this.opts.host, ts: Date.now(), stream, offset }) + '\n');
    try {
      this.sender.push(this.spool.append({ stream, file: '', lastOffset: offset, lines: 1, plainBytes: body.length }, [gzipSync(body)]));
    } catch (err) {
      this.opts.log.error(`The loss could not be sent as a record: the spool cannot be written (${(err as Error).message}).`);
    }
  }

  #onFsEvent(dir: string, name: string | null, kind: string): void {
    if (this.#stopping) return;
    this.metrics.fsEvents++;
    // Events about other files in a watched directory (our own state file and its temp copy,
    // other applications' logs) are dropped here: each one used to wake every reader and
    // start a scan, and a checkpoint save beside the log made three of them per batch.
    if (name !== null && !this.#mayMatter(join(dir, name))) return;
    if (kind === 'rename' || name === null) this.#requestScan(5);
    const path = name === null ? null : join(dir, name);
    for (const r of this.#readers.values()) {
      const mine = path === null || r.tail.path === path;
      // A write within the linger of a batch just sent (fs.watch only: the native inotify does
      // not report it): the reader looks at the file when its linger ends, so the write need
      // not make it read now (renames still do, so rotations are seen at once).
      if (kind !== 'rename' && r.lingering) continue;
      if (mine || (kind === 'rename' && r.dir === dir)) r.wake();
    }
  }

  /**
   * Whether an event about `path` can concern us: a file being read, a path a pattern names or
   * matches, or anything below a glob that reaches into subdirectories (a new directory).
   */
  #mayMatter(path: string): boolean {
    for (const r of this.#readers.values()) if (r.tail.path === path) return true;
    for (const p of this.#patterns) {
      if (!p.match) {
        if (path === join(p.base, basename(p.raw))) return true;
      } else if (p.depth > 1 || p.match(path)) return true;
    }
    return false;
  }

  /** The poll's scan: now (a scan running already is followed by one more), unless #nothingNew(). */
  #scanNow(): void {
    if (this.#stopping) return;
    if (this.#scanning) {
      this.#rescan = true;
      return;
    }
    if (this.#nothingNew()) return;
    if (this.#scanSoon) {
      clearTimeout(this.#scanSoon);
      this.#scanSoon = null;
    }
    this.#scan().catch((err) => this.opts.log.error(`Scanning for files failed: ${(err as Error).message}`));
  }

  /**
   * Whether a scan would find nothing: every pattern is a literal path in a watched directory
   * that names nothing, something other than a file, or a file being read. One stat per path,
   * synchronously: the whole scan (its promises, sets and lists) cost ~0.25 ms of CPU per
   * poll at rest, more than the rest of the poll. Globs always take the full scan.
   */
  #nothingNew(): boolean {
    for (const p of this.#patterns) {
      if (p.match || !this.#watcher.covers(p.base)) return false;
      const st = statSync(join(p.base, basename(p.raw)), { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) continue;
      if (!this.#readers.has(identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs }))) return false;
    }
    return true;
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
      this.#scan().catch((err) => this.opts.log.error(`Scanning for files failed: ${(err as Error).message}`));
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

  /** Starts a reader for a path unless its file (by identity) is read already. */
  async #consider(path: string, rotated = false): Promise<void> {
    const kind = compressionOf(path);
    if (kind !== null && !(kind === 'gzip' && this.opts.readCompressed)) {
      if (!this.#skipped.has(path)) {
        this.#skipped.add(path);
        this.opts.log.info(
          kind === 'gzip'
            ? `Skipping "${path}": a compressed rotated copy (its lines were read from the live file; pass --read-compressed to import such files).`
            : `Skipping "${path}": a compressed file in a format the collector does not read (only .gz with --read-compressed).`,
        );
      }
      return;
    }
    let st;
    try {
      st = statSync(path); // every poll, for every matched file: kept off the thread pool
    } catch {
      return;
    }
    if (!st.isFile()) return;
    const key = identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs });
    if (this.#readers.has(key)) return;
    if (kind === 'gzip') {
      await this.#importCompressed(path, key);
      return;
    }
    let tail: Tail | null;
    try {
      tail = await Tail.open(path);
    } catch (err) {
      // Said once per path: the poll retries every interval.
      if (!this.#unreadable.has(path)) {
        this.#unreadable.add(path);
        this.opts.log.warn(`Cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it is skipped until it becomes readable.`);
      }
      return;
    }
    this.#unreadable.delete(path);
    if (!tail || this.#readers.has(tail.key)) {
      await tail?.close();
      return;
    }
    const reader = new FileReader(this.#deps, tail, this.#startup, rotated);
    this.#readers.set(tail.key, reader);
    this.metrics.filesOpen = this.#readers.size;
    reader.done.finally(() => {
      this.#readers.delete(tail.key);
      this.metrics.filesOpen = this.#readers.size;
    });
    if (!rotated) void this.#track(this.#readUnseen(tail));
  }

  /**
   * A file we did not know is at a tailed path: if we knew an older one there, files that were
   * at the path between the two — created by one rotation and renamed away by the next while we
   * were killed or busy, never seen at the path — are read now, each as a file of its own
   * (recover.ts, unseenGenerations). Found by the chaos test "collector SIGKILLed 50 ms after a
   * rename rotation …" under load: the file between the rotations was lost whole.
   */
  async #readUnseen(tail: Tail): Promise<void> {
    const at = tail.identity.birth;
    let after = 0;
    const older = (key: string, path: string) => {
      const birth = Number(key.split(':')[2]);
      if (path === tail.path && key !== tail.key && birth <= at && birth > after) after = birth;
    };
    for (const e of this.checkpoint.entries()) older(e.key, e.path);
    for (const r of this.#readers.values()) older(r.tail.key, r.tail.path);
    if (after === 0) return;
    const contents = this.checkpoint.entries().map((e) => ({ fingerprint: e.fingerprint, offset: e.windowAt ?? e.offset, window: e.window ?? '' }));
    const known = (key: string) => this.#readers.has(key) || this.checkpoint.get(key) !== undefined;
    const log = this.opts.log;
    const { files, skipped } = await unseenGenerations(tail.path, after, at, known, contents, log.debug ? { trace: (m) => log.debug!(m) } : {});
    for (const f of skipped) {
      log.warn(`"${f.path}" may have been at "${tail.path}" between two rotations without being read there, but it is compressed: it is not read (its lines may be missing).`);
    }
    for (const f of files) {
      if (this.#stopping) return;
      log.info(`"${f.path}" was at "${tail.path}" between two rotations and was never read there (the collector was stopped or busy): reading it now.`);
      await this.#consider(f.path, true);
    }
  }

  /**
   * A compressed file (--read-compressed) is imported once. If its content is a file we read
   * already (app.log.1 compressed into app.log.1.gz), only what was not read of that file is
   * taken from it, under that file's stream; otherwise it is a stream of its own.
   */
  async #importCompressed(path: string, key: string): Promise<void> {
    if (this.checkpoint.get(key)?.done) return;
    let head = Buffer.alloc(0);
    try {
      for await (const [chunk] of gunzipChunks(path)) {
        head = Buffer.concat([head, chunk.subarray(0, FINGERPRINT_BYTES - head.length)]);
        if (head.length >= FINGERPRINT_BYTES || fingerprintBytes(head, head.length)) break;
      }
    } catch (err) {
      if (!this.#unreadable.has(path)) {
        this.#unreadable.add(path);
        this.opts.log.warn(`Cannot decompress "${path}" (${(err as Error).message}); it is skipped.`);
      }
      return;
    }
    const fingerprint = fingerprintBytes(head, head.length, true) ?? '';
    for (const entry of this.checkpoint.entries()) {
      if (entry.key === key || entry.fingerprint !== fingerprint) continue;
      const found = await matchGzip(path, { path, fingerprint, offset: entry.windowAt ?? entry.offset, window: entry.window ?? '', exclude: new Set() });
      if (!found) continue;
      await this.#track(this.#drainCopyOf(entry, { ...found, key, mtime: 0 }));
      return;
    }
    const own: FileState = { key, path, fingerprint, generation: 0, offset: 0, updated: Date.now() };
    const copy: Copy = { path, key, mtime: 0, compressed: true, read: (from) => gunzipChunks(path, from) };
    await this.#track(this.#drainCopyOf(own, copy));
  }

  async #track(drain: Promise<void>): Promise<void> {
    this.#drains.add(drain);
    try {
      await drain;
    } finally {
      this.#drains.delete(drain);
    }
  }

  /**
   * Files rotated while we were stopped: the checkpoint knows an identity that no tailed path
   * has any more. Look for it beside its old path (app.log → app.log.1) by identity and read it
   * on; if it is gone by identity (compressed into a new file, or deleted), look for a copy by
   * content and take the unread rest from it; if there is none, report the loss.
   */
  async #resumeMoved(): Promise<void> {
    const listed = new Map<string, Promise<Map<string, string>>>();
    for (const entry of this.checkpoint.entries()) {
      if (entry.done || this.#readers.has(entry.key)) continue;
      const found = (await this.#filesByIdentity(dirname(entry.path), listed)).get(entry.key);
      if (found) {
        await this.#consider(found, true);
        continue;
      }
      const copy = entry.offset > 0 ? await findCopy({ path: entry.path, fingerprint: entry.fingerprint, offset: entry.windowAt ?? entry.offset, window: entry.window ?? '', exclude: new Set(this.#readers.keys()) }) : null;
      if (copy) {
        void this.#track(this.#drainCopyOf(entry, copy));
        continue;
      }
      if ((entry.size ?? 0) > entry.offset) {
        this.reportLost({ path: entry.path, stream: '', from: entry.offset, to: entry.size ?? null, why: 'the file was rotated away and deleted while the collector was stopped, before it was read to its end' });
      }
      // Deleted while we were stopped: nothing left to read; stop looking for it.
      this.checkpoint.set({ ...entry, done: true, updated: Date.now() });
    }
  }

  /**
   * Where each file of `dir` and of the directories right under it (logrotate's olddir) is, by
   * identity: listed once per directory however many state entries look there.
   */
  async #filesByIdentity(dir: string, cache: Map<string, Promise<Map<string, string>>>): Promise<Map<string, string>> {
    let found = cache.get(dir);
    if (!found) {
      found = (async () => {
        const byKey = new Map<string, string>();
        for (const d of [dir, ...(await subdirectories(dir)).map((sub) => join(dir, sub))]) {
          for (const name of await readdir(d).catch(() => [] as string[])) {
            const path = join(d, name);
            try {
              const st = await stat(path);
              const key = identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs });
              if (st.isFile() && !byKey.has(key)) byKey.set(key, path);
            } catch {
              // a dangling symlink, or gone meanwhile: not our file
            }
          }
        }
        return byKey;
      })();
      cache.set(dir, found);
    }
    return found;
  }

  /**
   * Spools the rest of a file's content (from the entry's offset) out of a copy, under the
   * entry's stream; then records the copy (by its own identity) as read.
   */
  async #drainCopyOf(entry: FileState, copy: Copy): Promise<void> {
    const [dev, ino, birth] = entry.key.split(':').map(Number);
    const host = this.opts.host;
    const enc = new Encoder(this.#deps);
    const source = this.opts.source ?? basename(entry.path).replace(/\.(gz|tgz)$/i, '');
    enc.setFields({ stream: streamId(host, { dev, ino, birth }, entry.fingerprint, entry.generation), source, host }, entry.key);
    try {
      const end = await enc.drain(copy.read(entry.offset), entry.offset, () => (this.#spoolFull() && !this.#stopping ? new Promise((r) => setTimeout(r, this.opts.pollIntervalMs)) : null));
      if (end > entry.offset) this.opts.log.info(`Read bytes ${entry.offset}-${end} of "${entry.path}" out of "${copy.path}".`);
      if (copy.key !== entry.key) this.checkpoint.set({ key: copy.key, path: copy.path, fingerprint: entry.fingerprint, generation: 0, offset: end, done: true, updated: Date.now() });
      this.checkpoint.set({ ...entry, offset: Math.max(end, entry.offset), done: true, updated: Date.now() });
    } catch (err) {
      this.opts.log.warn(`Reading "${copy.path}" failed: ${(err as Error).message}`);
    }
  }
}

/** Where batches the server refuses for good are kept: beside the state file. */
export function deadLetterPath(statePath: string): string {
  return statePath.replace(/(\.json)?$/, '.dead-letter.ndjson');
}

/** Where the spool lives by default: beside the state file. */
export function spoolPath(statePath: string): string {
  return statePath.replace(/(\.json)?$/, '.spool');
}
