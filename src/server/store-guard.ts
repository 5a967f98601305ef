// Refuses writes once the SQLite file the server opened is no longer the file at its path.
//
// Why: SQLite keeps its file descriptors, so after `rm -rf data/` (or the file being replaced)
// every insert still "succeeds" into an unlinked inode that vanishes when the process exits.
// The server would acknowledge records it is about to lose. Checking the path before each
// commit (one stat, a few microseconds per batch) turns that into a 503 with a sentence
// saying what happened, so shippers keep their data and retry until an operator restarts.
import { statSync } from 'node:fs';
import { LogpipeError } from '../shared/errors.js';
import type { Store } from './storage/store.js';

/** Identity of the database file the store opened, and a check that it is still at its path. */
export class StoreFileGuard {
  readonly #file: string;
  readonly #dev: number;
  readonly #ino: number;

  constructor(file: string) {
    const st = statSync(file);
    this.#file = file;
    this.#dev = st.dev;
    this.#ino = st.ino;
  }

  /** Why writes must stop, or undefined while the file is still the one we opened. */
  problem(): string | undefined {
    try {
      const st = statSync(this.#file);
      if (st.dev === this.#dev && st.ino === this.#ino) return undefined;
      return `The database file "${this.#file}" was replaced by another file while the server was running`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? `The database file "${this.#file}" (or its data directory) was removed while the server was running`
        : `The database file "${this.#file}" cannot be checked (${code ?? (err as Error).message})`;
    }
  }

  /** Throws a 503 naming the problem when writes must stop. */
  assertWritable(): void {
    const why = this.problem();
    if (why) throw new LogpipeError('LP_ERR_STORE_UNAVAILABLE', `${why}; nothing from this batch was stored. Restart the server to open a database again.`, { file: this.#file }, 30);
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
