// The collector's inotify (native/inotify.c, built at install by node-gyp), with the event mask
// in our hands. fs.watch on a directory reports every write of every file in it: one wake-up of
// the process (~0.1 ms of CPU on the benchmark machine) per line of a file written line by
// line, lingering or not. Here directories are watched for names only (create, delete, rename:
// rotations are still seen at once), and each file being read is watched for its next write
// only, one-shot, while its reader sleeps with nothing to wait for (see FileReader): a file that
// keeps growing wakes the process once per linger, not once per line.
//
// Where the addon is missing (not Linux, no compiler at install) the collector uses fs.watch
// as before; it says so at start.
import { createRequire } from 'node:module';

interface Addon {
  open(onEvents: (events: (number | string | null)[]) => void): unknown;
  add(handle: unknown, path: string, mask: number): number;
  rm(handle: unknown, wd: number): void;
  close(handle: unknown): void;
  IN_MODIFY: number;
  IN_CREATE: number;
  IN_DELETE: number;
  IN_DELETE_SELF: number;
  IN_MOVE_SELF: number;
  IN_MOVED_FROM: number;
  IN_MOVED_TO: number;
  IN_ONESHOT: number;
  IN_ONLYDIR: number;
  IN_IGNORED: number;
  IN_Q_OVERFLOW: number;
}

let loaded: { addon: Addon | null; why: string } | null = null;

/** The addon, or null with the reason (LOGPIPE_NATIVE_INOTIFY=0 turns it off, for tests and comparisons). */
export function inotifyAddon(): { addon: Addon | null; why: string } {
  if (loaded) return loaded;
  if (process.env.LOGPIPE_NATIVE_INOTIFY === '0') return (loaded = { addon: null, why: 'LOGPIPE_NATIVE_INOTIFY=0' });
  if (process.platform !== 'linux') return (loaded = { addon: null, why: `inotify is Linux only (this is ${process.platform})` });
  try {
    // src/collector/ and dist/collector/ both sit two levels below the package root.
    const addon = createRequire(import.meta.url)('../../build/Release/logpipe_inotify.node') as Addon;
    loaded = { addon, why: '' };
  } catch (err) {
    loaded = { addon: null, why: `the native addon did not load (${(err as Error).message.split('\n')[0]}; run "npm rebuild" or "npx node-gyp rebuild" where the package is installed)` };
  }
  return loaded;
}

/**
 * One inotify descriptor: directories watched for names, files (by open descriptor) for their
 * next write. Not kept alive by its watches (like fs.watch with persistent: false).
 */
export class Inotify {
  readonly #addon: Addon;
  readonly #handle: unknown;
  readonly #dirs = new Map<number, string>();
  readonly #dirWds = new Map<string, number>();
  readonly #writes = new Map<number, Set<() => void>>();
  readonly #dirMask: number;
  readonly #writeMask: number;
  readonly #onDirEvent: (dir: string, name: string | null) => void;
  #closed = false;
  /** Why the last armWrite failed ('' if it has not). */
  armError = '';
  /** Events the kernel handed over (every kind, for every watch). */
  eventsRead = 0;

  constructor(addon: Addon, onDirEvent: (dir: string, name: string | null) => void) {
    this.#addon = addon;
    this.#onDirEvent = onDirEvent;
    const a = addon;
    this.#dirMask = a.IN_CREATE | a.IN_DELETE | a.IN_MOVED_FROM | a.IN_MOVED_TO | a.IN_DELETE_SELF | a.IN_MOVE_SELF | a.IN_ONLYDIR;
    this.#writeMask = a.IN_MODIFY | a.IN_ONESHOT;
    this.#handle = addon.open((events) => this.#onEvents(events));
  }

  /** Watches a directory for files created, deleted and renamed in it. Throws (ENOENT, ENOSPC…) if it cannot. */
  watchDir(dir: string): void {
    if (this.#dirWds.has(dir)) return;
    const wd = this.#addon.add(this.#handle, dir, this.#dirMask);
    this.#dirs.set(wd, dir);
    this.#dirWds.set(dir, wd);
  }

  /** Stops watching a directory. */
  unwatchDir(dir: string): void {
    const wd = this.#dirWds.get(dir);
    if (wd === undefined) return;
    this.#dirWds.delete(dir);
    this.#dirs.delete(wd);
    if (!this.#closed) this.#addon.rm(this.#handle, wd);
  }

  /** Whether a directory is watched. */
  watchesDir(dir: string): boolean {
    return this.#dirWds.has(dir);
  }

  /**
   * Calls `onWrite` once, at the next write (or truncation) of the file open as `fd` — its inode,
   * whatever its name is now or becomes. Returns the watch to disarm, or -1 if it could not be
   * set up (the poll covers the file then).
   */
  armWrite(fd: number, onWrite: () => void): number {
    if (this.#closed) return -1;
    let wd: number;
    try {
      wd = this.#addon.add(this.#handle, `/proc/self/fd/${fd}`, this.#writeMask);
    } catch (err) {
      this.armError = (err as Error).message;
      return -1;
    }
    let set = this.#writes.get(wd);
    if (!set) this.#writes.set(wd, (set = new Set()));
    set.add(onWrite);
    return wd;
  }

  /** Drops a write watch set up by armWrite (harmless if it fired already). */
  disarmWrite(wd: number, onWrite: () => void): void {
    const set = this.#writes.get(wd);
    if (!set || !set.delete(onWrite) || set.size > 0) return;
    this.#writes.delete(wd);
    if (!this.#closed) this.#addon.rm(this.#handle, wd);
  }

  /** Ends every watch. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#addon.close(this.#handle);
    this.#dirs.clear();
    this.#dirWds.clear();
    this.#writes.clear();
  }

  #onEvents(events: (number | string | null)[]): void {
    if (this.#closed) return;
    const a = this.#addon;
    this.eventsRead += events.length / 4;
    for (let i = 0; i < events.length; i += 4) {
      const wd = events[i] as number;
      const mask = events[i + 1] as number;
      const name = events[i + 3] as string | null;
      if (mask & a.IN_Q_OVERFLOW) {
        // Events were dropped: every directory and every armed file may have changed.
        for (const dir of [...this.#dirs.values()]) this.#onDirEvent(dir, null);
        const all = [...this.#writes.values()];
        this.#writes.clear();
        for (const set of all) for (const cb of set) cb();
        continue;
      }
      const writers = this.#writes.get(wd);
      if (writers) {
        // One-shot: the kernel dropped the watch with this event (IN_IGNORED follows).
        this.#writes.delete(wd);
        if (mask & a.IN_MODIFY) for (const cb of writers) cb();
        continue;
      }
      const dir = this.#dirs.get(wd);
      if (dir === undefined) continue;
      if (mask & a.IN_IGNORED) {
        // The directory went (deleted, moved, unmounted): a scan sets up a watch again if it is back.
        this.#dirs.delete(wd);
        if (this.#dirWds.get(dir) === wd) this.#dirWds.delete(dir);
        this.#onDirEvent(dir, null);
        continue;
      }
      this.#onDirEvent(dir, mask & (a.IN_DELETE_SELF | a.IN_MOVE_SELF) ? null : name);
    }
  }
}
