// The dashboard: header (connection, Live, export, theme), filters, histogram and the list,
// wired to the URL state, the query API and the live tail; keyboard shortcuts live here.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LogRecord } from '../../../src/shared/record.js';
import { onUnauthorized, readToken } from '../api.js';
import { useFields } from '../hooks/useFields.js';
import { BUCKETS, useHistogram } from '../hooks/useHistogram.js';
import { useHosts } from '../hooks/useHosts.js';
import { useSplitHistogram } from '../hooks/useSplitHistogram.js';
import { useLogs, WINDOW_CAP } from '../hooks/useLogs.js';
import { useSources } from '../hooks/useSources.js';
import { useTheme } from '../hooks/useTheme.js';
import { ignoredAtLoad, rowAtLoad, useViewState } from '../hooks/useViewState.js';
import { formatNumber } from '../lib/format.js';
import { patternOfQuery } from '../lib/highlight.js';
import { levelTotals } from '../lib/histogramData.js';
import { addFieldFilter } from '../lib/queryEdit.js';
import type { QueryProblem } from '../lib/querySyntax.js';
import { recordCount } from '../lib/logWindow.js';
import { describeRange, DEFAULT_RANGE, formatInstant, isLiveRange, rangePhrase, resolveRange, zoomOut } from '../lib/timeRange.js';
import { DEFAULT_VIEW, filterParams, listKey, shownLevels } from '../lib/viewState.js';
import { ConnectionStatus } from './ConnectionStatus.js';
import { ExportLinks } from './ExportLinks.js';
import { FieldFilterContext } from './FieldFilterContext.js';
import { FieldSidebar } from './FieldSidebar.js';
import { Histogram } from './Histogram.js';
import { LevelToggles } from './LevelToggles.js';
import { LiveLagNotice } from './LiveLagNotice.js';
import { LogList } from './LogList.js';
import { QueryBar } from './QueryBar.js';
import { SourceFilter } from './SourceFilter.js';
import { TimeRangePicker } from './TimeRangePicker.js';
import { TokenPrompt } from './TokenPrompt.js';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A'].includes(el.tagName);
}

