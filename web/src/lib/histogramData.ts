// Shapes histogram responses for drawing: stacked (cumulative) series in level order, and
// live updates that add arriving records to their buckets between fetches.
import { LEVELS, type Level } from '../../../src/shared/levels.js';
import type { HistogramResponse } from '../../../src/shared/api.js';
import type { LogRecord } from '../../../src/shared/record.js';

/**
 * Makes a response self-consistent: one bucket start per count, derived from `from` and `step`
 * (the server aligns buckets to its step, so their number can differ from the number asked for).
 */
export interface HistogramData extends HistogramResponse {
  /** The bounds that were asked for (the list's): the chart's axis and what counts include. */
  view: { from: number; to: number };
}

export function normalizeHistogram(h: HistogramResponse, view?: { from: number; to: number }): HistogramData {
  const n = Math.max(0, ...LEVELS.map((l) => h.counts[l]?.length ?? 0));
  const counts = {} as Record<Level, number[]>;
  for (const l of LEVELS) {
    const c = h.counts[l] ?? [];
    counts[l] = c.length === n ? c : Array.from({ length: n }, (_, i) => c[i] ?? 0);
  }
  const buckets = Array.from({ length: n }, (_, i) => h.from + i * h.step);
  const to = Math.max(h.to, h.from + n * h.step);
  return { ...h, buckets, counts, to, view: view ?? { from: h.from, to } };
}

/** Levels from the bottom of the stack to the top: the severe ones sit on the baseline. */
export const STACK_ORDER: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'];

/**
 * Cumulative series for a stacked bar chart: result[i] is the sum of the shown levels
 * STACK_ORDER[0..i] per bucket (hidden levels add nothing), so drawing the series from the
 * last to the first shows a stack.
 */
export function stackSeries(h: HistogramResponse, shown: readonly Level[]): number[][] {
  const n = h.buckets.length;
  const acc = new Array<number>(n).fill(0);
  return STACK_ORDER.map((level) => {
    const counts = h.counts[level];
    if (shown.includes(level) && counts) for (let i = 0; i < n; i++) acc[i] += counts[i] ?? 0;
    return acc.slice();
  });
}

/** Most buckets a live histogram grows by between two fetches. */
const MAX_GROWTH = 60;

/**
 * Adds live records to the buckets they fall in. Records before the view are ignored; with
 * `extend` (a live range, whose list takes every new line) records past its end stretch the
 * view and add buckets, so the counts go on describing the lines the list holds.
 */
export function addRecords(h: HistogramData, records: LogRecord[], opts: { extend?: boolean } = {}): HistogramData {
  if (!records.length || !h.buckets.length || h.step <= 0) return h;
  const counts = { ...h.counts } as Record<Level, number[]>;
  const totals = { ...h.totals } as Record<Level, number>;
  const copied = new Set<Level>();
  let n = h.buckets.length;
  let viewTo = h.view.to;
  let changed = false;
  for (const r of records) {
    if (r.ts < h.view.from) continue;
    if (r.ts >= viewTo) {
      if (!opts.extend) continue;
      const need = Math.floor((r.ts - h.from) / h.step) + 1;
      if (need > h.buckets.length + MAX_GROWTH) continue;
      if (need > n) n = need;
      viewTo = r.ts + 1;
    }
    const i = Math.floor((r.ts - h.from) / h.step);
    if (!copied.has(r.level)) {
      counts[r.level] = (counts[r.level] ?? new Array(h.buckets.length).fill(0)).slice();
      copied.add(r.level);
    }
    counts[r.level][i] = (counts[r.level][i] ?? 0) + 1;
    totals[r.level] = (totals[r.level] ?? 0) + 1;
    changed = true;
  }
  if (!changed) return h;
  if (n === h.buckets.length) return { ...h, counts, totals, view: { from: h.view.from, to: viewTo } };
  for (const l of Object.keys(counts) as Level[]) {
    const c = copied.has(l) ? counts[l] : counts[l].slice();
    for (let i = 0; i < n; i++) c[i] = c[i] ?? 0;
    counts[l] = c;
  }
  const buckets = Array.from({ length: n }, (_, i) => h.from + i * h.step);
  return { ...h, buckets, counts, totals, to: h.from + n * h.step, view: { from: h.view.from, to: viewTo } };
}

/**
 * The bucket that holds time `t`, for the chart's hover text: its index and the time its label
 * shows. Buckets start at `first` and are `step` wide; the server aligns them to the step, so
 * the first one can begin before the range does, and it is labelled with the range's start
 * (`from`) instead: no label shows a time the range leaves out. Null outside the buckets.
 */
export function findBucket(first: number, step: number, count: number, from: number, t: number): { index: number; start: number } | null {
  if (!(step > 0) || count <= 0 || !Number.isFinite(t) || t < from) return null;
  const index = Math.floor((t - first) / step);
  if (index < 0 || index >= count) return null;
  return { index, start: Math.max(first + index * step, from) };
}

/** Total lines per level, all levels present (0 when missing). */
export function levelTotals(h: HistogramResponse | null): Record<Level, number> | null {
  if (!h) return null;
  return Object.fromEntries(LEVELS.map((l) => [l, h.totals?.[l] ?? (h.counts[l] ?? []).reduce((a, b) => a + b, 0)])) as Record<Level, number>;
}
