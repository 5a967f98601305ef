// Finds the files to tail: literal paths (which may not exist yet) and globs (picomatch),
// re-scanned on directory events (fs.watch) and every poll interval, so files created later
// are picked up and a stat poll still works where inotify does not (NFS, some containers).
import { statSync, watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import picomatch from 'picomatch';

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

/** Watches directories and calls back on file events; tolerates directories that vanish. */
export class DirWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  /** Directories whose watch is closed on purpose while they are polled (see Collector). */
  readonly #paused = new Set<string>();
  readonly #onEvent: (dir: string, name: string | null, kind: string) => void;
  readonly #max: number;

  constructor(onEvent: (dir: string, name: string | null, kind: string) => void, max = 512) {
    this.#onEvent = onEvent;
    this.#max = max;
  }

  /** Watches each directory not watched yet; failures fall back to polling silently. */
  watchAll(dirs: string[]): void {
    for (const dir of dirs) {
      if (this.#watchers.has(dir) || this.#paused.has(dir) || this.#watchers.size >= this.#max) continue;
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
   * Closes a directory's watch until resume(): its events (one wake-up of the process per write
   * of a busy file) stop, and the caller polls the directory instead.
   */
  pause(dir: string): void {
    this.#paused.add(dir);
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
  }

  /** Watches a paused directory again (events from now on; the caller looks once more after). */
  resume(dir: string): void {
    if (this.#paused.delete(dir)) this.watchAll([dir]);
  }

  /** Whether a directory is watched, or paused on purpose (polled by the caller). */
  covers(dir: string): boolean {
    return this.#watchers.has(dir) || this.#paused.has(dir);
  }

  /** Stops every watch. */
  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    this.#paused.clear();
  }
}
