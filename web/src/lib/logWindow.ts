// The window of lines the list holds: a contiguous, id-ordered (oldest first) slice of the
// matching records, bounded in size. New lines from the live tail append at the bottom, older
// pages prepend at the top, and a `gap` from the server becomes a marker row that is replaced
// by the refilled records. Pure functions; every update returns a new window.
import type { LogRecord } from '../../../src/shared/record.js';

/** A marker for records the live tail skipped: ids in (from, to] that match the filters. */
export interface GapMarker {
  gap: true;
  key: string;
  from: number;
  to: number;
  state: 'idle' | 'loading' | 'error';
}

export type ListItem = LogRecord | GapMarker;

/** The records (and gap markers) on screen, plus what lies beyond each end. */
export interface LogWindow {
  items: ListItem[];
  /** There may be older matching records than the first item (fetch them on scroll-back). */
  hasOlder: boolean;
  /** The last item is the newest matching record; when false, newer ones were left out. */
  atHead: boolean;
  /** Live lines left out because the window was full and the user was not following. */
  droppedNewer: number;
}

export const EMPTY_WINDOW: LogWindow = { items: [], hasOlder: false, atHead: true, droppedNewer: 0 };

export function isGap(item: ListItem): item is GapMarker {
  return (item as GapMarker).gap === true;
}

/** Stable key of a list item (record id or gap key), for the virtualiser's size cache. */
export function itemKey(item: ListItem): string | number {
  return isGap(item) ? item.key : item.id;
}

function firstRecordId(items: ListItem[]): number | undefined {
  for (const it of items) if (!isGap(it)) return it.id;
  return undefined;
}

/** Id of the newest record held (gap ends count: lines up to `to` are accounted for). */
export function lastKnownId(w: LogWindow): number {
  for (let i = w.items.length - 1; i >= 0; i--) {
    const it = w.items[i];
    return isGap(it) ? it.to : it.id;
  }
  return 0;
}

/** Id of the oldest record held, or undefined for an empty window. */
export function oldestId(w: LogWindow): number | undefined {
  return firstRecordId(w.items);
}

/** A window made from the newest page of a query (the API returns it newest first). */
export function windowFromNewestPage(page: LogRecord[], hasMore: boolean): LogWindow {
  return { items: [...page].sort((a, b) => a.id - b.id), hasOlder: hasMore, atHead: true, droppedNewer: 0 };
}

/**
 * Appends live records. Records at or below the newest id held are repeats and are dropped.
 * When following, the oldest items are trimmed to keep `cap`; when not, the view must not
 * move, so nothing is trimmed and records beyond `cap` are counted as dropped instead.
 */
export function appendLive(w: LogWindow, records: LogRecord[], cap: number, follow: boolean): LogWindow {
  if (!records.length) return w;
  const last = lastKnownId(w);
  let fresh = records.filter((r) => r.id > last);
  if (fresh.length !== records.length || !isAscending(fresh)) fresh = dedupeSorted(fresh);
  if (!fresh.length) return w;
  if (!w.atHead) return { ...w, droppedNewer: w.droppedNewer + fresh.length };
  if (follow) {
    const items = w.items.length + fresh.length > cap ? w.items.concat(fresh).slice(-cap) : w.items.concat(fresh);
    const trimmed = items.length < w.items.length + fresh.length;
    return { ...w, items, hasOlder: w.hasOlder || trimmed };
  }
  const room = Math.max(0, cap - w.items.length);
  if (room >= fresh.length) return { ...w, items: w.items.concat(fresh) };
  return { ...w, items: w.items.concat(fresh.slice(0, room)), atHead: false, droppedNewer: w.droppedNewer + fresh.length - room };
}

/**
 * Prepends an older page (as returned newest first). Items beyond `cap` are trimmed from the
 * bottom, after which the window no longer reaches the head.
 */
export function prependOlder(w: LogWindow, page: LogRecord[], hasMore: boolean, cap: number): { window: LogWindow; added: number } {
  const first = firstRecordId(w.items) ?? Infinity;
  const older = page.filter((r) => r.id < first).sort((a, b) => a.id - b.id);
  let items: ListItem[] = (older as ListItem[]).concat(w.items);
  let atHead = w.atHead;
  if (items.length > cap) {
    items = items.slice(0, cap);
    atHead = false;
  }
  return { window: { ...w, items, hasOlder: hasMore && older.length > 0, atHead }, added: older.length };
}

/** Adds a gap marker at the bottom (the tail reports gaps in stream order). */
export function addGap(w: LogWindow, from: number, to: number): LogWindow {
  if (to <= lastKnownId(w) || !w.atHead) return w;
  // The key comes from the server's numbers only, so that a caller holding a slightly older
  // window computes the same key as the state update does.
  const marker: GapMarker = { gap: true, key: `gap-${from}-${to}`, from: Math.max(from, lastKnownId(w)), to, state: 'idle' };
  return { ...w, items: w.items.concat(marker) };
}

/** Sets the loading state of a gap marker. */
export function markGap(w: LogWindow, key: string, state: GapMarker['state']): LogWindow {
  const i = w.items.findIndex((it) => isGap(it) && it.key === key);
  if (i === -1) return w;
  const items = w.items.slice();
  items[i] = { ...(items[i] as GapMarker), state };
  return { ...w, items };
}

/**
 * Puts refilled records in place of a gap marker. When `complete` is false (the refill stopped
 * at a page limit) the marker stays after them, narrowed to what is still missing.
 */
export function fillGap(w: LogWindow, key: string, records: LogRecord[], complete: boolean): LogWindow {
  const i = w.items.findIndex((it) => isGap(it) && it.key === key);
  if (i === -1) return w;
  const gap = w.items[i] as GapMarker;
  const inside = dedupeSorted(records.filter((r) => r.id > gap.from && r.id <= gap.to));
  const replacement: ListItem[] = inside;
  if (!complete) {
    const reached = inside.length ? inside[inside.length - 1].id : gap.from;
    if (reached < gap.to) replacement.push({ ...gap, key: `gap-${reached}-${gap.to}`, from: reached, state: 'idle' });
  }
  return { ...w, items: w.items.slice(0, i).concat(replacement, w.items.slice(i + 1)) };
}

function isAscending(rs: LogRecord[]): boolean {
  for (let i = 1; i < rs.length; i++) if (rs[i].id <= rs[i - 1].id) return false;
  return true;
}

function dedupeSorted(rs: LogRecord[]): LogRecord[] {
  const sorted = [...rs].sort((a, b) => a.id - b.id);
  return sorted.filter((r, i) => i === 0 || r.id !== sorted[i - 1].id);
}

/** Number of records (not markers) held. */
export function recordCount(w: LogWindow): number {
  let n = 0;
  for (const it of w.items) if (!isGap(it)) n++;
  return n;
}
