// The collector's state file: per file identity, the stream generation and the offset the
// server has acknowledged. Crash-safety rests on three rules, in this order:
//
// 1. An offset is recorded here only after the batch ending there is in the spool (spool.ts),
//    and the spool is synced before every save (`beforeWrite`), so the state file never claims
//    more than the spool or the server holds (nothing is skipped on restart).
// 2. The file is replaced atomically: write a temp file, fsync it, rename it over the old one,
//    fsync the directory. A crash leaves either the old or the new state, never half of one.
// 3. Being behind is harmless: on restart we re-send from an older offset and the server
//    drops records at or below the stream's committed offset. So writes are coalesced
//    (at most one every `minIntervalMs`, 1 s by default, as Vector's checkpointer) instead of
//    one fsync per batch: each save costs a spool fdatasync, a write, an fsync, a rename and a
//    directory fsync, which at 200 ms made saves a large part of shipping a trickle.
import { readFile } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync, writeFileSync, renameSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogpipeError } from '../shared/errors.js';
import { createLogger, type Log } from '../command/logger.js';

/** Version of the state file format; another version is refused with a clear error. */
export const STATE_VERSION = 1;
const KIND = 'logpipe-collector-state';

/** What the state file remembers about one file (one identity). */
export interface FileState {
  /** identityKey(): device, inode, birth time. */
  key: string;
  /** Where the file was last seen (for finding it again after a rotation while stopped). */
  path: string;
  fingerprint: string;
  generation: number;
  /**
   * End offset within the current generation of what is safe: in the spool (or acknowledged).
   * Reading resumes here.
   */
  offset: number;
  /** Hash of the (up to 256) bytes read that end at `windowAt` (see identity.ts); absent in old files. */
  window?: string;
  /** Where the window ends: at or past `offset` (bytes read but not yet in a batch). Default: `offset`. */
  windowAt?: number;
  /** Largest size the file was seen with (to report how much was lost if it vanishes unread). */
  size?: number;
  /** The file was rotated away or deleted and fully shipped. */
  done?: boolean;
  updated: number;
}

interface StateFileBody {
  kind: string;
  version: number;
  files: FileState[];
  /** Per stream, the highest offset the server acknowledged (spooled frames at or below it are not sent again). */
  acked?: Record<string, number>;
  /** Number of the collector's own notices sent so far (their offsets in the notice stream). */
  notices?: number;
}

/** Loads, updates and atomically saves the collector state file. */
export class Checkpoint {
  readonly path: string;
  readonly #files = new Map<string, FileState>();
  readonly #minIntervalMs: number;
  #dirty = false;
  #writing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastWrite = 0;
  #lockPath: string | null = null;
  /** Number of completed writes (for tests and metrics). */
  writes = 0;
  /** There was no state file at start (a first run, or one deleted): identities are unknown. */
  fresh = false;
  /** Runs before each save: makes the spool durable up to what the state will claim. */
  beforeWrite: (() => void) | null = null;
  /** Per stream, the highest offset the server acknowledged. */
  readonly acked = new Map<string, number>();
  #notices = 0;

  /** Where a failed background save is reported. */
  readonly #log: Log;

  private constructor(path: string, minIntervalMs: number, log: Log) {
    this.path = path;
    this.#minIntervalMs = minIntervalMs;
    this.#log = log;
  }

