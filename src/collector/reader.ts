// Reads one file from open to close: fingerprint, resume (identity.ts), read into the Encoder
// (which spools batches), and follow the file through rotation:
//
// - rename (+create): we hold the descriptor, so the renamed file is read on for as long as it
//   keeps growing (a writer that reopens late, or never); it is finished only after it has been
//   quiet for --rotate-wait and fully read.
// - truncation / rewrite in place (copytruncate, `: > file`, a file rewritten under the same
//   first line): noticed after every read by checking that the first line and the 256 bytes
//   before our position are still what we read. The unread rest of the old content is taken
//   from a rotated copy found by content (recover.ts); if there is none and we had seen more
//   than we read, the lost byte range is reported. Then the file goes on as a new generation.
//
// Reading never waits for the server: batches go to the spool. It pauses only while the spool
// is full (--spool-max) or too many batches wait for gzip.
import { lstatSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Batch } from './batcher.js';
import type { Checkpoint, FileState } from './checkpoint.js';
import { Encoder, MAX_PENDING_GZIP, type EncodeDeps, type EncodeOptions } from './encode.js';
import { fingerprintBytes, fingerprintLength, FINGERPRINT_BYTES, streamId, type FileIdentity } from './fingerprint.js';
import { lineCheck } from '../shared/stream-check.js';
import { decideResume, shortHash, windowStart, WINDOW_BYTES } from './identity.js';
import { CopyGone, findCopy, newerCopies, type Copy, type SearchHooks } from './recover.js';
import type { Tail } from './tail.js';
import type { Log } from '../command/logger.js';

/** Read size of a file that is keeping up (no backlog). */
const SMALL_READ = 64 * 1024;

/** What a reader is told by the collector. */
export interface ReaderOptions extends EncodeOptions {
  source?: string;
  host: string;
  from: 'beginning' | 'end';
  pollIntervalMs: number;
  batchWaitMs: number;
  /**
   * While lines keep coming, a file closes at most one batch at its end per linger (its writes
   * do not wake the reader meanwhile); a line after a quiet interval goes at once. 0: off.
   */
  lingerMs?: number;
  /**
   * While lines keep coming during a linger (found when it ends), the next one is twice as
   * long, from lingerMs up to this (absent: lingerMs, a fixed linger); a line after a quiet
   * spell resets it.
   */
  lingerMaxMs?: number;
  flushPartial: boolean;
  rotateWaitMs: number;
  readBytes?: number;
  log: Log;
}

/** Bytes that were in a file but could not be read before they were gone. */
export interface Lost {
  path: string;
  stream: string;
  from: number;
  to: number | null;
  why: string;
}

/** What a reader needs from the rest of the collector (narrow on purpose). */
export interface ReaderDeps extends EncodeDeps {
  opts: ReaderOptions;
  checkpoint: Checkpoint;
  /** Whether reading must pause (the spool is full). */
  paused(): boolean;
  /** Whether a stream has a request in flight or frames waiting. */
  busy(stream: string): boolean;
  reportLost(lost: Lost): void;
  /** Identity keys of the files being tailed (never taken for a rotated copy). */
  liveKeys(): Set<string>;
  /**
   * Native inotify: calls `onWrite` once, at the next write to the file open as `fd`; returns
   * the watch, or -1 if none was set up (the directory's events or the poll tell instead).
   */
  armWrite?(fd: number, onWrite: () => void): number;
  /** Drops a watch armWrite set up. */
  disarmWrite?(wd: number, onWrite: () => void): void;
  /** The path no longer names the file we read (rotated away or deleted): look for a new one. */
  rotated(): void;
  /**
   * Without a state file, asks the server which generation of this file's stream ids holds
   * this content (by a check of the line at its committed offset): where to go on, a generation
   * no one used yet, or null (nothing known, or the server cannot be asked).
   */
  lookup?(identity: FileIdentity, fingerprint: string, lineCheckAt: (offset: number) => Promise<string | null>): Promise<{ generation: number; offset: number | null } | null>;
}

