// The expanded part of a row: the whole message, its fields, copy buttons (the message, the
// record, a link to this line) and the lines around it — from the same source or from all
// sources, ten at a time with more on request.
import { useContext, useEffect, useRef, useState } from 'react';
import type { LogRecord } from '../../../src/shared/record.js';
import { fetchContext, fetchLogs } from '../api.js';
import { anchorParams, type Anchor } from '../../../src/shared/cursor.js';
import { formatViewState, parseViewState } from '../lib/viewState.js';
import { formatClock, formatDate, formatValue, stripAnsi } from '../lib/format.js';
import type { SearchPattern } from '../lib/highlight.js';
import { attrEntries } from '../lib/queryEdit.js';
import { CopyButton } from './CopyButton.js';
import { FieldFilterContext } from './FieldFilterContext.js';
import { Highlighted } from './Highlighted.js';
import { LevelBadge } from './LevelBadge.js';
import { revealRow } from './revealRow.js';
import { VisibleText } from './VisibleText.js';
import { escapeBidiJson } from '../lib/bidi.js';

type ContextState = { state: 'idle' } | { state: 'loading' } | { state: 'error'; message: string } | { state: 'done'; before: LogRecord[]; after: LogRecord[]; moreBefore: boolean; moreAfter: boolean };

const CONTEXT_STEP = 10;
const CONTEXT_MAX = 500;

/** Lines around a record: its source's (the context API) or every source's (time-ordered pages). */
async function loadContext(record: LogRecord, before: number, after: number, allSources: boolean): Promise<{ before: LogRecord[]; after: LogRecord[] }> {
  if (!allSources) {
    const r = await fetchContext(record.id, before, after);
    return { before: r.before, after: r.after };
  }
  const side = async (n: number, anchor: Anchor) => (n ? (await fetchLogs(new URLSearchParams({ limit: String(n), ...anchorParams(anchor) }))).logs : []);
  const [older, newer] = await Promise.all([side(before, { before: record.id }), side(after, { after: record.id })]);
  return { before: older.reverse(), after: newer };
}

/**
 * A link to the current view opened at this line. A live range would have moved on by the time
 * the link is opened, so the link pins a fixed range of half an hour each side of the line.
 */
export function lineLink(record: LogRecord): string {
  const view = parseViewState(window.location.search);
  const range = view.range.kind === 'absolute' && view.range.from <= record.ts && record.ts < view.range.to ? view.range : { kind: 'absolute' as const, from: record.ts - 1_800_000, to: record.ts + 1_800_000 };
  const qs = new URLSearchParams(formatViewState({ ...view, range }));
  qs.set('row', String(record.id));
  return `${window.location.origin}${window.location.pathname}?${qs}`;
}

function ContextLine({ r, current }: { r: LogRecord; current?: boolean }) {
  return (
    <li className={`context-line lv-row-${r.level}${current ? ' current' : ''}`} data-testid="context-line" aria-current={current ? 'true' : undefined}>
      <span className="ts">{formatClock(r.ts)}</span>
      <LevelBadge level={r.level} />
      <span className="msg"><VisibleText text={stripAnsi(r.message)} /></span>
    </li>
  );
}

