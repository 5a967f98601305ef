// The lines of the current view: the newest page on load, older pages on scroll-back (cursor
// pagination), live lines from the tail placed by event time in frame-sized batches. Memory
// stays bounded: the window never holds more than WINDOW_CAP.
//
// Bursts. When the live tail skips lines (the server's `gap`: a burst bigger than its buffer
// for us, or our own buffer overflowing in a hidden tab), the skipped ids are refilled by
// resuming the tail from the gap's start: the server replays them from the store in id order,
// paced by our reading, and says `caught-up` when done. The ids of a gap say nothing about the
// lines' times (a late burst can land anywhere in time), which is why the refill goes by id
// through the tail and not by time through the query API. Small gaps refill at once; a bigger
// one is reported (the header says how many lines the live view skipped) until the user loads
// it or jumps to a fresh page. Either way the counts are fetched again from the server.
import { useCallback, useEffect, useRef, useState } from 'react';
import { anchorParams, type Anchor } from '../../../src/shared/cursor.js';
import type { LogRecord } from '../../../src/shared/record.js';
import { ApiError, fetchLastId, fetchLogs, fetchRecord } from '../api.js';
import { appendLive, EMPTY_WINDOW, lastKnownId, oldestId, prependOlder, windowFromNewestPage, type LogWindow } from '../lib/logWindow.js';
import { isLiveRange, resolveRange } from '../lib/timeRange.js';
import { filterParams, listKey, type ViewState } from '../lib/viewState.js';
import { useLiveTail, type TailStatus } from './useLiveTail.js';

/** Most lines held in memory; beyond it the oldest are dropped (and fetched again on scroll-back). */
export const WINDOW_CAP = 100_000;
/** Lines per page for the first load and each scroll-back. */
export const PAGE_SIZE = 500;
/** Largest gap (in ids) refilled without asking; a bigger one waits for the user. */
export const GAP_REFILL_MAX = 5_000;

/** What the live view is missing, for the header. */
export type LiveLag =
  | { kind: 'refilling'; from: number; to: number }
  | { kind: 'skipped'; from: number; to: number }
  | null;

export interface LogsState {
  window: LogWindow;
  status: 'loading' | 'ready' | 'error';
  error: ApiError | null;
  loadingOlder: boolean;
  /** Why the last scroll-back failed, in words (cleared by the next success). */
  olderError: string | null;
  tail: TailStatus;
  /** Lines the live tail skipped: being refilled, or waiting for the user. */
  lag: LiveLag;
  /** The "now" the range was resolved with for the current page (0 before the first load). */
  anchor: number;
  /** The record the current page was loaded around (a shared line), if any. */
  focused: number | null;
  /** Live lines dated before the range's start (not shown): how many, and the oldest time. */
  outside: { count: number; oldest: number } | null;
  /** Asks for the page before the oldest line held; resolves to the number of lines added. */
  loadOlder(): Promise<number>;
  /** Loads the lines the live tail skipped. */
  loadSkipped(): void;
  /** Starts over from the newest lines (after errors, or to jump back to the head). */
  reload(): void;
}

export interface LogsOptions {
  /** Whether new live lines should be appended with trimming (the view follows the bottom). */
  following: () => boolean;
  /** Called with every live batch of new lines (not replays of skipped ones), e.g. for the histogram. */
  onLive?: (records: LogRecord[]) => void;
  /** Called when lines were skipped or a refill ended: counts held by the page are stale. */
  onCountsStale?: () => void;
  /** Keep the live tail connected (false while a token is missing). */
  tailAllowed: boolean;
  /** A record to open the first load around (a shared link to a line), instead of the newest page. */
  focusId?: number | null;
}

function rangeParams(view: ViewState, base: URLSearchParams, now: number): URLSearchParams {
  const p = new URLSearchParams(base);
  const { from, to } = resolveRange(view.range, now);
  if (from !== undefined) p.set('from', String(Math.floor(from)));
  if (to !== undefined) p.set('to', String(Math.ceil(to)));
  return p;
}

/**
 * The lines around one record (half a page each side, in time order), or null when the record
 * is gone or outside the range (the caller then loads the newest page).
 */
