// Histogram bucket layout, shared by every store so that they agree bucket for bucket.
//
// Buckets are aligned to multiples of the step (counted from the epoch, UTC) rather than to
// the requested `from`: a dashboard that asks for "the last hour" every few seconds then gets
// stable buckets, and — what makes histograms cheap — steps of whole minutes line up with the
// per-minute rollup, so only the two partial minutes at the edges of the range need rows
// counted. Steps of more than an hour are whole hours, so long ranges read the hourly
// rollup. Counts still only include rows inside [from, to).

import { LEVELS, levelFromCode, type Level } from '../../shared/levels.js';
import type { HistogramResult } from './store.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

// Steps below a minute: "nice" divisors of a minute so the buckets still tile minutes.
const SUB_MINUTE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 20_000, 30_000];

/** Where the buckets of a histogram start and how wide they are. */
export interface BucketLayout {
  /** Start of the first bucket (<= the requested from, a multiple of step). */
  start: number;
  step: number;
  count: number;
}

/**
 * Chooses the bucket step (at least (to - from) / buckets: a divisor of a minute, a whole
 * number of minutes up to an hour, or a whole number of hours) and aligns the first bucket; yields at most buckets + 1 buckets.
 */
export function layoutBuckets(from: number, to: number, buckets: number): BucketLayout {
  const span = Math.max(1, to - from);
  const n = Math.max(1, Math.floor(buckets));
  const raw = Math.ceil(span / n);
  let step: number;
  if (raw <= MINUTE_MS) step = SUB_MINUTE_STEPS.find((s) => s >= raw) ?? MINUTE_MS;
  else if (raw <= HOUR_MS) step = Math.ceil(raw / MINUTE_MS) * MINUTE_MS;
  else step = Math.ceil(raw / HOUR_MS) * HOUR_MS;
  const start = Math.floor(from / step) * step;
  const count = Math.max(1, Math.ceil((Math.max(to, from + 1) - start) / step));
  return { start, step, count };
}

/** Zeroed counts for every level and bucket of a histogram, and how to add rows to them. */
export function emptyHistogram(hq: { from: number; to: number; buckets: number }): { result: HistogramResult; layout: BucketLayout; add: (bucket: number, levelCode: number, n: number) => void } {
  const layout = layoutBuckets(hq.from, hq.to, hq.buckets);
  const { start, step, count } = layout;
  const counts = {} as Record<Level, number[]>;
  for (const l of LEVELS) counts[l] = new Array<number>(count).fill(0);
  return {
    result: { from: start, to: start + count * step, step, counts },
    layout,
    add(bucket, levelCode, n) {
      if (bucket >= 0 && bucket < count) counts[levelFromCode(levelCode)][bucket] += n;
    },
  };
}

/** One piece of a histogram's range: whole rollup units [lo, hi) of `ms` each, or rows in [a, b) added with `sign`. */
export type RangePiece = { kind: 'units'; ms: number; lo: number; hi: number } | { kind: 'rows'; a: number; b: number; sign: 1 | -1 };

/**
 * Splits [from, to) into what a store counts it from (every store follows this plan, so they
 * agree and only speak their own SQL): whole hours from the hourly rollup, whole minutes from
 * the per-minute one, and the partial minutes left at the edges from rows. `units` are the
 * rollup units usable for this histogram, largest first (a unit is usable only when the step
 * is a multiple of it, so each unit lies in exactly one bucket; none when the filter is one
 * the rollups cannot answer). A partial minute at an edge that covers more than half of its
 * minute is cheaper as "the whole minute minus the rows of the other part": at most half a
 * minute of rows is counted at each edge, and both parts lie in the same bucket.
 * The signed pieces add up to [from, to) exactly once (histogram-plan tests check it).
 */
export function splitRange(from: number, to: number, units: number[]): RangePiece[] {
  const out: RangePiece[] = [];
  const rows = (a: number, b: number, sign: 1 | -1 = 1): void => {
    if (b > a) out.push({ kind: 'rows', a, b, sign });
  };
  const partial = (a: number, b: number, last: boolean): void => {
    const u = units[units.length - 1];
    if (!last || u !== MINUTE_MS || (b - a) * 2 <= MINUTE_MS) return rows(a, b);
    const m = Math.floor(a / MINUTE_MS);
    if (a === m * MINUTE_MS && b < (m + 1) * MINUTE_MS) {
      out.push({ kind: 'units', ms: u, lo: m, hi: m + 1 });
      rows(b, (m + 1) * MINUTE_MS, -1);
    } else if (b === (m + 1) * MINUTE_MS && a > m * MINUTE_MS) {
      out.push({ kind: 'units', ms: u, lo: m, hi: m + 1 });
      rows(m * MINUTE_MS, a, -1);
    } else rows(a, b);
  };
  const range = (a: number, b: number, level: number): void => {
    if (!(b > a)) return;
    const ms = units[level];
    if (ms === undefined) return partial(a, b, level > 0);
    const lo = Math.ceil(a / ms);
    const hi = Math.floor(b / ms);
    if (lo >= hi) {
      // No whole unit inside: split at the unit boundary (if any) so each piece is an edge.
      const mid = lo * ms;
      if (mid > a && mid < b) {
        range(a, mid, level + 1);
        range(mid, b, level + 1);
      } else range(a, b, level + 1);
      return;
    }
    out.push({ kind: 'units', ms, lo, hi });
    range(a, lo * ms, level + 1);
    range(hi * ms, b, level + 1);
  };
  range(from, to, 0);
  return out;
}

/** The rollup units (ms, largest first) a histogram of this step may read. */
export function rollupUnits(step: number, usable: boolean): number[] {
  return usable ? [HOUR_MS, MINUTE_MS].filter((ms) => step % ms === 0) : [];
}
