// The window of lines the list holds: a contiguous slice of the matching records in event-time
// order (ts, ties by id — the API's order), oldest first, bounded in size. Older pages prepend
// at the top; live lines usually append at the bottom, but a line that arrives late (its ts
// older than lines already held) is inserted at its place in time, and marked as late when it
// lands above lines already on screen. Lines the live tail skipped are not rows: the window
// only records that they are missing (see useLogs), so that the notice sits in the header where
// a user following the tail sees it. Pure functions; every update returns a new window.
import type { LogRecord } from '../../../src/shared/record.js';

/** A record as the list holds it: `late` when it arrived after newer lines were on screen. */
export type ListItem = LogRecord & { late?: true };

/** The records on screen, plus what lies beyond each end. */
export interface LogWindow {
  items: ListItem[];
  /** There may be older matching records than the first item (fetch them on scroll-back). */
  hasOlder: boolean;
  /** The last item is the newest matching record; when false, newer ones were left out. */
  atHead: boolean;
  /** Live lines left out because the window was full and the user was not following. */
  droppedNewer: number;
  /** The largest id seen (held, trimmed or left out): live records at or below it are checked for repeats. */
  maxId: number;
}

export const EMPTY_WINDOW: LogWindow = { items: [], hasOlder: false, atHead: true, droppedNewer: 0, maxId: 0 };

/** A line that is older than the newest line held by more than this is marked as late. */
export const LATE_MS = 5_000;

/** Event-time order: by ts, ties by id. */
export function compareRecords(a: LogRecord, b: LogRecord): number {
  return a.ts - b.ts || a.id - b.id;
}

/** Stable key of a list item, for the virtualiser's size cache. */
export function itemKey(item: ListItem): number {
  return item.id;
}

/** Id of the newest record accounted for: the live tail resumes after it. */
export function lastKnownId(w: LogWindow): number {
  return w.maxId;
}

/** Id of the oldest record held (first in time), or undefined for an empty window. */
export function oldestId(w: LogWindow): number | undefined {
  return w.items[0]?.id;
}

function maxIdOf(rs: readonly LogRecord[], start = 0): number {
  let m = start;
  for (const r of rs) if (r.id > m) m = r.id;
  return m;
}

/** A window made from the newest page of a query (the API returns it newest first). */
export function windowFromNewestPage(page: LogRecord[], hasMore: boolean): LogWindow {
  return { items: [...page].sort(compareRecords), hasOlder: hasMore, atHead: true, droppedNewer: 0, maxId: maxIdOf(page) };
}

/** Index of the first item that sorts after `r` (binary search). */
function insertionIndex(items: readonly ListItem[], r: LogRecord): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareRecords(items[mid], r) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Adds live records. A record whose id is above every id seen is new; one at or below it is a
 * repeat (a reconnect, or a refill replaying the tail) unless the window does not hold it.
 * Records sorting before the first item are left to scroll-back when older pages exist, and
 * those after the last item are left out when the window does not reach the head.
 * When following, the oldest items are trimmed to keep `cap`; when not, the view must not
 * move, so nothing is trimmed and records beyond `cap` are counted as dropped instead.
 */
export function appendLive(w: LogWindow, records: LogRecord[], cap: number, follow: boolean): LogWindow {
  if (!records.length) return w;
  const items = w.items;
  const first = items[0];
  const last = items[items.length - 1];
  let fresh: LogRecord[] = [];
  for (const r of records) {
    if (first && w.hasOlder && compareRecords(r, first) < 0) continue;
    if (r.id <= w.maxId) {
      // Possibly held already: look for it at its place in time.
      const i = insertionIndex(items, r);
      if (i > 0 && items[i - 1].id === r.id) continue;
    }
    fresh.push(r);
  }
  const maxId = maxIdOf(records, w.maxId);
  if (!fresh.length) return maxId === w.maxId ? w : { ...w, maxId };
  fresh.sort(compareRecords);
  fresh = fresh.filter((r, i) => i === 0 || r.id !== fresh[i - 1].id);
  if (!w.atHead) {
    // Only what falls inside the held slice goes in; newer lines wait for "jump to newest".
    const inside = last ? fresh.filter((r) => compareRecords(r, last) < 0) : [];
    const dropped = fresh.length - inside.length;
    const merged = inside.length ? mergeIn(items, inside) : items;
    return { ...w, items: merged, maxId, droppedNewer: w.droppedNewer + dropped };
  }
  let next: ListItem[];
  if (!last || compareRecords(fresh[0], last) > 0) next = items.concat(fresh);
  else next = mergeIn(items, fresh);
  if (follow) {
    if (next.length > cap) return { ...w, items: next.slice(-cap), hasOlder: true, maxId };
    return { ...w, items: next, maxId };
  }
  const room = Math.max(0, cap - items.length);
  if (next.length <= cap) return { ...w, items: next, maxId };
  // Not following and full: keep the held slice plus as many of the oldest new lines as fit.
  const kept = next.slice(0, items.length + room);
  return { ...w, items: kept, maxId, atHead: false, droppedNewer: w.droppedNewer + next.length - kept.length };
}

/** Merges sorted records into sorted items; those landing above newer lines are marked late. */
function mergeIn(items: readonly ListItem[], fresh: readonly LogRecord[]): ListItem[] {
  const newest = items.length ? items[items.length - 1].ts : -Infinity;
  // Everything before the first insertion point is copied at once (late lines are usually
  // only a little late, so that is nearly all of it); the rest is a two-way merge.
  let i = insertionIndex(items, fresh[0]);
  const out: ListItem[] = items.slice(0, i);
  for (const r of fresh) {
    while (i < items.length && compareRecords(items[i], r) <= 0) out.push(items[i++]);
    out.push(i < items.length && newest - r.ts > LATE_MS ? { ...r, late: true } : r);
  }
  while (i < items.length) out.push(items[i++]);
  return out;
}

/**
 * Prepends an older page (as returned newest first). Items beyond `cap` are trimmed from the
 * bottom, after which the window no longer reaches the head.
 */
export function prependOlder(w: LogWindow, page: LogRecord[], hasMore: boolean, cap: number): { window: LogWindow; added: number } {
  const first = w.items[0];
  const older = page.filter((r) => !first || compareRecords(r, first) < 0).sort(compareRecords);
  let items: ListItem[] = (older as ListItem[]).concat(w.items);
  let atHead = w.atHead;
  if (items.length > cap) {
    items = items.slice(0, cap);
    atHead = false;
  }
  return { window: { ...w, items, hasOlder: hasMore && older.length > 0, atHead, maxId: maxIdOf(older, w.maxId) }, added: older.length };
}

/** Number of records held. */
export function recordCount(w: LogWindow): number {
  return w.items.length;
}

/** Index of the record with this id, looked up at its place in time when `hint` gives its ts. */
export function indexOfId(w: LogWindow, id: number, hint?: LogRecord): number {
  if (hint) {
    const i = insertionIndex(w.items, hint) - 1;
    if (i >= 0 && w.items[i].id === id) return i;
  }
  return w.items.findIndex((r) => r.id === id);
}