/** The whole page. */
export function App() {
  const [view, setView, forgetRow] = useViewState();
  const [theme, toggleTheme] = useTheme();
  const [live, setLive] = useState(true);
  const [atBottom, setAtBottom] = useState(true);
  const [expandedId, setExpandedId] = useState<number | null>(null);
  const [newCount, setNewCount] = useState(0);
  const [refreshKey, setRefreshKey] = useState(0);
  const [authNeeded, setAuthNeeded] = useState(false);
  const [ignored, setIgnored] = useState<string[]>(ignoredAtLoad);
  const [tokenRejected, setTokenRejected] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  // Wide windows show the field sidebar from the start; narrow ones keep the room for lines.
  const [sidebarOpen, setSidebarOpen] = useState(() => window.matchMedia('(min-width: 900px)').matches);

  const liveRange = isLiveRange(view.range);
  // An open row is being read: new lines queue behind the "new lines" button instead of
  // scrolling it away, until the user closes it.
  const following = live && atBottom && liveRange && expandedId === null;
  const followingRef = useRef(following);
  followingRef.current = following;

  // The histogram's bounds come from the list's load (the same "now"), and the list feeds it
  // live lines: refs break the cycle between the two hooks.
  const histogramLive = useRef<(records: LogRecord[]) => void>(() => {});
  const histogramRefresh = useRef<() => void>(() => {});
  const onLive = useCallback((records: LogRecord[]) => {
    histogramLive.current(records);
    if (!followingRef.current) setNewCount((n) => n + records.length);
  }, []);
  const onCountsStale = useCallback(() => histogramRefresh.current(), []);
  const logs = useLogs(view, { following: () => followingRef.current, onLive, onCountsStale, tailAllowed: !authNeeded, focusId: rowAtLoad });
  // The list's page goes first: the server answers one request at a time, and the histogram
  // (edge minutes counted from rows), the fields and the hosts asked at once held the first
  // rows back by their whole time on a large store. They follow once the page is in.
  const pageAnchor = logs.status === 'loading' ? 0 : logs.anchor;
  const histogram = useHistogram(view, refreshKey, pageAnchor);
  histogramLive.current = histogram.addLive;
  histogramRefresh.current = histogram.refresh;
  const sources = useSources(refreshKey);
  const fields = useFields(view, pageAnchor, refreshKey);
  const hosts = useHosts(view.range, pageAnchor, refreshKey);
  const split = useSplitHistogram(view, histogram.data?.view ?? null, BUCKETS);
  const splitBy = view.split ?? 'level';
  const splitChoices = useMemo(() => {
    const names = ['level', 'source', 'host', ...(fields.data?.fields.map((f) => f.field) ?? [])];
    if (!names.includes(splitBy)) names.push(splitBy);
    return [...new Set(names)];
  }, [fields.data, splitBy]);
  // The server refused the query (LP_ERR_QUERY): the bar says why, and so does the list.
  const serverProblem = useMemo<QueryProblem | null>(() => {
    const e = logs.error;
    if (!e || e.code !== 'LP_ERR_QUERY') return null;
    const d = e.details ?? {};
    const start = typeof d.start === 'number' ? d.start : 0;
    return { message: e.message, column: typeof d.column === 'number' ? d.column : start + 1, start, end: typeof d.end === 'number' ? d.end : start + 1 };
  }, [logs.error]);

  useEffect(() => {
    if (following) setNewCount(0);
  }, [following]);
  // A new view starts at its newest line, following, with nothing expanded.
  const viewKey = listKey(view);
  useEffect(() => {
    setNewCount(0);
    setAtBottom(true);
    setExpandedId(null);
  }, [viewKey]);

  // A shared line opens expanded (the list scrolls to it).
  useEffect(() => {
    if (logs.focused !== null) {
      setExpandedId(logs.focused);
      setAtBottom(false);
    }
  }, [logs.focused]);
  // The address bar goes on naming the shared line (row=) until another line is opened; closing
  // it leaves the list where it is, so the link still fits. (A new view drops it by itself.)
  useEffect(() => {
    if (expandedId !== null && expandedId !== rowAtLoad) forgetRow();
  }, [expandedId, forgetRow]);

  useEffect(
    () =>
      onUnauthorized(() => {
        setTokenRejected(readToken() !== null);
        setAuthNeeded(true);
      }),
    [],
  );

  // The tab title tells a user in another tab that lines arrived while they were away.
  useEffect(() => {
    document.title = newCount > 0 && !following ? `(${newCount > 999 ? '999+' : newCount}) logpipe` : 'logpipe';
  }, [newCount, following]);

  const pattern = useMemo(() => patternOfQuery(view.q), [view.q]);
  const shown = shownLevels(view);
  const totals = levelTotals(histogram.data);

  /** Adds `field:value` (or `-field:value`) to the query: a new view, so a history entry. */
  const addFilter = useCallback((field: string, value: string, negate: boolean) => setView((v) => ({ ...v, q: addFieldFilter(v.q, field, value, negate) }), { step: true }), [setView]);

  const onToggleRow = useCallback((id: number) => {
    setExpandedId((cur) => (cur === id ? null : id));
    // Reading a line while new ones stream in: stop following so it stays where it is.
    setAtBottom(false);
  }, []);

  const jumpToNewest = useCallback(() => {
    if (!logs.window.atHead) logs.reload();
    if (!liveRange) setView((v) => ({ ...v, range: DEFAULT_RANGE }));
    setLive(true);
    setAtBottom(true);
    setNewCount(0);
  }, [logs, liveRange, setView]);

  const toggleLive = useCallback(() => {
    if (!liveRange) {
      setView((v) => ({ ...v, range: DEFAULT_RANGE }));
      setLive(true);
      setAtBottom(true);
      return;
    }
    setLive((l) => {
      if (!l) setAtBottom(true);
      return !l;
    });
  }, [liveRange, setView]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/' && !isTyping(e.target)) {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (e.key === ' ' && !isTyping(e.target) && !authNeeded) {
        e.preventDefault();
        toggleLive();
      } else if (e.key === 'Escape') {
        if (expandedId !== null) setExpandedId(null);
        else if (view.q) setView((v) => ({ ...v, q: '' }));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggleLive, expandedId, view.q, setView, authNeeded]);

  const exportParams = useMemo(() => {
    const p = filterParams(view);
    const { from, to } = resolveRange(view.range, Date.now());
    if (from !== undefined) p.set('from', String(Math.floor(from)));
    if (to !== undefined) p.set('to', String(Math.ceil(to)));
    return p;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, logs.window.items.length]);

  const filtered = Boolean(view.q || view.levels.length || view.sources.length || view.hosts.length);
  const empty = (
    <div>
      <p className="state-title">{filtered ? 'No lines match these filters' : 'No lines yet'} {rangePhrase(view.range)}.</p>
      {liveRange && live && <p className="state-text">New lines will appear here as soon as they arrive.</p>}
      <div className="state-actions">
        {view.q && <button type="button" className="btn" onClick={() => setView((v) => ({ ...v, q: '' }))}>Clear the search</button>}
        {view.levels.length > 0 && <button type="button" className="btn" onClick={() => setView((v) => ({ ...v, levels: [] }))}>Show all levels</button>}
        {view.sources.length > 0 && <button type="button" className="btn" onClick={() => setView((v) => ({ ...v, sources: [] }))}>Show all sources</button>}
        {view.hosts.length > 0 && <button type="button" className="btn" onClick={() => setView((v) => ({ ...v, hosts: [] }))}>Show all hosts</button>}
        {!(view.range.kind === 'quick' && view.range.key === 'all') && <button type="button" className="btn" onClick={() => setView((v) => ({ ...v, range: { kind: 'quick', key: 'all' } }))}>Search all time</button>}
      </div>
    </div>
  );
  const error = serverProblem ? (
    <div>
      <p className="state-title">The search is not understood, so no lines are shown.</p>
      <p className="state-text">Column {serverProblem.column}: {serverProblem.message}</p>
      <button type="button" className="btn" onClick={() => setView((v) => ({ ...v, q: '' }))}>Clear the search</button>
    </div>
  ) : (
    <div>
      <p className="state-title">Could not load lines.</p>
      <p className="state-text">{logs.error?.message ?? 'Unknown error.'}</p>
      <button type="button" className="btn" onClick={logs.reload}>Try again</button>
    </div>
  );

  const count = recordCount(logs.window);
  const wider = zoomOut(view.range);
  return (
    <FieldFilterContext.Provider value={addFilter}>
    <div className="app">
      <header className="top">
        <div className="brand" aria-label="logpipe">
          <span className="brand-caret" aria-hidden="true">▍</span>logpipe
        </div>
        <ConnectionStatus tail={logs.tail} live={live} liveRange={liveRange} />
        <LiveLagNotice lag={logs.lag} filtered={filtered} onLoad={logs.loadSkipped} onFresh={logs.reload} />
        <button type="button" className={`btn live-toggle${following ? ' on' : ''}`} aria-label="Live" aria-pressed={live && liveRange} title="Follow new lines (space)" onClick={toggleLive}>
          <span className="live-dot" aria-hidden="true" />
          {live && liveRange ? 'Live' : 'Paused'}
        </button>
        <div className="spacer" />
        <ExportLinks params={exportParams} />
        <button type="button" className="btn theme-toggle" aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'} onClick={toggleTheme}>
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <div className="filters">
        <QueryBar ref={searchRef} value={view.q} onChange={(q, from) => setView((v) => (v.q === from ? { ...v, q } : v))} fields={fields.data} serverProblem={serverProblem} />
        <SourceFilter sources={sources} selected={view.sources} onChange={(s) => setView((v) => ({ ...v, sources: s }))} />
        <SourceFilter noun="host" sources={hosts} selected={view.hosts} onChange={(h) => setView((v) => ({ ...v, hosts: h }))} />
        <TimeRangePicker range={view.range} onChange={(range) => setView((v) => ({ ...v, range }))} />
        <button type="button" className="btn" aria-expanded={sidebarOpen} aria-controls="field-sidebar" onClick={() => setSidebarOpen((o) => !o)}>
          {sidebarOpen ? '◂' : '▸'} Fields
        </button>
        {!liveRange && (
          <button type="button" className="btn small" onClick={toggleLive}>
            Back to live
          </button>
        )}
      </div>
      <div className="filters second">
        <LevelToggles shown={shown} totals={totals} onChange={(levels) => setView((v) => ({ ...v, levels }))} />
        {(view.q || view.levels.length > 0 || view.sources.length > 0 || view.hosts.length > 0 || view.range.kind === 'absolute') && (
          <button type="button" className="btn small reset" onClick={() => setView(DEFAULT_VIEW)}>
            Reset filters
          </button>
        )}
      </div>
      {ignored.length > 0 && (
        <div className="outside-note" role="alert" data-testid="link-ignored">
          <span>{ignored.join(' ')}</span>
          <button type="button" className="btn small" onClick={() => setIgnored([])}>
            Dismiss
          </button>
        </div>
      )}
      {logs.outside && (
        <div className="outside-note" role="status" data-testid="outside-range">
          {formatNumber(logs.outside.count)} new line{logs.outside.count === 1 ? ' is' : 's are'} dated before this range (oldest {formatInstant(logs.outside.oldest)}).
          <button type="button" className="btn small" onClick={() => setView((v) => ({ ...v, range: { kind: 'absolute', from: Math.floor(logs.outside!.oldest / 60_000) * 60_000, to: Date.now() + 60_000 } }))}>
            Show {logs.outside.count === 1 ? 'it' : 'them'}
          </button>
        </div>
      )}
      <Histogram
        splitBy={splitBy}
        split={split.data}
        picker={
          <label className="split-picker">
            <span className="dim">split by</span>
            <select aria-label="Split histogram by" value={splitBy} onChange={(e) => setView((v) => ({ ...v, split: e.target.value === 'level' ? undefined : e.target.value }))}>
              {splitChoices.map((n) => (
                <option key={n} value={n}>{n}</option>
              ))}
            </select>
          </label>
        }
        data={histogram.data} error={split.error ?? histogram.error} shown={shown} theme={theme} onZoom={(from, to) => setView((v) => ({ ...v, range: { kind: 'absolute', from, to } }))} onZoomOut={wider ? () => setView((v) => ({ ...v, range: wider })) : undefined} />
      <div className="main">
      {sidebarOpen && <FieldSidebar fields={fields.data} error={fields.error} onFilter={addFilter} />}
      <LogList
        window={logs.window}
        status={logs.status}
        empty={empty}
        error={error}
        following={following}
        expandedId={expandedId}
        pattern={pattern}
        loadingOlder={logs.loadingOlder}
        olderError={logs.olderError}
        newCount={newCount}
        loadKey={logs.anchor}
        focusId={logs.focused}
        onToggleRow={onToggleRow}
        onAtBottomChange={setAtBottom}
        onLoadOlder={logs.loadOlder}
        onJumpToNewest={jumpToNewest}
      />
      </div>
      <footer className="statusbar">
        <span data-testid="line-count">{formatNumber(count)} line{count === 1 ? '' : 's'} loaded</span>
        <span className="dim">{describeRange(view.range)}</span>
        {count >= WINDOW_CAP && <span className="dim">keeping the newest {formatNumber(WINDOW_CAP)} in memory</span>}
        <span className="spacer" />
        <span className="dim keys">/ search · space live · esc clear · enter expand</span>
      </footer>
      {authNeeded && (
        <TokenPrompt
          rejected={tokenRejected}
          onSaved={() => {
            setAuthNeeded(false);
            setTokenRejected(false);
            setRefreshKey((k) => k + 1);
            logs.reload();
          }}
        />
      )}
    </div>
    </FieldFilterContext.Provider>
  );
}