/** One file from open to close. */
export class FileReader {
  readonly tail: Tail;
  /** The directory of the file's path (where its events come from). */
  readonly dir: string;
  /** The tailed path is a symbolic link (its target's directory may not be watched). */
  readonly linked: boolean;
  readonly done: Promise<void>;
  /** Resolves once the reader knows where it starts (or waits for a first line to appear). */
  readonly ready: Promise<void>;
  #setReady!: () => void;
  readonly #deps: ReaderDeps;
  readonly #enc: Encoder;
  readonly #source: string;
  readonly #bigRead: number;
  #readBuf: Buffer;
  #fingerprint = '';
  #fpBytes: Buffer = Buffer.alloc(0);
  #generation = 0;
  #stream = '';
  /** Offset up to which batches are in the spool (what the checkpoint may claim). */
  #spooled = 0;
  /** The bytes just before tail.position, as read (compared after every read). */
  #window: Buffer = Buffer.alloc(0);
  /** The offset #window ends at (bytes read and verified up to there). */
  #windowAt = 0;
  /** Largest size seen of the current generation (to report a loss). */
  #maxSeen = 0;
  #moved = false;
  /** Opened at a rotated name (found by identity, or as a file the path held unseen): read from 0. */
  #rotatedAtOpen = false;
  #lastGrowth = Date.now();
  #atEnd = false;
  #wakeUp: (() => void) | null = null;
  #woken = false;
  /** When a batch was last closed at the end of the file (what --linger counts from). */
  #closedAtEnd = 0;
  /** Set while the reader sleeps at the end of the file. */
  #sleepingAtEnd = false;
  /** Until when its linger lasts (set while it sleeps at the end of the file). */
  #lingerUntil = 0;
  /** The current linger: --linger, doubled while the file keeps growing, up to --linger-max. */
  #linger: number;
  /** Whether the reader last slept with nothing to wait for (not lingering): what it reads now came after a quiet spell. */
  #sleptIdle = true;
  /** The write watch armed for this file's next write (-1: none). */
  #armed = -1;
  readonly #onWrite = () => {
    this.#armed = -1;
    this.#deps.metrics.fsEvents++;
    this.wake();
  };
  /** Set while the reader's open batch waits for the stream's request in flight. */
  #waitingForAck = false;
  #stopping = false;
  /** Set while reading waits for gzip or spool room (see #pause). */
  #paused = false;
  /** Set while a copy is drained: its batches do not move this file's checkpoint. */
  #draining = false;
  readonly #head = Buffer.alloc(FINGERPRINT_BYTES);
  readonly #check = Buffer.alloc(WINDOW_BYTES);

  constructor(deps: ReaderDeps, tail: Tail, atStartup: boolean, rotated: boolean) {
    this.#deps = deps;
    this.tail = tail;
    this.dir = dirname(tail.path);
    this.linked = lstatSync(tail.path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    const o = deps.opts;
    this.#source = o.source ?? basename(tail.path);
    this.#bigRead = o.readBytes ?? 1024 * 1024;
    this.#readBuf = Buffer.allocUnsafe(Math.min(SMALL_READ, this.#bigRead));
    this.#linger = o.lingerMs ?? 0;
    this.#enc = new Encoder(deps);
    this.#enc.onSpooled = (b) => this.#onSpooled(b);
    if (rotated) this.#moved = this.#rotatedAtOpen = true;
    this.ready = new Promise((resolve) => (this.#setReady = resolve));
    this.done = this.#run(atStartup)
      .catch((err) => o.log.error(`Tailing "${tail.path}" stopped: ${(err as Error).message}`))
      .finally(() => {
        this.#setReady();
        if (this.#armed !== -1) deps.disarmWrite?.(this.#armed, this.#onWrite);
        this.#armed = -1;
        return tail.close();
      });
  }

  /** Wakes the reader to look for new data (fs event, poll, spool space, shutdown). */
  wake(): void {
    this.#woken = true;
    const w = this.#wakeUp;
    if (w) {
      this.#wakeUp = null;
      w();
    }
  }

  /**
   * Whether the reader sleeps within its linger (or waits for its stream's acknowledgement): a
   * write now means the file keeps growing, and the collector polls its directory instead of
   * waking the reader for every write.
   */
  get lingering(): boolean {
    return this.#sleepingAtEnd && (this.#waitingForAck || Date.now() < this.#lingerUntil);
  }

  /** Whether the file's next write wakes us (a native write watch is armed). */
  get watchedForWrites(): boolean {
    return this.#armed !== -1;
  }

  /** When the current linger ends (0: not lingering). */
  get lingerEndsAt(): number {
    return this.#lingerUntil;
  }

  /** Whether the file has something to look at (grew, shrank, or its path moved on); synchronous. */
  changed(): boolean {
    return this.tail.changed(this.#moved);
  }

  /** The server acknowledged a request of this file: lines waiting for it may go now. */
  streamFree(): void {
    if (this.#waitingForAck) this.wake();
  }

  /** Asks the reader to spool what it has read and finish. */
  stop(): void {
    this.#stopping = true;
    this.wake();
  }

  /** Bytes of this file not read into the spool yet. */
  bytesBehind(): number {
    return Math.max(0, this.tail.size - this.#spooled);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || this.#stopping) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // Infinity: no timer of our own; the collector's poll (or an fs event) wakes us.
      const timer =
        ms === Infinity
          ? undefined
          : setTimeout(() => {
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

  /**
   * Waits while reading must pause: woken as soon as gzip spooled a batch (#onSpooled) or the
   * spool has room again (the collector wakes every reader), else by the poll.
   */
  async #pause(): Promise<void> {
    this.#paused = true;
    try {
      await this.#sleep(this.#deps.opts.pollIntervalMs);
    } finally {
      this.#paused = false;
    }
  }

  /** Whether reading must wait: the spool is full or gzip is behind. */
  #mustPause(): boolean {
    return this.#enc.pending >= MAX_PENDING_GZIP || this.#deps.paused();
  }

  async #run(atStartup: boolean): Promise<void> {
    const o = this.#deps.opts;
    if (!(await this.#waitForFingerprint())) return;
    await this.#resume(atStartup);
    this.#setReady();
    for (;;) {
      if (this.#enc.error) throw this.#enc.error;
      if (this.#stopping) break;
      if (this.#mustPause()) {
        await this.#pause();
        continue;
      }
      if (this.#atEnd) {
        // Woken at the end of the file: before reading on, make sure it is still the same
        // content (truncated, or rewritten while we slept) and still at its path.
        this.#atEnd = false;
        const status = await this.tail.check();
        if (status === 'truncated' || (await this.#contentChanged())) {
          if (!(await this.#rollover('it was truncated or rewritten'))) return;
          continue;
        }
        if (this.tail.size > this.#maxSeen) this.#maxSeen = this.tail.size;
        if (status === 'moved' && !this.#moved) {
          this.#moved = true;
          this.#deps.metrics.rotations++;
          this.#deps.rotated();
        }
      }
      const pos = this.tail.position;
      const n = await this.tail.read(this.#readBuf);
      if (n > 0 && (await this.#contentChanged())) {
        // Truncated (and rewritten) while we read: these bytes may belong to the new content.
        // Drop them and start the new generation from 0 instead of shipping a mix.
        this.tail.position = pos;
        if (!(await this.#rollover('it was truncated or rewritten while being read'))) return;
        continue;
      }
      if (n > 0) {
        this.#lastGrowth = Date.now();
        this.#deps.noteRead(n);
        this.#enc.push(this.#readBuf, n, pos);
        this.#slideWindow(this.#readBuf, n);
        if (this.tail.position > this.#maxSeen) this.#maxSeen = this.tail.position;
        if (n === this.#readBuf.length) {
          // A backlog: read in 1 MiB pieces. Hundreds of quiet files keep only 64 KiB each.
          if (n < this.#bigRead) this.#readBuf = Buffer.allocUnsafe(this.#bigRead);
          continue;
        }
        if (n < SMALL_READ && this.#readBuf.length > SMALL_READ) this.#readBuf = Buffer.allocUnsafe(SMALL_READ);
      }
      this.#atEnd = true;
      // At the end of what is there: close the open batch now if nothing of this stream is on
      // its way and none was closed here within --linger (a quiet line goes at once), else when
      // the linger ends, or after --batch-wait.
      this.#enc.flushStale(o.multilineTimeoutMs);
      const enc = this.#enc;
      const linger = this.#linger;
      let now = Date.now();
      const ready = now >= this.#closedAtEnd + linger;
      if (enc.openLines > 0 && ((!this.#deps.busy(this.#stream) && ready) || now - enc.openedAt >= o.batchWaitMs)) {
        enc.close();
        // Lines kept coming (they were written while we lingered, not after a quiet sleep): the
        // next linger is twice as long, up to --linger-max, so a file written line by line
        // costs about one request a --linger-max, as with syslog-ng's follow-freq(1). After a
        // quiet spell (longer than the linger: we slept with nothing to wait for and a write
        // woke us) it is --linger again, and such a line goes at once.
        const base = o.lingerMs ?? 0;
        this.#linger = this.#sleptIdle ? base : Math.min(linger * 2, Math.max(o.lingerMaxMs ?? base, base));
        this.#closedAtEnd = now;
      }
      if (this.#moved && now - this.#lastGrowth >= o.rotateWaitMs && (await this.tail.statSize()) === this.tail.position) {
        // Rotated away (or deleted) and quiet for --rotate-wait: this file is complete.
        enc.finish(true, this.tail.position);
        await enc.settled();
        this.#saveState(true);
        return;
      }
      // A quiet file waits for an fs event or the collector's poll, which wakes every reader:
      // a timer of its own would double the wake-ups of an idle collector.
      now = Date.now();
      let wait = Infinity;
      if (enc.heldSince) wait = Math.min(wait, Math.max(1, enc.heldSince + o.multilineTimeoutMs - now));
      if (enc.openLines > 0) wait = Math.min(wait, Math.max(1, enc.openedAt + o.batchWaitMs - now));
      if (this.#moved) wait = Math.min(wait, Math.max(1, this.#lastGrowth + o.rotateWaitMs - now));
      // Lingering (a batch was closed here less than the linger ago): lines that come meanwhile
      // are read in one go when it ends, so the file's writes need not make us read (the native
      // inotify is not asked for them; with fs.watch the collector skips waking a lingering
      // reader for them). Likewise while lines wait for the stream's request in flight: the
      // acknowledgement wakes us (streamFree). Renames wake us at once either way.
      const lingerLeft = this.#closedAtEnd + this.#linger - now;
      const waitingForAck = linger > 0 && enc.openLines > 0 && this.#deps.busy(this.#stream);
      this.#lingerUntil = lingerLeft > 0 ? this.#closedAtEnd + this.#linger : 0;
      if (lingerLeft > 0) wait = Math.min(wait, lingerLeft);
      this.#waitingForAck = waitingForAck;
      if (wait === Infinity) enc.idle();
      // Neither lingering nor waiting for an acknowledgement: the file's next write wakes us (one
      // event, then the watch is gone until we sleep here again). A write between our last read
      // and the new watch made no event: the size tells.
      this.#sleptIdle = lingerLeft <= 0 && !waitingForAck;
      if (this.#sleptIdle) this.#armWrite(this.tail.position);
      this.#sleepingAtEnd = true;
      try {
        await this.#sleep(wait);
      } finally {
        this.#sleepingAtEnd = false;
        this.#waitingForAck = false;
      }
    }
    // Shutdown: spool what was read (held multiline record; partial line only if asked).
    this.#enc.finish(o.flushPartial, this.tail.position);
    await this.#enc.settled();
    this.#saveState(false);
  }

  /** Keeps the last WINDOW_BYTES bytes read (ending at #windowAt). */
  #slideWindow(buf: Buffer, n: number): void {
    this.#windowAt += n;
    if (n >= WINDOW_BYTES) {
      this.#window = Buffer.from(buf.subarray(n - WINDOW_BYTES, n));
      return;
    }
    const keep = Math.min(this.#window.length, WINDOW_BYTES - n);
    this.#window = Buffer.concat([this.#window.subarray(this.#window.length - keep), buf.subarray(0, n)]);
  }

  /**
   * Whether the file no longer holds what we read: its first line or the bytes just before our
   * position differ (a truncation, or a rewrite in place, even one under the same first line).
   * Checked after every read, so bytes read from new content are never shipped as old.
   */
  async #contentChanged(): Promise<boolean> {
    const want = this.#fpBytes;
    const n = await this.tail.readAt(this.#head, 0);
    if (n < want.length || !this.#head.subarray(0, want.length).equals(want)) return true;
    const win = this.#window;
    if (win.length === 0) return false;
    const at = this.#windowAt - win.length;
    const m = await this.tail.readAt(this.#check.subarray(0, win.length), at);
    return m < win.length || !this.#check.subarray(0, win.length).equals(win);
  }

  /** Waits until the file has a complete first line (or enough bytes) to fingerprint. */
  async #waitForFingerprint(): Promise<boolean> {
    const head = Buffer.alloc(FINGERPRINT_BYTES);
    for (;;) {
      const n = await this.tail.readAt(head, 0);
      const fp = fingerprintBytes(head, n, this.#stopping && this.#deps.opts.flushPartial);
      if (fp) {
        this.#fingerprint = fp;
        this.#fpBytes = Buffer.from(head.subarray(0, fingerprintLength(head, n)));
        return true;
      }
      if (this.#stopping) return false;
      const status = await this.tail.check();
      if (n > 0) this.#lastGrowth = Date.now();
      if (status === 'moved') {
        this.#moved = true;
        if (Date.now() - this.#lastGrowth >= this.#deps.opts.rotateWaitMs) {
          // A file that was never fingerprinted holds at most a partial first line.
          const last = fingerprintBytes(head, n, true);
          if (!last) return false;
          this.#fingerprint = last;
          this.#fpBytes = Buffer.from(head.subarray(0, fingerprintLength(head, n)));
          return true;
        }
      }
      this.#setReady();
      this.#armWrite(n);
      await this.#sleep(this.#deps.opts.pollIntervalMs);
    }
  }

  /**
   * Asks for a wake-up at the file's next write (native inotify; one event, then the watch is
   * gone until asked again). A write since the file was `seen` at this size made no event: if
   * the size moved, we are woken at once.
   */
  #armWrite(seen: number): void {
    if (this.#armed !== -1 || !this.#deps.armWrite) return;
    this.#armed = this.#deps.armWrite(this.tail.handle.fd, this.#onWrite);
    if (this.#armed !== -1 && this.tail.sizeIsNot(seen)) this.#woken = true;
  }

  /** Picks the generation and offset (identity.ts), draining a replaced generation's copy first. */
  async #resume(atStartup: boolean): Promise<void> {
    const c = this.#deps;
    const entry = c.checkpoint.get(this.tail.key);
    const size = await this.tail.statSize();
    let windowHash: string | null = null;
    const checkAt = entry ? (entry.windowAt ?? entry.offset) : 0;
    if (entry?.window && checkAt <= size) windowHash = await this.#hashAt(checkAt);
    // --from end is for a file found at a tailed path at start-up, not for one rotated away
    // after we last read the path (its lines came after what we read).
    const startAt = !entry && atStartup && !this.#rotatedAtOpen && c.opts.from === 'end' ? await this.#lastLineStart(size) : 0;
    let d = decideResume(entry, { fingerprint: this.#fingerprint, size, windowHash }, startAt);
    if (d.kind === 'new' && atStartup && c.lookup) {
      // No state for this file: the server may hold its content under one of its stream ids
      // (a state file deleted), or other content under the id generation 0 would get.
      const found = await c.lookup(this.tail.identity, this.#fingerprint, (offset) => this.#lineCheckAt(offset, size));
      if (found) d = { kind: 'new', generation: found.generation, offset: found.offset ?? d.offset };
    }
    c.opts.log.debug?.(`resume "${this.tail.path}" (${this.tail.key}, ${size} bytes): ${d.kind}${d.kind === 'replaced' ? ` (${d.why})` : ''}, generation ${d.generation} from ${d.offset}; checkpoint: ${entry ? `generation ${entry.generation}, offset ${entry.offset}, window at ${entry.windowAt ?? '-'}` : 'none'}`);
    if (d.kind === 'replaced') {
      c.metrics.truncations++;
      const prev = d.previous;
      c.opts.log.warn(`"${this.tail.path}" was replaced while we were away (${d.why}); its previous content is looked for in rotated copies, then the file is read as a new generation.`);
      const prevStream = streamId(c.opts.host, this.tail.identity, prev.fingerprint, prev.generation);
      const copy = await this.#recoverRest({ path: this.tail.path, stream: prevStream, fingerprint: prev.fingerprint, offset: prev.windowAt ?? prev.offset, window: prev.window ?? '', from: prev.offset, seen: prev.size ?? prev.offset });
      if (copy) await this.#readBetween(copy);
    }
    this.#generation = d.generation;
    this.tail.position = d.offset;
    this.#spooled = d.offset;
    this.#enc.lineEnd = d.offset;
    this.#maxSeen = size;
    this.#window = await this.#bytesBefore(d.offset);
    this.#windowAt = d.offset;
    this.#setStream();
    if (!entry || d.kind !== 'same' || entry.path !== this.tail.path || entry.done) {
      // Known before anything of it is read: a crash right after a rotation must not forget
      // this file, or a second rotation while we are down would hide it (see collector.ts).
      this.#saveState(false);
      await c.checkpoint.flush();
    }
  }

  /**
   * The current content was replaced: spool what was read, take the unread rest of the old
   * content from a rotated copy if there is one (else report it lost), and go on with a new
   * generation from offset 0. Resolves false if the reader should stop.
   */
  async #rollover(why: string): Promise<boolean> {
    const c = this.#deps;
    c.metrics.truncations++;
    const verified = this.#windowAt;
    this.#enc.finish(false, verified);
    await this.#enc.settled();
    const from = this.#enc.lineEnd;
    c.opts.log.warn(`"${this.tail.path}" ${why}; the rest of its previous content is looked for in rotated copies, then it is read again from the start as a new stream generation.`);
    c.opts.log.debug?.(`rollover of "${this.tail.path}" (${this.tail.key}) generation ${this.#generation}: read and verified up to ${verified}, lines up to ${from}, seen ${this.#maxSeen} bytes`);
    const copy = await this.#recoverRest({
      path: this.tail.path,
      stream: this.#stream,
      fingerprint: this.#fingerprint,
      offset: verified,
      window: verified > 0 ? shortHash(this.#window) : '',
      from,
      seen: this.#maxSeen,
    });
    this.#generation++;
    this.tail.position = 0;
    this.#spooled = 0;
    this.#enc.lineEnd = 0;
    this.#window = Buffer.alloc(0);
    this.#windowAt = 0;
    this.#maxSeen = 0;
    this.#fingerprint = '';
    this.#fpBytes = Buffer.alloc(0);
    // Until the new content has a first line, the state still names the old generation: a
    // crash now finds the content replaced again and takes the old one's rest from its copy.
    if (!(await this.#waitForFingerprint())) return false;
    // Only now that the new content's first line is known: a generation copied away between
    // the one we read and this one is told apart from a copy of this one (see newerCopies).
    if (copy) await this.#readBetween(copy);
    this.#setStream();
    // Remember the new generation (with its first line) before anything of it is spooled.
    this.#saveState(false);
    await c.checkpoint.flush();
    return true;
  }

  /**
   * Drains the rest of a replaced content (from `from`) out of a rotated copy recognised by
   * its first line and the window before `offset`; reports the range as lost if there is none.
   * Returns the copy it read from, or a copy of the content that ends before `offset` (made
   * before the last lines we read: nothing to read from it, but copies made after it hold
   * generations we never saw); null if none.
   */
  async #recoverRest(w: { path: string; stream: string; fingerprint: string; offset: number; window: string; from: number; seen: number }): Promise<Copy | null> {
    const c = this.#deps;
    const copy = await findCopy({ path: w.path, fingerprint: w.fingerprint, offset: w.offset, window: w.window, exclude: c.liveKeys(), seen: w.seen }, this.#hooks());
    if (!copy || copy.short) {
      this.#enc.finish(true, w.offset);
      await this.#enc.settled();
      this.#enc.reset();
      if (w.seen > w.offset) c.reportLost({ path: w.path, stream: w.stream, from: w.offset, to: w.seen, why: 'the file was truncated or replaced before it was read to its end, and no rotated copy holds the rest' });
      // Everything we saw was read; lines written after our last look, before the truncation,
      // would be gone, but nothing says there were any (a plain `: > file` is common).
      else if (!copy) c.opts.log.info(`No rotated copy of "${w.path}" holds its previous content (read to byte ${w.offset}, all that was seen of it).`);
      else c.opts.log.info(`The rotated copy "${copy.path}" of "${w.path}" ends before byte ${w.offset}, where we read to: it was copied before its last lines were written, and holds nothing unread.`);
      // Known, so that a pattern matching it later does not read it as a new file.
      if (copy && !c.checkpoint.get(copy.key)) {
        c.checkpoint.set({ key: copy.key, path: copy.path, fingerprint: w.fingerprint, generation: 0, offset: copy.size ?? w.offset, done: true, updated: Date.now() });
      }
      return copy;
    }
    this.#enc.reset();
    const read = await this.#drain(copy, w.stream, w.from);
    c.opts.log.info(`Read ${read} bytes of the previous content of "${w.path}" (from byte ${w.from}) out of its rotated copy "${copy.path}".`);
    // Should a pattern match the copy later, it is known as read to its end, not a new file.
    if (!c.checkpoint.get(copy.key)) {
      c.checkpoint.set({ key: copy.key, path: copy.path, fingerprint: w.fingerprint, generation: 0, offset: w.from + read, done: true, updated: Date.now() });
    }
    return copy;
  }

  /**
   * Whole generations copied away after `copy` was made, before we looked (two copytruncates
   * while we were down or busy): each is read in full, as a stream of its own copy's identity.
   * Called once the file's current first line is known, so a copy of the current generation
   * (made by a rotation under way) is left to it.
   */
  async #readBetween(copy: Copy): Promise<void> {
    const c = this.#deps;
    const path = this.tail.path;
    const between = await newerCopies(path, copy, (key) => c.checkpoint.get(key) !== undefined, c.liveKeys(), this.#fingerprint, this.#hooks());
    for (const gen of between) {
      const [dev, ino, birth] = gen.key.split(':').map(Number);
      const stream = streamId(c.opts.host, { dev, ino, birth }, 'copy', 0);
      const n = await this.#drain(gen, stream, 0);
      c.opts.log.info(`Read ${n} bytes of "${gen.path}", a generation of "${path}" that was copied away before it could be read.`);
      c.checkpoint.set({ key: gen.key, path: gen.path, fingerprint: '', generation: 0, offset: n, done: true, updated: Date.now() });
    }
  }

  #hooks(): SearchHooks {
    const log = this.#deps.opts.log;
    return log.debug ? { trace: (m) => log.debug!(m) } : {};
  }

  /** Spools a copy's bytes from `from` under the given stream id; returns how many it read. */
  async #drain(copy: Copy, stream: string, from: number): Promise<number> {
    const o = this.#deps.opts;
    this.#draining = true;
    const current = this.#stream;
    this.#enc.setFields({ stream, source: this.#source, host: o.host }, this.tail.key);
    try {
      const end = await this.#enc.drain(copy.read(from), from, () => (this.#deps.paused() && !this.#stopping ? this.#pause() : null));
      return end - from;
    } catch (err) {
      if (!(err instanceof CopyGone)) throw err;
      // Deleted between being found and being read (a rotation's `rotate N` removed it).
      this.#deps.reportLost({ path: copy.path, stream, from, to: copy.size ?? null, why: `${err.message} (it was found as holding the content, then deleted)` });
      return 0;
    } finally {
      this.#draining = false;
      this.#enc.reset();
      if (current) this.#enc.setFields({ stream: current, source: this.#source, host: o.host }, this.tail.key);
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

  /** lineCheck() of the line that ends at `offset` (its text as the collector sends it), or null. */
  async #lineCheckAt(offset: number, size: number): Promise<string | null> {
    if (offset <= 0 || offset > size) return null;
    const start = Math.max(0, offset - 1024 * 1024);
    const buf = Buffer.allocUnsafe(offset - start);
    const n = await this.tail.readAt(buf, start);
    if (n !== buf.length || buf[n - 1] !== 10) return null;
    const prev = buf.lastIndexOf(10, n - 2);
    if (prev === -1 && start > 0) return null;
    let end = n - 1;
    if (end > prev + 1 && buf[end - 1] === 13) end--;
    return lineCheck(buf.toString('utf8', prev + 1, end));
  }

  async #bytesBefore(offset: number): Promise<Buffer> {
    const at = windowStart(offset);
    const buf = Buffer.alloc(offset - at);
    const n = await this.tail.readAt(buf, at);
    return buf.subarray(0, n);
  }

  async #hashAt(offset: number): Promise<string | null> {
    const win = await this.#bytesBefore(offset);
    return win.length === offset - windowStart(offset) ? shortHash(win) : null;
  }

  #setStream(): void {
    const o = this.#deps.opts;
    this.#stream = streamId(o.host, this.tail.identity, this.#fingerprint, this.#generation);
    this.#enc.setFields({ stream: this.#stream, source: this.#source, host: o.host }, this.tail.key);
  }

  #onSpooled(batch: Batch): void {
    if (this.#paused) this.wake();
    if (this.#draining || batch.stream !== this.#stream) return;
    this.#spooled = batch.lastOffset;
    this.#saveState(false);
  }

  /**
   * Records where this file stands. The window saved is the one of the bytes we read and
   * verified (never re-read from the file, which may have changed meanwhile), and it ends at
   * `windowAt` (at or past `offset`): a copy of this content is recognised by it after a restart.
   */
  #saveState(done: boolean): void {
    const state: FileState = {
      key: this.tail.key,
      path: this.tail.path,
      fingerprint: this.#fingerprint,
      generation: this.#generation,
      offset: this.#spooled,
      size: Math.max(this.#maxSeen, this.tail.size),
      updated: Date.now(),
    };
    if (this.#window.length > 0 && this.#windowAt >= this.#spooled) {
      // Hashed when first read (by a save, or a search for this content), not for every batch:
      // a SHA-256 object per batch was ~10% of a trickle's CPU, and most states are replaced
      // before a save. #window is never changed in place (#slideWindow makes a new one).
      const win = this.#window;
      let hash: string | undefined;
      Object.defineProperty(state, 'window', { enumerable: true, configurable: true, get: () => (hash ??= shortHash(win)) });
      state.windowAt = this.#windowAt;
    }
    if (done) state.done = true;
    this.#deps.checkpoint.set(state);
  }
}
