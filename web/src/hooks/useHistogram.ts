// The histogram of the current view: fetched for the range and filters (all levels, so the
// level toggles can show counts of hidden levels too), refetched when a live range moves past
// its last bucket, and bumped in between by the lines arriving live.
import { useCallback, useEffect, useState } from 'react';
import type { HistogramResponse } from '../../../src/shared/api.js';
import type { LogRecord } from '../../../src/shared/record.js';
import { fetchHistogram, fetchLogs } from '../api.js';
import { addRecords, normalizeHistogram } from '../lib/histogramData.js';
import { histogramBounds, isLiveRange } from '../lib/timeRange.js';
import { filterParams, type ViewState } from '../lib/viewState.js';

export const BUCKETS = 60;

export interface HistogramState {
  data: HistogramResponse | null;
  error: string | null;
  /** Adds live records to the current buckets. */
  addLive(records: LogRecord[]): void;
}

/** Fetches and keeps current the histogram of `view`. */
export function useHistogram(view: ViewState, refreshKey: number): HistogramState {
  const [data, setData] = useState<HistogramResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const params = filterParams(view, { levels: false }).toString();
  const rangeKey = JSON.stringify(view.range);

  useEffect(() => {
    const ctrl = new AbortController();
    let bounds = histogramBounds(view.range, Date.now(), BUCKETS);
    const load = async () => {
      if (view.range.kind === 'quick' && view.range.key === 'all') {
        // "All time" starts at the oldest line matching the filters.
        const first = new URLSearchParams(params);
        first.set('order', 'asc');
        first.set('limit', '1');
        const page = await fetchLogs(first, ctrl.signal);
        bounds = histogramBounds(view.range, Date.now(), BUCKETS, page.logs[0]?.ts);
      }
      const p = new URLSearchParams(params);
      p.set('from', String(Math.floor(bounds.from)));
      p.set('to', String(Math.ceil(bounds.to)));
      p.set('buckets', String(BUCKETS));
      return fetchHistogram(p, ctrl.signal);
    };
    load()
      .then((h) => {
        setData(normalizeHistogram(h));
        setError(null);
      })
      .catch((err: Error) => {
        if (!ctrl.signal.aborted) setError(err.message);
      });
    // A live range slides: fetch again once now has passed the last bucket.
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (isLiveRange(view.range)) timer = setTimeout(() => setTick((t) => t + 1), Math.max(1000, bounds.to - Date.now() + 50));
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params, rangeKey, tick, refreshKey]);

  const addLive = useCallback((records: LogRecord[]) => setData((h) => (h ? addRecords(h, records) : h)), []);
  return { data, error, addLive };
}
