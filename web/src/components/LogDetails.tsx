// The expanded part of a row: the whole message, its fields, copy buttons and the lines
// around it from the same source.
import { useEffect, useRef, useState } from 'react';
import type { LogRecord } from '../../../src/shared/record.js';
import { fetchContext } from '../api.js';
import { formatClock, formatDate, formatValue, stripAnsi } from '../lib/format.js';
import type { SearchPattern } from '../lib/highlight.js';
import { CopyButton } from './CopyButton.js';
import { Highlighted } from './Highlighted.js';
import { LevelBadge } from './LevelBadge.js';
import { revealRow } from './revealRow.js';
import { VisibleText } from './VisibleText.js';
import { escapeBidiJson } from '../lib/bidi.js';

type ContextState = { state: 'idle' } | { state: 'loading' } | { state: 'error'; message: string } | { state: 'done'; before: LogRecord[]; after: LogRecord[] };

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
  const attrs = record.attrs ? Object.entries(record.attrs) : [];
  const showContext = () => {
    setCtx({ state: 'loading' });
    fetchContext(record.id, 10, 10).then(
      (r) => setCtx({ state: 'done', before: r.before, after: r.after }),
      (err: Error) => setCtx({ state: 'error', message: err.message }),
    );
  };
  return (
    <div className="details" data-testid="log-details" onClick={(e) => e.stopPropagation()}>
      <dl className="meta">
        <div><dt>Time</dt><dd>{formatDate(record.ts)} {formatClock(record.ts)} <span className="dim">({new Date(record.ts).toISOString()})</span></dd></div>
        <div><dt>Source</dt><dd><VisibleText text={record.source} /></dd></div>
        <div><dt>Host</dt><dd>{record.host ? <VisibleText text={record.host} /> : '—'}</dd></div>
        <div><dt>Id</dt><dd>#{record.id}</dd></div>
      </dl>
      <pre className="full-message"><Highlighted text={stripAnsi(record.message)} pattern={pattern} /></pre>
      {attrs.length > 0 && (
        <table className="attrs">
          <caption>Fields</caption>
          <tbody>
            {attrs.map(([k, v]) => (
              <tr key={k}>
                <th scope="row"><VisibleText text={k} /></th>
                <td><VisibleText text={formatValue(v)} /></td>
                <td className="copy-cell"><CopyButton text={formatValue(v)} label={`Copy ${k}`} short="Copy" /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="details-actions">
        <CopyButton text={record.message} label="Copy message" />
        <CopyButton text={escapeBidiJson(JSON.stringify(record, null, 2))} label="Copy as JSON" />
        <button type="button" className="btn small" onClick={showContext} disabled={ctx.state === 'loading'}>
          {ctx.state === 'done' ? 'Refresh context' : 'Show context'}
        </button>
      </div>
      {ctx.state === 'loading' && <p className="state-text">Loading the lines around this one…</p>}
      {ctx.state === 'error' && <p className="state-text error">Could not load the context: {ctx.message}</p>}
      {ctx.state === 'done' && (
        <section ref={contextRef} className="context" aria-label={`Context from ${record.source}`}>
          <h3>Context from <VisibleText text={record.source} /></h3>
          {ctx.before.length === 0 && ctx.after.length === 0 && <p className="state-text">No other lines from this source near this one.</p>}
          <ol>
            {ctx.before.map((r) => <ContextLine key={r.id} r={r} />)}
            <ContextLine r={record} current />
            {ctx.after.map((r) => <ContextLine key={r.id} r={r} />)}
          </ol>
        </section>
      )}
    </div>
  );
}
