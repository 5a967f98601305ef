// The fields of the current view (GET /api/v1/fields), for the sidebar and the query bar's
// completion: fetched when the view's filters or range change, not on each keystroke.
import { useEffect, useState } from 'react';
import type { FieldsResponse } from '../../../src/shared/api.js';
import { fetchFields } from '../api.js';
import { resolveRange } from '../lib/timeRange.js';
import { filterParams, type ViewState } from '../lib/viewState.js';

/** What the fields request gave: null while loading the first time. */
export interface FieldsState {
  data: FieldsResponse | null;
  error: string | null;
}

/** Fields of the records `view` selects; `anchor` is the list's "now" (0 before it loaded). */
export function useFields(view: ViewState, anchor: number, refreshKey: number): FieldsState {
  const [state, setState] = useState<FieldsState>({ data: null, error: null });
  const p = filterParams(view);
  // A pipe is not a condition: /fields uses the query before `|` (the server does the same).
  const params = p.toString();
  const rangeKey = JSON.stringify(view.range);
  useEffect(() => {
    if (!anchor) return;
    const ctrl = new AbortController();
    const q = new URLSearchParams(params);
    const { from, to } = resolveRange(view.range, anchor);
    if (from !== undefined) q.set('from', String(Math.floor(from)));
    if (to !== undefined) q.set('to', String(Math.ceil(to)));
    q.set('values', '10');
    fetchFields(q, ctrl.signal).then(
      (data) => setState({ data, error: null }),
      (err: Error) => {
        if (!ctrl.signal.aborted) setState((s) => ({ data: s.data, error: err.message }));
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params, rangeKey, anchor, refreshKey]);
  return state;
}