  /** Reads the state file (a missing file is an empty state); refuses damaged or foreign files. */
  static async load(path: string, minIntervalMs = 1000, log: Log = createLogger('collect')): Promise<Checkpoint> {
    const cp = new Checkpoint(path, minIntervalMs, log);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        cp.fresh = true;
        return cp;
      }
      throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" cannot be read (${code ?? (err as Error).message}).`);
    }
    let body: StateFileBody;
    try {
      body = JSON.parse(text);
    } catch {
      throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" is not valid JSON; move it away to start over (files are then read per --from).`);
    }
    if (!body || typeof body !== 'object' || body.kind !== KIND) {
      throw new LogpipeError('LP_ERR_STATE_FILE', `The file "${path}" is not a logpipe collector state file.`);
    }
    if (body.version !== STATE_VERSION) {
      throw new LogpipeError(
        'LP_ERR_STATE_FILE',
        `The state file "${path}" has version ${JSON.stringify(body.version)}, but this collector reads version ${STATE_VERSION}; use the matching logpipe version or move the file away.`,
      );
    }
    if (!Array.isArray(body.files)) throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" has no "files" list.`);
    if (body.acked && typeof body.acked === 'object') {
      for (const [stream, offset] of Object.entries(body.acked)) if (typeof offset === 'number') cp.acked.set(stream, offset);
    }
    if (typeof body.notices === 'number') cp.#notices = body.notices;
    for (const f of body.files) {
      if (typeof f?.key !== 'string' || typeof f.offset !== 'number' || typeof f.generation !== 'number' || typeof f.fingerprint !== 'string') {
        throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${path}" has a damaged entry: ${JSON.stringify(f)}.`);
      }
      cp.#files.set(f.key, f);
    }
    return cp;
  }

  /**
   * Claims the state file for this process (a `.lock` file beside it holding our pid): two
   * collectors saving over each other's offsets would lose or repeat lines. A lock left by a
   * process that no longer exists (SIGKILL) is taken over.
   */
  lock(): void {
    const lockPath = `${this.path}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lockPath, 'wx');
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.#lockPath = lockPath;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new LogpipeError('LP_ERR_STATE_FILE', `Cannot create "${lockPath}" beside the state file (${(err as NodeJS.ErrnoException).code}).`);
        }
      }
      let owner = NaN;
      try {
        owner = Number(readFileSync(lockPath, 'utf8').trim());
      } catch {
        // Removed meanwhile: try again.
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new LogpipeError('LP_ERR_STATE_FILE', `The state file "${this.path}" is in use by another collector (pid ${owner}); give each collector its own --state.`);
      }
      try {
        unlinkSync(lockPath); // stale: its process is gone
      } catch {
        // Someone else removed it.
      }
    }
    throw new LogpipeError('LP_ERR_STATE_FILE', `Cannot lock the state file "${this.path}".`);
  }

  /** Releases the lock taken by lock(). */
  unlock(): void {
    if (!this.#lockPath) return;
    try {
      unlinkSync(this.#lockPath);
    } catch {
      // Already gone.
    }
    this.#lockPath = null;
  }

  /** The remembered state of one identity. */
  get(key: string): FileState | undefined {
    return this.#files.get(key);
  }

  /** All remembered files. */
  entries(): FileState[] {
    return [...this.#files.values()];
  }

  /** Records that the server acknowledged a stream up to an offset (kept if higher). */
  setAcked(stream: string, offset: number): void {
    if ((this.acked.get(stream) ?? -1) >= offset) return;
    this.acked.set(stream, offset);
    this.#dirty = true;
    this.#schedule();
  }

  /** The number of the next notice (its offset in the collector's notice stream). */
  nextNotice(): number {
    this.#notices++;
    this.#dirty = true;
    this.#schedule();
    return this.#notices;
  }

  /** Records new state for one identity and schedules a save. */
  set(state: FileState): void {
    this.#files.set(state.key, state);
    this.#dirty = true;
    this.#schedule();
  }

  /** Writes now if anything changed, and waits for it (used on shutdown and generation bumps). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = null;
      }
      if (this.#writing) await this.#writing;
      else if (this.#dirty) await this.#write();
      else return;
    }
  }

  /** Last-resort synchronous save (a second signal while exiting). */
  flushSync(): void {
    if (!this.#dirty) return;
    this.beforeWrite?.();
    const tmp = `${this.path}.tmp-${process.pid}-sync`;
    writeFileSync(tmp, this.#serialize());
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.#dirty = false;
  }

  #schedule(): void {
    if (this.#timer || this.#writing) return;
    const wait = Math.max(0, this.#lastWrite + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#write().catch((err) => this.#log.error(`Saving the state file "${this.path}" failed: ${(err as Error).message}`));
    }, wait);
    this.#timer.unref();
  }

  #serialize(): string {
    // Drop the oldest finished entries beyond a bound so the file does not grow forever.
    const all = [...this.#files.values()];
    const done = all.filter((f) => f.done).sort((a, b) => a.updated - b.updated);
    for (let i = 0; i < done.length - 1000; i++) this.#files.delete(done[i].key);
    const body: StateFileBody = { kind: KIND, version: STATE_VERSION, files: [...this.#files.values()], acked: Object.fromEntries(this.acked), notices: this.#notices };
    return JSON.stringify(body, null, 1) + '\n';
  }

  async #write(): Promise<void> {
    // Synchronous on purpose: the same steps as flushSync() but for the temp file's name and
    // the directory fsync. Nine thread-pool trips per save cost more CPU than the save (the
    // fsyncs wait on the disk either way, and the spool's fdatasync before them already did).
    const run = async () => {
      this.#dirty = false;
      this.beforeWrite?.();
      const text = this.#serialize();
      const tmp = `${this.path}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w');
      try {
        writeFileSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        renameSync(tmp, this.path);
      } catch (err) {
        try {
          unlinkSync(tmp);
        } catch {
          // Never created or already gone.
        }
        throw err;
      }
      // The rename is durable only once the directory entry is on disk.
      const dir = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dir);
      } catch {
        // Some file systems refuse fsync on a directory; the rename is still atomic.
      } finally {
        closeSync(dir);
      }
      this.writes++;
      this.#lastWrite = Date.now();
    };
    this.#writing = run().finally(() => {
      this.#writing = null;
      if (this.#dirty) this.#schedule();
    });
    return this.#writing;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
