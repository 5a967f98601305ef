// Keeps the view (search, levels, sources, range) in the URL's query string: reading it on
// load and on back/forward, and adding a history entry for every change the user makes, so
// that Back and Forward walk through the views. Typing is one entry: a search changed again
// within TYPING_MS of the last search change replaces its entry instead of adding one.
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatViewState, parseViewState, parseViewStateNoting, type ViewState } from '../lib/viewState.js';

const TYPING_MS = 2_000;

function urlOf(view: ViewState): string {
  const qs = formatViewState(view);
  return `${window.location.pathname}${qs ? `?${qs}` : ''}${window.location.hash}`;
}

/** What of the address the page was opened with could not be used (read once, at load). */
export const ignoredAtLoad: string[] = parseViewStateNoting(window.location.search).ignored;

/** The current view and a setter that also updates the address bar and the history. */
export function useViewState(): [ViewState, (next: ViewState | ((v: ViewState) => ViewState), opts?: { step?: boolean }) => void] {
  const [view, setView] = useState<ViewState>(() => parseViewState(window.location.search));
  // The view shown came from the address bar (load, back, forward): nothing to write.
  const fromUrl = useRef(true);
  const previous = useRef(view);
  const lastSearchEdit = useRef(0);
  // The next change is a step of its own (a + or − button), never merged with typing.
  const step = useRef(false);

  useEffect(() => {
    const onPop = () => {
      fromUrl.current = true;
      setView(parseViewState(window.location.search));
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    const prev = previous.current;
    previous.current = view;
    if (fromUrl.current) {
      fromUrl.current = false;
      // A URL spelled differently (defaults, order) is rewritten in place.
      const url = urlOf(view);
      if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) window.history.replaceState(null, '', url);
      return;
    }
    const url = urlOf(view);
    if (url === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
    const onlySearch = prev.q !== view.q && formatViewState({ ...prev, q: view.q }) === formatViewState(view);
    const now = Date.now();
    const typing = onlySearch && !step.current && now - lastSearchEdit.current < TYPING_MS;
    lastSearchEdit.current = onlySearch && !step.current ? now : 0;
    step.current = false;
    if (typing) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
  }, [view]);

  const update = useCallback((next: ViewState | ((v: ViewState) => ViewState), opts?: { step?: boolean }) => {
    if (opts?.step) step.current = true;
    setView(next);
  }, []);
  return [view, update];
}
