// One open file, followed through rotation. We hold the file descriptor, not the path: after a
// rename+create rotation the descriptor still reads the old file (so its end is drained), and
// after a deletion the data stays readable until we close it. The path is only consulted to
// notice that it now names another file (or nothing).
//
// Stats and small reads are made synchronously: a quiet file is looked at on every fs event
// and poll, and each of those looks is a few microseconds from the page cache, where a round
// trip through libuv's thread pool (futex, eventfd, epoll wake, promise) cost 10-30 times that
// (most of the collector's CPU while it shipped a trickle; bench/collector-trickle.bench.ts).
// Reads of a backlog (more than SYNC_READ_BYTES expected) stay asynchronous, so they overlap
// with gzip on the pool.
import { fstatSync, readSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { identityKey, type FileIdentity } from './fingerprint.js';

/** Reads expected to be at most this large are made synchronously. */
const SYNC_READ_BYTES = 64 * 1024;

/** What a check of the open file found. */
export type TailStatus = 'ok' | 'truncated' | 'moved';

/** Reads one file by descriptor from a position, and notices truncation and rotation. */
export class Tail {
  readonly path: string;
  readonly identity: FileIdentity;
  readonly key: string;
  /** Next byte to read. */
  position = 0;
  /** Size seen at the last check. */
  size = 0;
  /** Modification time seen at the last check (-1: none yet). */
  #mtime = -1;
  #fh: FileHandle;

  private constructor(path: string, fh: FileHandle, identity: FileIdentity, size: number) {
    this.path = path;
    this.#fh = fh;
    this.identity = identity;
    this.key = identityKey(identity);
    this.size = size;
  }

  /** Opens a file; resolves to null if it does not exist (any more). Other errors are thrown. */
  static async open(path: string): Promise<Tail | null> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      return null;
    }
    return new Tail(path, fh, { dev: st.dev, ino: st.ino, birth: st.birthtimeMs }, st.size);
  }

  /** The open file handle (for fingerprinting). */
  get handle(): FileHandle {
    return this.#fh;
  }

  /** Reads up to buf.length bytes at the current position and advances; 0 at the end. */
  async read(buf: Buffer): Promise<number> {
    const bytesRead =
      this.size - this.position <= SYNC_READ_BYTES ? readSync(this.#fh.fd, buf, 0, buf.length, this.position) : (await this.#fh.read(buf, 0, buf.length, this.position)).bytesRead;
    this.position += bytesRead;
    if (this.position > this.size) this.size = this.position;
    return bytesRead;
  }

  /** Reads bytes at an absolute position without moving (used to find a line start). */
  async readAt(buf: Buffer, position: number): Promise<number> {
    if (buf.length <= SYNC_READ_BYTES) return readSync(this.#fh.fd, buf, 0, buf.length, position);
    const { bytesRead } = await this.#fh.read(buf, 0, buf.length, position);
    return bytesRead;
  }

  /** Current size of the open file (not of whatever the path names now). */
  async statSize(): Promise<number> {
    const st = fstatSync(this.#fh.fd);
    this.size = st.size;
    this.#mtime = st.mtimeMs;
    return this.size;
  }

  /** Whether the file shrank below our position, or the path now names another file or none. */
  async check(): Promise<TailStatus> {
    if ((await this.statSize()) < this.position) return 'truncated';
    try {
      const st = statSync(this.path);
      if (st.ino !== this.identity.ino || st.dev !== this.identity.dev) return 'moved';
    } catch {
      return 'moved';
    }
    return 'ok';
  }

  /**
   * Whether there is something to look at: the open file's size is not where we read to (it
   * grew or shrank), it was written since the last check (a rewrite in place that kept its
   * size), or (unless `moved` is known already) the path names another file or none.
   * Synchronous: every poll asks this of every file instead of waking its reader to look.
   */
  changed(moved: boolean): boolean {
    try {
      const st = fstatSync(this.#fh.fd);
      if (st.size !== this.position || st.mtimeMs !== this.#mtime) return true;
    } catch {
      return true;
    }
    if (moved) return false;
    try {
      const st = statSync(this.path);
      return st.ino !== this.identity.ino || st.dev !== this.identity.dev;
    } catch {
      return true;
    }
  }

  /** Whether the open file holds bytes past our position (one fstat; false if it cannot be asked). */
  hasUnread(): boolean {
    try {
      return fstatSync(this.#fh.fd).size > this.position;
    } catch {
      return false;
    }
  }

  /** Whether the open file's size is not `size` (one fstat; false if it cannot be asked). */
  sizeIsNot(size: number): boolean {
    try {
      return fstatSync(this.#fh.fd).size !== size;
    } catch {
      return false;
    }
  }

  /** Closes the descriptor (a deleted file's space is freed now). */
  async close(): Promise<void> {
    await this.#fh.close().catch(() => {});
  }
}
