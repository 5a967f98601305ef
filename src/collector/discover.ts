// Finds the files to tail: literal paths (which may not exist yet) and globs (picomatch),
// re-scanned on directory events (inotify) and every poll interval, so files created later
// are picked up and a stat poll still works where inotify does not (NFS, some containers).
import { statSync, watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { Inotify, inotifyAddon } from './inotify.js';

/** One command-line pattern, split into where to look and what to match. */
export interface Pattern {
  raw: string;
  /** Absolute directory that contains every match. */
  base: string;
  /** null for a literal path. */
  match: ((path: string) => boolean) | null;
  /** How deep below base matches can be (Infinity for "**"). */
  depth: number;
}

const GLOB_CHARS = /[*?[\]{}()!]/;

/** Parses a path or glob relative to cwd. */
export function parsePattern(raw: string, cwd = process.cwd()): Pattern {
  const abs = isAbsolute(raw) ? raw : resolve(cwd, raw);
  if (!GLOB_CHARS.test(abs)) return { raw, base: dirname(abs), match: null, depth: 1 };
  const parts = abs.split(sep);
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstGlob).join(sep) || sep;
  const rest = parts.slice(firstGlob);
  const depth = rest.some((p) => p.includes('**')) ? Infinity : rest.length;
  return { raw, base, match: picomatch(abs, { dot: true }), depth };
}

/** Lists the existing files that match the patterns, and the directories worth watching. */
export async function expandPatterns(patterns: Pattern[]): Promise<{ files: string[]; dirs: string[] }> {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const p of patterns) {
    if (!p.match) {
      dirs.add(p.base);
      const path = join(p.base, basename(p.raw));
      try {
        // Synchronous: one stat from the inode cache per poll, cheaper than a thread-pool trip.
        if (statSync(path).isFile()) files.add(path);
      } catch {
        // Not there yet: the directory watch and the poll will notice it.
      }
      continue;
    }
    await walk(p.base, p.depth, p.match, files, dirs);
  }
  return { files: [...files].sort(), dirs: [...dirs] };
}

async function walk(dir: string, depth: number, match: (p: string) => boolean, files: Set<string>, dirs: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  dirs.add(dir);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth > 1) await walk(path, depth - 1, match, files, dirs);
    } else if ((e.isFile() || e.isSymbolicLink()) && match(path)) files.add(path);
  }
}

/**
 * Watches directories and calls back on file events; tolerates directories that vanish.
 *
 * With the native inotify (inotify.ts) directories report names only (create, delete,
 * rename), and a file's writes are asked for one at a time (armWrite); with fs.watch (no
 * addon) every write of every file in a watched directory is an event.
 */
export class DirWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #native: Inotify | null;
  readonly #onEvent: (dir: string, name: string | null, kind: string) => void;
  readonly #max: number;
  /** Why the native inotify is not used ('' when it is). */
  readonly fallbackWhy: string;

  constructor(onEvent: (dir: string, name: string | null, kind: string) => void, max = 512, native = inotifyAddon()) {
    this.#onEvent = onEvent;
    this.#max = max;
    this.#native = native.addon ? new Inotify(native.addon, (dir, name) => onEvent(dir, name, 'rename')) : null;
    this.fallbackWhy = native.addon ? '' : native.why;
  }

  /** Whether a file's writes come from armWrite (native inotify) rather than its directory's events. */
  get perFileWrites(): boolean {
    return this.#native !== null;
  }

  /** Watches each directory not watched yet; failures fall back to polling silently. */
  watchAll(dirs: string[]): void {
    for (const dir of dirs) {
      if (this.#native) {
        if (this.#native.watchesDir(dir)) continue;
        try {
          this.#native.watchDir(dir);
        } catch {
          // ENOENT, ENOSPC (inotify limit), ENOTDIR: the poll covers it.
        }
        continue;
      }
      if (this.#watchers.has(dir) || this.#watchers.size >= this.#max) continue;
      try {
        const w = watch(dir, { persistent: false }, (kind, name) => this.#onEvent(dir, name ? String(name) : null, kind));
        w.on('error', () => {
          w.close();
          this.#watchers.delete(dir);
        });
        this.#watchers.set(dir, w);
      } catch {
        // ENOENT, ENOSPC (inotify limit) or unsupported: the poll covers it.
      }
    }
  }

  /**
   * Native inotify only: `onWrite` once, at the next write to the file open as `fd`. Returns
   * the watch (for disarmWrite), or -1: not armed (fs.watch, or the watch could not be set up),
   * the directory's events or the poll tell instead.
   */
  armWrite(fd: number, onWrite: () => void): number {
    return this.#native ? this.#native.armWrite(fd, onWrite) : -1;
  }

  /** Why the last armWrite failed ('' if none did). */
  get armError(): string {
    return this.#native?.armError ?? '';
  }

  /** Drops a watch armWrite set up (harmless if it fired already). */
  disarmWrite(wd: number, onWrite: () => void): void {
    this.#native?.disarmWrite(wd, onWrite);
  }

  /** Whether a directory is watched. */
  covers(dir: string): boolean {
    return this.#native ? this.#native.watchesDir(dir) : this.#watchers.has(dir);
  }

  /** Stops every watch. */
  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    this.#native?.close();
  }
}
