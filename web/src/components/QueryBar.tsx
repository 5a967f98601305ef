// The query bar: the text is coloured as the parser reads it, a query that does not parse says
// why under the bar with its column marked (checked here as you type, and the server's own
// LP_ERR_QUERY shown too), and field names and values complete from /fields. Typing stays in
// this component: the view (and the list) changes only when the text settles.
//
// The text and the view's query are two copies that both change, so which one wins is decided
// by who changed last, not by comparing them later:
//   1. Only the user's own edits (typing, a completion, Enter, Escape) are ever pushed to the
//      view, each once: a new edit replaces the pending push, Enter pushes at once.
//   2. A push says which view query it is an edit of (`from`); if the view has moved on by the
//      time it lands (a + button, Back), the push is dropped. Under load, a debounce timer can
//      fire just before a click or a history step is handled and be rendered after it.
//   3. The settled push is rendered within the timer's own task (flushSync), so nothing the
//      user does next can come between the typed text and the view.
//   4. A view query the bar did not push (it came from elsewhere) replaces the text and cancels
//      the pending push; the view's answer to the bar's own push leaves the text alone, as the
//      user may have typed on since.
import { forwardRef, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { FieldsResponse } from '../../../src/shared/api.js';
import { LEVELS } from '../../../src/shared/levels.js';
import { completionAt } from '../../../src/shared/query/assist.js';
import { MAX_QUERY_CHARS } from '../../../src/shared/search.js';
import { fieldValueText } from '../lib/queryEdit.js';
import { checkQuery, colourQuery, type QueryProblem } from '../lib/querySyntax.js';

interface Props {
  value: string;
  /**
   * The user's edit of the query: `q` replaces `from`, the view's query the bar showed when it
   * was made. A view whose query is no longer `from` keeps its own.
   */
  onChange(q: string, from: string): void;
  /** Fields of the current view, for completion (null until loaded). */
  fields: FieldsResponse | null;
  /** The server's LP_ERR_QUERY for the current view's query, if it refused it. */
  serverProblem: QueryProblem | null;
}

/** One completion on offer: the text shown and what replaces the word being typed. */
interface Suggestion {
  label: string;
  insert: string;
  detail?: string;
}

const MAX_SUGGESTIONS = 12;
/** Most field names the bar remembers for completion (the newest seen are kept). */
const MAX_KNOWN_FIELDS = 500;

type FieldSummary = FieldsResponse['fields'][number];

/**
 * The fields of every view seen so far (each name as its newest answer gave it): completion must not
 * depend on the view of the moment. Typing a name runs it as a search once the typing settles,
 * and a half-typed name (`req`) matches no line, so that view's fields would take the very name
 * being typed (`request_id`) off the list.
 */
function useKnownFields(fields: FieldsResponse | null): Pick<FieldsResponse, 'fields'> | null {
  const known = useRef(new Map<string, FieldSummary>());
  return useMemo(() => {
    const m = known.current;
    for (const f of fields?.fields ?? []) {
      m.delete(f.field);
      m.set(f.field, f);
    }
    for (const name of m.keys()) {
      if (m.size <= MAX_KNOWN_FIELDS) break;
      m.delete(name);
    }
    // The view's own fields first, in its order; those only earlier views had after them.
    const now = fields?.fields ?? [];
    const here = new Set(now.map((f) => f.field));
    return m.size || fields ? { fields: [...now, ...[...m.values()].filter((f) => !here.has(f.field)).reverse()] } : null;
  }, [fields]);
}
/** How long typing must pause before the text goes to the view. */
const SETTLE_MS = 250;
const PIPES: Suggestion[] = [
  { label: 'stats count() by (…)', insert: 'stats count() by (' },
  { label: 'top 10 …', insert: 'top 10 ' },
];

/** What to offer at `cursor` in `text`, and where the replaced text starts. */
function suggestionsFor(text: string, cursor: number, fields: Pick<FieldsResponse, 'fields'> | null): { start: number; items: Suggestion[] } {
  const ctx = completionAt(text, cursor);
  const rank = (items: Suggestion[], prefix: string) => {
    const p = prefix.toLowerCase();
    const starts = items.filter((s) => s.label.toLowerCase().startsWith(p));
    // Matches inside a name only once the prefix says enough (three characters).
    const inside = p.length >= 3 ? items.filter((s) => !s.label.toLowerCase().startsWith(p) && s.label.toLowerCase().includes(p)) : [];
    return [...starts, ...inside].filter((s) => s.insert !== prefix).slice(0, MAX_SUGGESTIONS);
  };
  if (ctx.kind === 'field') {
    // Offer names only once something is typed: a space alone should not open a list.
    // Nor does a keyword of the grammar, which is not the start of a field name.
    if (!ctx.prefix || ['OR', 'AND', 'NOT'].includes(ctx.prefix)) return { start: ctx.start, items: [] };
    const names = new Map<string, number>();
    for (const n of ['level', 'source', 'host']) names.set(n, 0);
    for (const f of fields?.fields ?? []) names.set(f.field, f.count);
    const items = [...names].map(([name, count]) => ({ label: name, insert: `${name}:`, detail: count ? String(count) : undefined }));
    return { start: ctx.start, items: rank(items, ctx.prefix) };
  }
  if (ctx.kind === 'value') {
    const known = fields?.fields.find((f) => f.field === ctx.field);
    const values: Suggestion[] = known ? known.values.map((v) => ({ label: v.value, insert: `${fieldValueText(v.value)} `, detail: String(v.count) })) : [];
    if (ctx.field === 'level') for (const l of LEVELS) if (!values.some((v) => v.label === l)) values.push({ label: l, insert: `${l} ` });
    return { start: ctx.start, items: rank(values, ctx.prefix) };
  }
  if (ctx.kind === 'pipe') return { start: ctx.start, items: rank(PIPES, ctx.prefix) };
  return { start: cursor, items: [] };
}

/** Debounced, coloured query input labelled "Search logs", with inline errors and completion. */
export const QueryBar = forwardRef<HTMLInputElement, Props>(function QueryBar({ value, onChange, fields, serverProblem }, ref) {
  const [text, setText] = useState(value);
  const [cursor, setCursor] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const overlay = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement | null>(null);
  // The view's query as the bar last saw it or set it: what the text is an edit of.
  const base = useRef(value);
  // The push of the last edit, waiting for the typing to settle.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const cancelPush = () => {
    clearTimeout(pending.current);
    pending.current = undefined;
  };
  const push = (q: string) => {
    cancelPush();
    if (q === base.current) return;
    const from = base.current;
    base.current = q;
    onChange(q, from);
  };
  /** An edit by the user: shown now, pushed once the typing settles. */
  const edit = (q: string) => {
    setText(q);
    cancelPush();
    pending.current = setTimeout(() => {
      pending.current = undefined;
      flushSync(() => push(q));
    }, SETTLE_MS);
  };
  useEffect(() => cancelPush, []);

  // The view changed. Its answer to our own push is already in `base`; anything else came from
  // elsewhere (Esc, Back, a link, a + button) and replaces both the text and any pending edit.
  useEffect(() => {
    if (value === base.current) return;
    base.current = value;
    cancelPush();
    setText(value);
  }, [value]);

  const runs = useMemo(() => colourQuery(text), [text]);
  const local = useMemo(() => (text.trim() ? checkQuery(text).problem : null), [text]);
  const known = useKnownFields(fields);
  const suggestions = useMemo(() => suggestionsFor(text, cursor, known), [text, cursor, known]);
  const showList = open && suggestions.items.length > 0;
  useEffect(() => setActive(0), [suggestions]);

  const syncScroll = () => {
    if (overlay.current && inputRef.current) overlay.current.scrollLeft = inputRef.current.scrollLeft;
  };
  useEffect(syncScroll, [text]);

  const apply = (s: Suggestion) => {
    const next = text.slice(0, suggestions.start) + s.insert + text.slice(cursor);
    const at = suggestions.start + s.insert.length;
    edit(next.slice(0, MAX_QUERY_CHARS));
    setCursor(at);
    // A field name leads on to its values; a value or keyword is done.
    setOpen(s.insert.endsWith(':') || s.insert.endsWith('('));
    requestAnimationFrame(() => {
      inputRef.current?.setSelectionRange(at, at);
      syncScroll();
    });
  };

  // The server's error is shown when it is about the text in the bar.
  const server = serverProblem && text === value ? serverProblem : null;
  const problem = local ?? server;
  const listId = 'query-suggestions';
  return (
    <div className="query-bar-wrap">
      <div className={`search query-bar${problem ? ' invalid' : ''}`}>
        <span className="search-icon" aria-hidden="true">⌕</span>
        <div className="query-field">
          <div className="query-colours" aria-hidden="true" ref={overlay} data-testid="query-colours">
            {runs.map((r, i) => (
              <span key={i} className={`q-${r.kind}`}>{r.text}</span>
            ))}
          </div>
          <input
            ref={(el) => {
              inputRef.current = el;
              if (typeof ref === 'function') ref(el);
              else if (ref) ref.current = el;
            }}
            type="search"
            role="combobox"
            aria-label="Search logs"
            aria-autocomplete="list"
            aria-expanded={showList}
            aria-controls={listId}
            aria-activedescendant={showList ? `${listId}-${active}` : undefined}
            aria-invalid={problem ? true : undefined}
            aria-describedby={[problem ? 'query-error' : '', text.length >= MAX_QUERY_CHARS ? 'search-limit' : ''].filter(Boolean).join(' ') || undefined}
            placeholder='Search — words, "phrases", level:error, -term, a OR b, ~"sub", /re/   ( / )'
            value={text}
            spellCheck={false}
            autoComplete="off"
            maxLength={MAX_QUERY_CHARS}
            onChange={(e) => {
              edit(e.target.value.slice(0, MAX_QUERY_CHARS));
              setCursor(e.target.selectionStart ?? e.target.value.length);
              setOpen(true);
            }}
            onSelect={(e) => setCursor(e.currentTarget.selectionStart ?? text.length)}
            onScroll={syncScroll}
            onBlur={() => setOpen(false)}
            onKeyDown={(e) => {
              if (showList && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
                e.preventDefault();
                const n = suggestions.items.length;
                setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
                return;
              }
              if (showList && (e.key === 'Enter' || e.key === 'Tab')) {
                e.preventDefault();
                apply(suggestions.items[active]);
                return;
              }
              if (e.key === 'Escape' && showList) {
                // Closes the list only; the window's Escape (clear the search) must not see it.
                e.preventDefault();
                e.nativeEvent.stopImmediatePropagation();
                setOpen(false);
                return;
              }
              if (e.key === 'Enter') push(text);
              if (e.key === 'Escape') {
                e.preventDefault();
                setText('');
                push('');
              }
            }}
          />
        </div>
        {text.length >= MAX_QUERY_CHARS && (
          <span id="search-limit" className="search-limit" role="status">
            Searches stop at {MAX_QUERY_CHARS.toLocaleString('en-US')} characters, the most the server takes.
          </span>
        )}
        {showList && (
          <ul className="popover suggestions" role="listbox" id={listId} aria-label="Completions">
            {suggestions.items.map((s, i) => (
              <li
                key={s.label}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                // mousedown, not click: the input must not lose focus (blur closes the list).
                onMouseDown={(e) => {
                  e.preventDefault();
                  apply(s);
                }}
              >
                <span className="s-label">{s.label}</span>
                {s.detail && <span className="count">{s.detail}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      {problem && (
        <div className="query-error" id="query-error" role="alert" data-testid="query-error">
          <code className="query-error-text">
            {text.slice(0, problem.start)}
            <mark>{text.slice(problem.start, problem.end) || ' '}</mark>
            {text.slice(problem.end)}
          </code>
          <span>
            {/column \d+/i.test(problem.message) ? problem.message : `Column ${problem.column}: ${problem.message}`}
            {local && server && server.message !== local.message ? ` — the server says: ${server.message}` : ''}
            {!local && server ? ' (from the server)' : ''}
          </span>
        </div>
      )}
    </div>
  );
});
