// The histogram split by a field other than level (GET /api/v1/histogram?by=<field>&top=K): fetched
// for the same bounds as the level histogram, and again whenever that one is (a live range sliding).
import { useEffect, useState } from 'react';
import type { SplitHistogramResponse } from '../../../src/shared/api.js';
import { fetchHistogram } from '../api.js';
import { filterParams, type ViewState } from '../lib/viewState.js';

/** Series shown before the rest is summed as "other". */
export const SPLIT_TOP = 8;

/** The split counts, or null when split by level (or not loaded yet); `error` when refused. */
export function useSplitHistogram(view: ViewState, bounds: { from: number; to: number } | null, buckets: number): { data: SplitHistogramResponse | null; error: string | null } {
  const [state, setState] = useState<{ data: SplitHistogramResponse | null; error: string | null }>({ data: null, error: null });
  const split = view.split && view.split !== 'level' ? view.split : null;
  const params = filterParams(view).toString();
  useEffect(() => {
    if (!split) {
      setState({ data: null, error: null });
      return;
    }
    if (!bounds) return;
    const ctrl = new AbortController();
    const p = new URLSearchParams(params);
    p.set('from', String(bounds.from));
    p.set('to', String(bounds.to));
    p.set('buckets', String(buckets));
    p.set('by', split);
    p.set('top', String(SPLIT_TOP));
    fetchHistogram(p, ctrl.signal).then(
      (h) => setState({ data: h as unknown as SplitHistogramResponse, error: null }),
      (err: Error) => {
        if (!ctrl.signal.aborted) setState({ data: null, error: err.message });
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  // Keyed on the start only: live lines stretch the level histogram's end, which is no reason to fetch.
  }, [split, params, bounds?.from, buckets]);
  return split ? state : { data: null, error: null };
}
