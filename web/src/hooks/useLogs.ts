// The lines of the current view: the newest page on load, older pages on scroll-back (cursor
// pagination), live lines from the tail appended in frame-sized batches, and tail gaps refilled
// through the query API. Memory stays bounded: the window never holds more than WINDOW_CAP.
import { useCallback, useEffect, useRef, useState } from 'react';
import { anchorParams } from '../../../src/shared/cursor.js';
import type { LogRecord } from '../../../src/shared/record.js';
import { ApiError, fetchLogs } from '../api.js';
import { addGap, appendLive, EMPTY_WINDOW, fillGap, isGap, lastKnownId, markGap, oldestId, prependOlder, windowFromNewestPage, type GapMarker, type LogWindow } from '../lib/logWindow.js';
import { isLiveRange, resolveRange } from '../lib/timeRange.js';
import { filterParams, formatViewState, type ViewState } from '../lib/viewState.js';
import { useLiveTail, type TailStatus } from './useLiveTail.js';

/** Most lines held in memory; beyond it the oldest are dropped (and fetched again on scroll-back). */
export const WINDOW_CAP = 100_000;
/** Lines per page for the first load and each scroll-back. */
export const PAGE_SIZE = 500;
/** Most lines refilled automatically for one gap; a bigger gap keeps a marker with a button. */
const GAP_REFILL_MAX = 5_000;

export interface LogsState {
  window: LogWindow;
  status: 'loading' | 'ready' | 'error';
  error: ApiError | null;
  loadingOlder: boolean;
  /** Why the last scroll-back failed, in words (cleared by the next success). */
  olderError: string | null;
  tail: TailStatus;
  /** Asks for the page before the oldest line held; resolves to the number of lines added. */
  loadOlder(): Promise<number>;
  /** Loads the skipped lines of a gap marker. */
  refillGap(key: string): void;
  /** Starts over from the newest lines (after errors, or to jump back to the head). */
  reload(): void;
}

export interface LogsOptions {
  /** Whether new live lines should be appended with trimming (the view follows the bottom). */
  following: () => boolean;
  /** Called with every live batch (after it reached the window), e.g. for the histogram. */
  onLive?: (records: LogRecord[]) => void;
  /** Keep the live tail connected (false while a token is missing). */
  tailAllowed: boolean;
}

function rangeParams(view: ViewState, base: URLSearchParams, now: number): URLSearchParams {
  const p = new URLSearchParams(base);
  const { from, to } = resolveRange(view.range, now);
  if (from !== undefined) p.set('from', String(Math.floor(from)));
  if (to !== undefined) p.set('to', String(Math.ceil(to)));
  return p;
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
  const winRef = useRef(win);
  winRef.current = win;
  const optsRef = useRef(opts);
  optsRef.current = opts;
  // The query string identifies the view; a changed view discards everything in flight.
  const viewKey = formatViewState(view);
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
    const now = Date.now();
    loadedAt.current = now;
    const base = filterParams(view);
    const load = async () => {
      // The newest id overall, taken before the filtered page: the tail resumes after the larger
      // of the two, so a line committed between the two requests is neither lost nor repeated.
      const head = live ? await fetchLogs(new URLSearchParams({ limit: '1' }), ctrl.signal) : null;
      const p = rangeParams(view, base, now);
      p.set('limit', String(PAGE_SIZE));
      const page = await fetchLogs(p, ctrl.signal);
      if (gen !== generation.current) return;
      const w = windowFromNewestPage(page.logs, !!page.nextCursor);
      setWin(w);
      setStatus('ready');
      if (live) {
        setTailStart(Math.max(head?.logs[0]?.id ?? 0, lastKnownId(w)));
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

  // Loads the records of a gap page by page (ascending from its start) and puts them in its place.
  const refill = useCallback((marker: GapMarker) => {
    const gen = generation.current;
    const key = marker.key;
    setWin((w) => markGap(w, key, 'loading'));
    const run = async () => {
      const got: LogRecord[] = [];
      let after = marker.from;
      let complete = false;
      while (got.length < GAP_REFILL_MAX) {
        const p = filterParams(viewRef.current);
        p.set('limit', '1000');
        for (const [k, v] of Object.entries(anchorParams({ after }))) p.set(k, v);
        const page = await fetchLogs(p);
        const inside = page.logs.filter((r) => r.id <= marker.to);
        got.push(...inside);
        if (inside.length < page.logs.length || !page.nextCursor || !page.logs.length) {
          complete = true;
          break;
        }
        after = page.logs[page.logs.length - 1].id;
      }
      if (gen !== generation.current) return;
      setWin((w) => fillGap(w, key, got, complete));
    };
    run().catch(() => {
      if (gen === generation.current) setWin((w) => markGap(w, key, 'error'));
    });
  }, []);

  const refillGap = useCallback(
    (key: string) => {
      const marker = winRef.current.items.find((it): it is GapMarker => isGap(it) && it.key === key);
      if (marker) refill(marker);
    },
    [refill],
  );

  const onRecords = useCallback((records: LogRecord[]) => {
    setWin((w) => appendLive(w, records, WINDOW_CAP, optsRef.current.following()));
    optsRef.current.onLive?.(records);
  }, []);

  const onGap = useCallback(
    (from: number, to: number) => {
      const w = addGap(winRef.current, from, to);
      if (w === winRef.current) return;
      winRef.current = w;
      setWin((cur) => addGap(cur, from, to));
      // Gaps refill at once (up to GAP_REFILL_MAX lines); the marker shows while they load.
      refill(w.items[w.items.length - 1] as GapMarker);
    },
    [refill],
  );

  const tail = useLiveTail({
    params: tailParams,
    enabled: live && status === 'ready' && tailStart !== null && opts.tailAllowed,
    startAfter: tailStart,
    session,
    onRecords,
    onGap,
  });

  const reload = useCallback(() => setReloadKey((k) => k + 1), []);

  return { window: win, status, error, loadingOlder, olderError, tail, loadOlder, refillGap, reload };
}
