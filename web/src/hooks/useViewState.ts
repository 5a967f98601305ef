// Keeps the view (search, levels, sources, range) in the URL's query string: reading it on
// load and on back/forward, and adding a history entry for every change the user makes, so
// that Back and Forward walk through the views. Typing is one entry: a search changed again
// within TYPING_MS of the last search change replaces its entry instead of adding one.
//
// A shared link may also name one line (`row=<id>`), which the page opens at. That is not part
// of the view: it stays in the address bar, so the bar keeps linking to the line, until the view
// changes or the caller says the line is no longer the one looked at (forgetRow).
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatViewState, listKey, parseViewState, parseViewStateNoting, type ViewState } from '../lib/viewState.js';

const TYPING_MS = 2_000;

function rowOf(search: string): number | null {
  const v = new URLSearchParams(search).get('row');
  return v && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

function urlOf(view: ViewState, row: number | null): string {
  const p = new URLSearchParams(formatViewState(view));
  if (row !== null) p.set('row', String(row));
  const qs = p.toString();
  return `${window.location.pathname}${qs ? `?${qs}` : ''}${window.location.hash}`;
}

const currentUrl = () => `${window.location.pathname}${window.location.search}${window.location.hash}`;

/** What of the address the page was opened with could not be used (read once, at load). */
export const ignoredAtLoad: string[] = parseViewStateNoting(window.location.search).ignored;

/** The line a shared link points at (`row=<id>`), read once when the page opens. */
export const rowAtLoad: number | null = rowOf(window.location.search);

type SetView = (next: ViewState | ((v: ViewState) => ViewState), opts?: { step?: boolean }) => void;

/**
 * The current view, a setter that also updates the address bar and the history, and
 * forgetRow, which takes a shared link's `row=` out of the address bar (in place).
 */
export function useViewState(): [ViewState, SetView, () => void] {
  const [view, setView] = useState<ViewState>(() => parseViewState(window.location.search));
  // The view shown came from the address bar (load, back, forward): nothing to write.
  const fromUrl = useRef(true);
  const previous = useRef(view);
  const lastSearchEdit = useRef(0);
  // The next change is a step of its own (a + or − button), never merged with typing.
  const step = useRef(false);
  // The shared line the address bar names, while the page shows it opened: only the one the
  // page was opened with (Back to an entry that named a line does not open it again).
  const row = useRef(rowAtLoad);

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
    // A view of other lines: the shared line is no longer what the address bar should name.
    if (listKey(prev) !== listKey(view)) row.current = null;
    if (fromUrl.current) {
      fromUrl.current = false;
      // A URL spelled differently (defaults, order) is rewritten in place.
      const url = urlOf(view, row.current);
      if (url !== currentUrl()) window.history.replaceState(null, '', url);
      return;
    }
    const url = urlOf(view, row.current);
    if (url === currentUrl()) return;
    const onlySearch = prev.q !== view.q && formatViewState({ ...prev, q: view.q }) === formatViewState(view);
    const now = Date.now();
    const typing = onlySearch && !step.current && now - lastSearchEdit.current < TYPING_MS;
    lastSearchEdit.current = onlySearch && !step.current ? now : 0;
    step.current = false;
    if (typing) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
  }, [view]);

  const update = useCallback<SetView>((next, opts) => {
    if (opts?.step) step.current = true;
    setView(next);
  }, []);
  const forgetRow = useCallback(() => {
    if (row.current === null) return;
    row.current = null;
    const p = new URLSearchParams(window.location.search);
    p.delete('row');
    const qs = p.toString();
    window.history.replaceState(null, '', `${window.location.pathname}${qs ? `?${qs}` : ''}${window.location.hash}`);
  }, []);
  return [view, update, forgetRow];
}
