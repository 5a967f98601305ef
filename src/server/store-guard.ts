// Refuses writes once the SQLite file the server opened (or its WAL) is no longer the file at its path.
//
// Why: SQLite keeps its file descriptors, so after `rm -rf data/` (or the file being replaced)
// every insert still "succeeds" into an unlinked inode that vanishes when the process exits.
// The server would acknowledge records it is about to lose. Checking the path before each
// commit (one stat, a few microseconds per batch) turns that into a 503 with a sentence
// saying what happened, so shippers keep their data and retry until an operator restarts.
import { statSync } from 'node:fs';
import { LogpipeError } from '../shared/errors.js';
import type { Store } from './storage/store.js';

interface FileId {
  dev: number;
  ino: number;
}

/**
 * Identity of the database file the store opened and of its write-ahead log, and a check that
 * both are still at their paths.
 *
 * The WAL matters as much as the database: in WAL mode a commit is durable once it is in
 * `<file>-wal`, and stays there until a checkpoint copies it into the database. If the WAL is
 * deleted (or replaced) while the server runs, SQLite keeps appending to the unlinked inode,
 * every commit since the last checkpoint lives only there, and a crash loses all of them. So:
 *   1. before each commit, stat both paths; a missing or different WAL is a problem like a
 *      missing database (503, nothing more acknowledged);
 *   2. the first time the WAL is found gone, `rescue` (a checkpoint) copies what the unlinked
 *      WAL holds into the database file, which is still ours: the records acknowledged before
 *      the deletion survive a crash.
 */
export class StoreFileGuard {
  readonly #file: string;
  readonly #wal: string;
  readonly #db: FileId;
  /** The WAL's identity once seen (SQLite creates it on first use, so it may be learnt later). */
  #walId: FileId | undefined;
  readonly #rescue: (() => void) | undefined;
  #rescued = false;

  /** `rescue` runs once when the WAL is found gone or replaced (the SQLite store checkpoints). */
  constructor(file: string, rescue?: () => void) {
    const st = statSync(file);
    this.#file = file;
    this.#wal = `${file}-wal`;
    this.#db = { dev: st.dev, ino: st.ino };
    this.#walId = identify(this.#wal);
    this.#rescue = rescue;
  }

  /** Why writes must stop, or undefined while the files are still the ones we opened. */
  problem(): string | undefined {
    let st;
    try {
      st = statSync(this.#file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? `The database file "${this.#file}" (or its data directory) was removed while the server was running`
        : `The database file "${this.#file}" cannot be checked (${code ?? (err as Error).message})`;
    }
    if (st.dev !== this.#db.dev || st.ino !== this.#db.ino) return `The database file "${this.#file}" was replaced by another file while the server was running`;
    return this.#walProblem();
  }

  #walProblem(): string | undefined {
    let now: FileId | undefined;
    try {
      now = identify(this.#wal);
    } catch (err) {
      return `The write-ahead log "${this.#wal}" cannot be checked (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    if (!this.#walId) {
      // Not seen yet: the first sighting is the WAL SQLite made.
      this.#walId = now;
      return undefined;
    }
    if (now && now.dev === this.#walId.dev && now.ino === this.#walId.ino) return undefined;
    this.#rescueOnce();
    return now
      ? `The write-ahead log "${this.#wal}" was replaced by another file while the server was running`
      : `The write-ahead log "${this.#wal}" was removed while the server was running`;
  }

  #rescueOnce(): void {
    if (this.#rescued || !this.#rescue) return;
    this.#rescued = true;
    try {
      this.#rescue();
    } catch {
      // Best effort: the database file may be gone too; writes are refused either way.
    }
  }

  /** Throws a 503 naming the problem when writes must stop. */
  assertWritable(): void {
    const why = this.problem();
    if (why) throw new LogpipeError('LP_ERR_STORE_UNAVAILABLE', `${why}; nothing from this batch was stored. Restart the server to open a database again.`, { file: this.#file }, 30);
  }
}

/** dev/ino of a path, undefined when nothing is there; other errors are thrown. */
function identify(path: string): FileId | undefined {
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Wraps a store so every insert first checks the guard; everything else passes through. */
export function guardStore(store: Store, guard: StoreFileGuard): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insert') {
        return (...args: Parameters<Store['insert']>) => {
          guard.assertWritable();
          return target.insert(...args);
        };
      }
      const v = Reflect.get(target, prop, target);
      // Methods use #private fields: they must run with the real store as `this`.
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
