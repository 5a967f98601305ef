// Keeps the view (search, levels, sources, range) in the URL's query string: reading it on
// load and on back/forward, writing it on every change, so a reload shows the same view.
import { useCallback, useEffect, useState } from 'react';
import { formatViewState, parseViewState, type ViewState } from '../lib/viewState.js';

/** The current view and a setter that also updates the address bar. */
export function useViewState(): [ViewState, (next: ViewState | ((v: ViewState) => ViewState)) => void] {
  const [view, setView] = useState<ViewState>(() => parseViewState(window.location.search));

  useEffect(() => {
    const onPop = () => setView(parseViewState(window.location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    const qs = formatViewState(view);
    const url = `${window.location.pathname}${qs ? `?${qs}` : ''}${window.location.hash}`;
    if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) window.history.replaceState(null, '', url);
  }, [view]);

  const update = useCallback((next: ViewState | ((v: ViewState) => ViewState)) => setView(next), []);
  return [view, update];
}