async function windowAround(view: ViewState, base: URLSearchParams, now: number, id: number, signal: AbortSignal): Promise<LogWindow | null> {
  const rec = await fetchRecord(id, signal).catch(() => null);
  const { from, to } = resolveRange(view.range, now);
  if (!rec || (from !== undefined && rec.ts < from) || (to !== undefined && rec.ts >= to)) return null;
  const side = (anchor: Anchor) => {
    const p = rangeParams(view, base, now);
    p.set('limit', String(PAGE_SIZE / 2));
    for (const [k, v] of Object.entries(anchorParams(anchor))) p.set(k, v);
    return fetchLogs(p, signal);
  };
  const [older, newer] = await Promise.all([side({ before: id }), side({ after: id })]);
  const w = windowFromNewestPage([...older.logs, rec, ...newer.logs], !!older.nextCursor);
  return { ...w, atHead: !newer.nextCursor };
}

/** Loads and follows the lines of `view`. */
export function useLogs(view: ViewState, opts: LogsOptions): LogsState {
  const [win, setWin] = useState<LogWindow>(EMPTY_WINDOW);
  const [status, setStatus] = useState<LogsState['status']>('loading');
  const [error, setError] = useState<ApiError | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [session, setSession] = useState(0);
  const [tailStart, setTailStart] = useState<number | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const [anchor, setAnchor] = useState(0);
  const [lag, setLagState] = useState<LiveLag>(null);
  const [outside, setOutside] = useState<LogsState['outside']>(null);
  const [focused, setFocused] = useState<number | null>(null);
  // Only the first load of the page opens at a shared line; later views start at the newest.
  const focusOnce = useRef(opts.focusId ?? null);
  // The ref is updated at once (not at the next render): tail callbacks read it between renders.
  const lagRef = useRef<LiveLag>(null);
  const setLag = useCallback((next: LiveLag) => {
    lagRef.current = next;
    setLagState(next);
  }, []);
  const winRef = useRef(win);
  winRef.current = win;
  const optsRef = useRef(opts);
  optsRef.current = opts;
  // The query string identifies the view; a changed view discards everything in flight.
  // How the histogram is split does not change the lines: no reload for it.
  const viewKey = listKey(view);
  const viewRef = useRef(view);
  viewRef.current = view;
  const loadedAt = useRef(Date.now());
  const generation = useRef(0);
  const olderInFlight = useRef(false);
  const live = isLiveRange(view.range);
  const tailParams = filterParams(view).toString();

  useEffect(() => {
    const ctrl = new AbortController();
    const gen = ++generation.current;
    setStatus('loading');
    setError(null);
    setTailStart(null);
    setLag(null);
    setOutside(null);
    const now = Date.now();
    loadedAt.current = now;
    setAnchor(now);
    const base = filterParams(view);
    const load = async () => {
      // The newest id committed, taken before the filtered page: the tail resumes after the
      // larger of the two, so a line committed between the two requests is neither lost nor
      // repeated. (Not the newest page's first row: pages are in event-time order, and a line
      // stamped in the past can have a larger id than every line of the last hour.)
      const head = live ? await fetchLastId(ctrl.signal) : 0;
      const focus = focusOnce.current;
      focusOnce.current = null;
      let w = focus ? await windowAround(view, base, now, focus, ctrl.signal) : null;
      if (!w) {
        const p = rangeParams(view, base, now);
        p.set('limit', String(PAGE_SIZE));
        const page = await fetchLogs(p, ctrl.signal);
        w = windowFromNewestPage(page.logs, !!page.nextCursor);
      }
      if (gen !== generation.current) return;
      setFocused(focus && w.items.some((r) => r.id === focus) ? focus : null);
      setWin(w);
      setStatus('ready');
      if (live) {
        setTailStart(Math.max(head, lastKnownId(w)));
        setSession((s) => s + 1);
      }
    };
    load().catch((err: unknown) => {
      if (ctrl.signal.aborted || gen !== generation.current) return;
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
      setStatus('error');
    });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [viewKey, reloadKey]);

  const loadOlder = useCallback(async (): Promise<number> => {
    const w = winRef.current;
    const first = oldestId(w);
    if (!w.hasOlder || first === undefined || olderInFlight.current) return 0;
    olderInFlight.current = true;
    setLoadingOlder(true);
    const gen = generation.current;
    try {
      const p = rangeParams(viewRef.current, filterParams(viewRef.current), loadedAt.current);
      p.set('limit', String(PAGE_SIZE));
      // The server places the anchor record at its time, so this continues in time order.
      for (const [k, v] of Object.entries(anchorParams({ before: first }))) p.set(k, v);
      const page = await fetchLogs(p);
      if (gen !== generation.current) return 0;
      let added = 0;
      setWin((cur) => {
        const r = prependOlder(cur, page.logs, !!page.nextCursor, WINDOW_CAP);
        added = r.added;
        return r.window;
      });
      setOlderError(null);
      return added;
    } catch (err) {
      setOlderError(`Could not load older lines: ${(err as Error).message} Scroll up to try again.`);
      return 0;
    } finally {
      olderInFlight.current = false;
      setLoadingOlder(false);
    }
  }, []);

  // Resumes the tail from `from`: the server replays (from, …] from the store, then `caught-up`.
  const startRefill = useCallback((from: number, to: number) => {
    setLag({ kind: 'refilling', from, to });
    setTailStart(from);
    setSession((s) => s + 1);
  }, []);

  const onRecords = useCallback((records: LogRecord[]) => {
    // A live range's start moves with the clock: lines older than it are not in the view.
    const { from } = resolveRange(viewRef.current.range, Date.now());
    const inRange = from === undefined ? records : records.filter((r) => r.ts >= from);
    if (inRange.length < records.length && lagRef.current?.kind !== 'refilling') {
      // Not shown, but not silently gone either: the page says they came and where they are.
      const old = records.filter((r) => r.ts < from!);
      const oldest = Math.min(...old.map((r) => r.ts));
      setOutside((o) => ({ count: (o?.count ?? 0) + old.length, oldest: Math.min(o?.oldest ?? Infinity, oldest) }));
    }
    const before = winRef.current.maxId;
    setWin((w) => appendLive(w, inRange, WINDOW_CAP, optsRef.current.following()));
    // Replayed (skipped) lines are counted by the refetch once the refill ends.
    const lag = lagRef.current;
    const fresh = inRange.filter((r) => r.id > before && !(lag?.kind === 'refilling' && r.id <= lag.to));
    if (fresh.length) optsRef.current.onLive?.(fresh);
  }, []);

  const onGap = useCallback(
    (from: number, to: number) => {
      const cur = lagRef.current;
      if (cur?.kind === 'skipped') {
        // Lines are already waiting for the user: this gap joins them.
        setLag({ kind: 'skipped', from: Math.min(cur.from, from), to: Math.max(cur.to, to) });
      } else if (cur?.kind === 'refilling' ? from > cur.from : to - from <= GAP_REFILL_MAX) {
        // A gap while refilling continues that refill (the server's replay has a cap per
        // request) as long as it made progress; one that did not (a hidden tab whose own buffer
        // overflows again) waits for the user instead of replaying in a loop.
        startRefill(from, Math.max(cur?.to ?? 0, to));
      } else if (cur?.kind === 'refilling') {
        setLag({ kind: 'skipped', from: cur.from, to: Math.max(cur.to, to) });
      } else {
        setLag({ kind: 'skipped', from, to });
      }
      optsRef.current.onCountsStale?.();
    },
    [startRefill],
  );

  const onCaughtUp = useCallback(() => {
    if (lagRef.current?.kind !== 'refilling') return;
    setLag(null);
    optsRef.current.onCountsStale?.();
  }, []);

  const loadSkipped = useCallback(() => {
    const cur = lagRef.current;
    if (cur?.kind === 'skipped') startRefill(cur.from, cur.to);
  }, [startRefill]);

  const tail = useLiveTail({
    params: tailParams,
    enabled: live && status === 'ready' && tailStart !== null && opts.tailAllowed,
    startAfter: tailStart,
    session,
    onRecords,
    onGap,
    onCaughtUp,
  });

  const reload = useCallback(() => setReloadKey((k) => k + 1), []);

  return { window: win, status, error, loadingOlder, olderError, tail, lag, anchor, focused, outside, loadOlder, loadSkipped, reload };
}
