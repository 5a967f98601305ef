// Time ranges of the view: a quick range relative to now ("last 15 minutes", follows the live
// tail) or a fixed absolute range (custom input or a drag on the histogram).

/** A quick range key and its length in ms; `all` has no lower bound. */
export const QUICK_RANGES = [
  { key: '5m', label: 'Last 5 minutes', ms: 5 * 60_000 },
  { key: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { key: '1h', label: 'Last hour', ms: 3_600_000 },
  { key: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { key: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { key: 'all', label: 'All time', ms: Infinity },
] as const;

export type QuickKey = (typeof QUICK_RANGES)[number]['key'];

/** The range a view shows: relative to now (live) or fixed. */
export type TimeRange = { kind: 'quick'; key: QuickKey } | { kind: 'absolute'; from: number; to: number };

export const DEFAULT_RANGE: TimeRange = { kind: 'quick', key: '1h' };

export function isQuickKey(x: string): x is QuickKey {
  return QUICK_RANGES.some((r) => r.key === x);
}

/**
 * How far past "now" a live range reaches: lines stamped a little ahead (a collector whose clock
 * runs fast) still belong to "the last hour". The list and the histogram use the same bound.
 */
export const LIVE_AHEAD_MS = 10_000;

/**
 * Resolves a range at time `now` into query bounds (from inclusive, to exclusive); `from` is
 * undefined for "all time". The list, the level counts and the histogram all use these bounds,
 * so that they describe the same lines.
 */
export function resolveRange(range: TimeRange, now: number): { from?: number; to?: number } {
  if (range.kind === 'absolute') return { from: range.from, to: range.to };
  const q = QUICK_RANGES.find((r) => r.key === range.key)!;
  return Number.isFinite(q.ms) ? { from: now - q.ms, to: now + LIVE_AHEAD_MS } : { to: now + LIVE_AHEAD_MS };
}

/** True when the range ends at "now", so live lines belong to it. */
export function isLiveRange(range: TimeRange): boolean {
  return range.kind === 'quick';
}

/** Words for a range, for buttons and empty states ("in the last hour"). */
export function describeRange(range: TimeRange): string {
  if (range.kind === 'quick') return QUICK_RANGES.find((r) => r.key === range.key)!.label;
  return `${formatInstant(range.from)} – ${formatInstant(range.to)}`;
}

/**
 * The range as the end of a sentence ("No lines yet …"): "in the last hour", "at any time",
 * "between 2026-11-28 04:00:00 – 2026-11-28 05:00:00".
 */
export function rangePhrase(range: TimeRange): string {
  if (range.kind !== 'quick') return `between ${describeRange(range)}`;
  if (range.key === 'all') return 'at any time';
  return `in ${describeRange(range).replace(/^Last/, 'the last').toLowerCase()}`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Local date and time to the second, e.g. "2026-11-28 04:12:09". */
export function formatInstant(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Value for an <input type="datetime-local"> in local time, to the second. */
export function toDatetimeLocal(ms: number): string {
  return formatInstant(ms).replace(' ', 'T');
}

/** Parses an <input type="datetime-local"> value (local time); NaN when empty or invalid. */
export function fromDatetimeLocal(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, ms] = m;
  return new Date(+y, +mo - 1, +d, +h, +mi, +(s ?? 0), +(ms ?? 0)).getTime();
}

/**
 * Histogram bounds for a range at time `now`: exactly the bounds of resolveRange (the server
 * counts only lines inside them, even where its buckets are aligned wider), with "all time"
 * starting at the oldest matching line. `step` is the width of about `buckets` buckets.
 */
export function histogramBounds(range: TimeRange, now: number, buckets: number, oldest?: number): { from: number; to: number; step: number } {
  const r = resolveRange(range, now);
  const to = r.to ?? now + LIVE_AHEAD_MS;
  const from = r.from ?? Math.min(oldest ?? now - 3_600_000, now - 60_000);
  return { from, to, step: Math.max(1, (to - from) / buckets) };
}

/**
 * The range twice as long around the same centre (a fixed range), or the next longer quick
 * range (a live one, which stays live); null when there is nothing wider.
 */
export function zoomOut(range: TimeRange): TimeRange | null {
  if (range.kind === 'absolute') {
    const span = range.to - range.from;
    const centre = range.from + span / 2;
    return { kind: 'absolute', from: Math.floor(centre - span), to: Math.ceil(centre + span) };
  }
  const i = QUICK_RANGES.findIndex((r) => r.key === range.key);
  return i + 1 < QUICK_RANGES.length ? { kind: 'quick', key: QUICK_RANGES[i + 1].key } : null;
}
