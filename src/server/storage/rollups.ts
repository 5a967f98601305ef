// What a batch of rows adds to (or removes from) the rollups every store keeps: counts per
// (minute, level, source), per (hour, level, source) and per (level, source), with the id range
// and the newest timestamp. Dialect-free: each store writes these with its own upserts.
import { MINUTE_MS } from './buckets.js';

/** One rollup row: `unit` is a minute number (ts / 60,000) or an hour number (minute / 60). */
export interface RollupAgg {
  unit: number;
  level: number;
  source: string;
  n: number;
  minId: number;
  maxId: number;
}

/** One totals row (per level and source), with the newest timestamp seen. */
export interface TotalsAgg extends RollupAgg {
  lastSeen: number;
}

interface PerSource {
  source: string;
  /** minute * 8 + level code (codes are below 8) -> aggregate */
  minutes: Map<number, RollupAgg>;
  lastSeen: number;
}

/**
 * Aggregates rows as they are added. A batch from the collector is one source, so the last
 * source is remembered and most rows cost one map update.
 */
export class RollupBatch {
  #bySource = new Map<string, PerSource>();
  #last: PerSource | undefined;
  rows = 0;

  add(ts: number, level: number, source: string, id: number): void {
    let s = this.#last;
    if (s === undefined || s.source !== source) {
      s = this.#bySource.get(source);
      if (!s) this.#bySource.set(source, (s = { source, minutes: new Map(), lastSeen: ts }));
      this.#last = s;
    }
    if (ts > s.lastSeen) s.lastSeen = ts;
    const minute = Math.floor(ts / MINUTE_MS);
    const key = minute * 8 + level;
    const a = s.minutes.get(key);
    if (a) {
      a.n++;
      if (id < a.minId) a.minId = id;
      if (id > a.maxId) a.maxId = id;
    } else s.minutes.set(key, { unit: minute, level, source, n: 1, minId: id, maxId: id });
    this.rows++;
  }

  /** Adds `n` rows of one minute at once (rows already grouped, e.g. by SQL). */
  addGroup(minute: number, level: number, source: string, n: number, minId: number, maxId: number): void {
    let s = this.#bySource.get(source);
    if (!s) this.#bySource.set(source, (s = { source, minutes: new Map(), lastSeen: minute * MINUTE_MS }));
    const key = minute * 8 + level;
    const a = s.minutes.get(key);
    if (a) {
      a.n += n;
      a.minId = Math.min(a.minId, minId);
      a.maxId = Math.max(a.maxId, maxId);
    } else s.minutes.set(key, { unit: minute, level, source, n, minId, maxId });
    this.rows += n;
  }

  minutes(): RollupAgg[] {
    const out: RollupAgg[] = [];
    for (const s of this.#bySource.values()) out.push(...s.minutes.values());
    return out;
  }

  hours(): RollupAgg[] {
    return this.#fold((a) => Math.floor(a.unit / 60));
  }

  totals(): TotalsAgg[] {
    const out: TotalsAgg[] = [];
    for (const s of this.#bySource.values()) {
      const lastSeen = s.lastSeen;
      for (const a of this.#foldSource(s, () => 0)) out.push({ ...a, lastSeen });
    }
    return out;
  }

  #fold(unitOf: (a: RollupAgg) => number): RollupAgg[] {
    const out: RollupAgg[] = [];
    for (const s of this.#bySource.values()) out.push(...this.#foldSource(s, unitOf));
    return out;
  }

  #foldSource(s: PerSource, unitOf: (a: RollupAgg) => number): RollupAgg[] {
    const into = new Map<number, RollupAgg>();
    for (const a of s.minutes.values()) {
      const unit = unitOf(a);
      const key = unit * 8 + a.level;
      const t = into.get(key);
      if (t) {
        t.n += a.n;
        t.minId = Math.min(t.minId, a.minId);
        t.maxId = Math.max(t.maxId, a.maxId);
      } else into.set(key, { ...a, unit });
    }
    return [...into.values()];
  }
}
