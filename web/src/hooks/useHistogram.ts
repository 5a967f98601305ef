// The histogram of the current view: fetched for exactly the bounds the list was loaded with
// (all levels, so the level toggles can show counts of hidden levels too), bumped in between by
// the lines arriving live, and fetched again — counts come from the server, not from what the
// page holds — when a live range has slid by a bucket or when the caller asks (after a burst
// the live view skipped).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LogRecord } from '../../../src/shared/record.js';
import { fetchHistogram, fetchLogs } from '../api.js';
import { addRecords, normalizeHistogram, type HistogramData } from '../lib/histogramData.js';
import { histogramBounds, isLiveRange } from '../lib/timeRange.js';
import { filterParams, type ViewState } from '../lib/viewState.js';

/** Most live records kept while a count is fetched (a burst beyond it is left to the next ask). */
const MAX_KEPT = 20_000;

export const BUCKETS = 60;

export interface HistogramState {
  data: HistogramData | null;
  error: string | null;
  /** Adds live records to the current buckets. */
  addLive(records: LogRecord[]): void;
  /** Fetches the counts again for the current time. */
  refresh(): void;
}

/**
 * Fetches and keeps current the histogram of `view`; `anchor` is the "now" the list resolved
 * its range with (0 while it has not started loading), so both use the same bounds.
 */
export function useHistogram(view: ViewState, refreshKey: number, anchor: number): HistogramState {
  const [data, setData] = useState<HistogramData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const params = filterParams(view, { levels: false }).toString();
  const rangeKey = JSON.stringify(view.range);
  const live = isLiveRange(view.range);
  const usedAnchor = useRef(0);
  // The answer's lastId: the counts hold every record up to it, so only live records above it
  // are added. Live records that come while a fetch is under way are kept, and those above the
  // answer's lastId are added to it when it comes (it may have been counted before they were
  // stored, or after).
  const countedUpTo = useRef(Infinity);
  const duringFetch = useRef<LogRecord[] | null>(null);

  useEffect(() => {
    if (!anchor) return;
    const ctrl = new AbortController();
    duringFetch.current = [];
    const now = usedAnchor.current !== anchor ? anchor : Date.now();
    usedAnchor.current = anchor;
    let bounds = histogramBounds(view.range, now, BUCKETS);
    const load = async () => {
      if (view.range.kind === 'quick' && view.range.key === 'all') {
        // "All time" starts at the oldest line matching the filters.
        const first = new URLSearchParams(params);
        first.set('order', 'asc');
        first.set('limit', '1');
        const page = await fetchLogs(first, ctrl.signal);
        bounds = histogramBounds(view.range, now, BUCKETS, page.logs[0]?.ts);
      }
      const p = new URLSearchParams(params);
      p.set('from', String(Math.floor(bounds.from)));
      p.set('to', String(Math.ceil(bounds.to)));
      p.set('buckets', String(BUCKETS));
      return { h: await fetchHistogram(p, ctrl.signal), view: { from: Math.floor(bounds.from), to: Math.ceil(bounds.to) } };
    };
    load()
      .then(({ h, view: v }) => {
        const came = duringFetch.current ?? [];
        duringFetch.current = null;
        countedUpTo.current = h.lastId;
        const data = normalizeHistogram(h, v);
        const above = came.filter((r) => r.id > h.lastId);
        setData(above.length ? addRecords(data, above, { extend: live }) : data);
        setError(null);
        // More came than were kept: what was not kept is counted by asking once more.
        if (came.length >= MAX_KEPT) setTick((t) => t + 1);
      })
      .catch((err: Error) => {
        if (ctrl.signal.aborted) return;
        duringFetch.current = null;
        setError(err.message);
      });
    // A live range slides: fetch again after a bucket's width (at least 2 s, at most a minute).
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (live) timer = setTimeout(() => setTick((t) => t + 1), Math.min(60_000, Math.max(2_000, bounds.step)));
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params, rangeKey, tick, refreshKey, anchor]);

  const addLive = useCallback(
    (records: LogRecord[]) => {
      if (duringFetch.current) {
        if (duringFetch.current.length < MAX_KEPT) duringFetch.current.push(...records.slice(0, MAX_KEPT - duringFetch.current.length));
        return;
      }
      const above = records.filter((r) => r.id > countedUpTo.current);
      if (above.length) setData((h) => (h ? addRecords(h, above, { extend: live }) : h));
    },
    [live],
  );

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, addLive, refresh };
}