/** Details of one record, shown under its row. */
export function LogDetails({ record, pattern }: { record: LogRecord; pattern: SearchPattern | null }) {
  const [ctx, setCtx] = useState<ContextState>({ state: 'idle' });
  const contextRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (ctx.state !== 'done') return;
    // Centre the record itself inside the context list, then make room for the list.
    const list = contextRef.current?.querySelector<HTMLElement>('ol');
    const current = list?.querySelector<HTMLElement>('.current');
    if (list && current) list.scrollTop = current.offsetTop - list.clientHeight / 2 + current.clientHeight / 2;
    revealRow(contextRef.current?.closest<HTMLElement>('[data-testid=log-row]') ?? null);
  }, [ctx.state]);
  const attrs = attrEntries(record.attrs as Record<string, unknown> | null | undefined);
  const addFilter = useContext(FieldFilterContext);
  const filterButtons = (field: string, value: string | null) =>
    addFilter && value !== null ? (
      <>
        <button type="button" className="btn tiny" aria-label={`Filter for ${field}:${value}`} title="Only lines with this value" onClick={() => addFilter(field, value, false)}>+</button>
        <button type="button" className="btn tiny" aria-label={`Filter out ${field}:${value}`} title="Hide lines with this value" onClick={() => addFilter(field, value, true)}>−</button>
      </>
    ) : null;
  const [span, setSpan] = useState({ before: CONTEXT_STEP, after: CONTEXT_STEP, all: false });
  const load = (next: typeof span) => {
    setSpan(next);
    setCtx((c) => (c.state === 'done' ? c : { state: 'loading' }));
    loadContext(record, next.before, next.after, next.all).then(
      (r) => setCtx({ state: 'done', before: r.before, after: r.after, moreBefore: r.before.length >= next.before && next.before < CONTEXT_MAX, moreAfter: r.after.length >= next.after && next.after < CONTEXT_MAX }),
      (err: Error) => setCtx({ state: 'error', message: err.message }),
    );
  };
  const showContext = () => load(span);
  return (
    <div className="details" data-testid="log-details" onClick={(e) => e.stopPropagation()}>
      <dl className="meta">
        <div><dt>Time</dt><dd>{formatDate(record.ts)} {formatClock(record.ts)} <span className="dim">({new Date(record.ts).toISOString()})</span></dd></div>
        <div><dt>Source</dt><dd><VisibleText text={record.source} /> {filterButtons('source', record.source)}</dd></div>
        <div><dt>Host</dt><dd>{record.host ? <><VisibleText text={record.host} /> {filterButtons('host', record.host)}</> : '—'}</dd></div>
        <div><dt>Id</dt><dd>#{record.id}</dd></div>
      </dl>
      <pre className="full-message"><Highlighted text={stripAnsi(record.message)} pattern={pattern} /></pre>
      {attrs.length > 0 && (
        <table className="attrs">
          <caption>Fields</caption>
          <tbody>
            {attrs.map(({ path, value, filterText }) => (
              <tr key={path}>
                <th scope="row"><VisibleText text={path} /></th>
                <td><VisibleText text={formatValue(value)} /></td>
                <td className="copy-cell">
                  {filterButtons(path, filterText)}
                  <CopyButton text={formatValue(value)} label={`Copy ${path}`} short="Copy" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="details-actions">
        <CopyButton text={record.message} label="Copy message" />
        <CopyButton text={escapeBidiJson(JSON.stringify(record, null, 2))} label="Copy as JSON" />
        <CopyButton text={lineLink(record)} label="Copy link to this line" short="Copy link" />
        <button type="button" className="btn small" onClick={showContext} disabled={ctx.state === 'loading'}>
          {ctx.state === 'done' ? 'Refresh context' : 'Show context'}
        </button>
      </div>
      {ctx.state === 'loading' && <p className="state-text">Loading the lines around this one…</p>}
      {ctx.state === 'error' && <p className="state-text error">Could not load the context: {ctx.message}</p>}
      {ctx.state === 'done' && (
        <section ref={contextRef} className="context" aria-label={`Context from ${span.all ? 'all sources' : record.source}`}>
          <h3>
            Context from {span.all ? 'all sources' : <VisibleText text={record.source} />}
            <label className="context-all">
              <input type="checkbox" checked={span.all} onChange={(e) => load({ ...span, all: e.target.checked })} /> All sources
            </label>
          </h3>
          {ctx.before.length === 0 && ctx.after.length === 0 && <p className="state-text">No other lines {span.all ? '' : 'from this source '}near this one.</p>}
          {ctx.moreBefore && (
            <button type="button" className="btn small" onClick={() => load({ ...span, before: Math.min(CONTEXT_MAX, span.before * 2) })}>
              Load earlier lines
            </button>
          )}
          <ol>
            {ctx.before.map((r) => <ContextLine key={r.id} r={r} />)}
            <ContextLine r={record} current />
            {ctx.after.map((r) => <ContextLine key={r.id} r={r} />)}
          </ol>
          {ctx.moreAfter && (
            <button type="button" className="btn small" onClick={() => load({ ...span, after: Math.min(CONTEXT_MAX, span.after * 2) })}>
              Load later lines
            </button>
          )}
        </section>
      )}
    </div>
  );
}
