// The view's state (search, levels, sources, time range) and its query-string form, so that a
// reload or a shared link shows the same view. parseViewState(formatViewState(v)) equals v.
import { LEVELS, isLevel, type Level } from '../../../src/shared/levels.js';
import { MAX_QUERY_CHARS } from '../../../src/shared/search.js';
import { parseQuery } from '../../../src/shared/query/parse.js';
import { fieldValueText } from './queryEdit.js';
import { DEFAULT_RANGE, describeRange, isQuickKey, type TimeRange } from './timeRange.js';

/** What the user chose to look at. Empty `levels`, `sources` or `hosts` means all of them. */
export interface ViewState {
  q: string;
  levels: Level[];
  sources: string[];
  hosts: string[];
  range: TimeRange;
  /** The field the histogram is split by; absent means by level. Not a filter: the list ignores it. */
  split?: string;
}

/** A field name the histogram can be split by (the grammar's field names, bounded). */
function isSplitField(s: string): boolean {
  return s.length <= 200 && /^[\p{L}_@][\p{L}\p{N}_.@/-]*$/u.test(s);
}

export const DEFAULT_VIEW: ViewState = { q: '', levels: [], sources: [], hosts: [], range: DEFAULT_RANGE };

function parseInstant(text: string | null): number {
  if (!text) return NaN;
  if (/^\d{1,16}$/.test(text)) return Number(text);
  return Date.parse(text);
}

/** Reads a view from a query string (with or without the leading "?"); unknown values are ignored. */
export function parseViewState(search: string): ViewState {
  return parseViewStateNoting(search).view;
}

/**
 * Reads a view and says, in sentences, what of the link it could not use (a bad or reversed
 * time range, a search longer than the server takes), so the page can tell the user.
 */
export function parseViewStateNoting(search: string): { view: ViewState; ignored: string[] } {
  const p = new URLSearchParams(search);
  const ignored: string[] = [];
  const levelSet = new Set((p.get('level') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(isLevel));
  const levels = LEVELS.filter((l) => levelSet.has(l));
  const sources = [...new Set((p.get('source') ?? '').split(',').map((s) => s.trim()).filter(Boolean))].sort();
  const hosts = [...new Set((p.get('host') ?? '').split(',').map((s) => s.trim()).filter(Boolean))].sort();
  let range: TimeRange = DEFAULT_RANGE;
  const from = parseInstant(p.get('from'));
  const to = parseInstant(p.get('to'));
  const key = p.get('range');
  if (Number.isFinite(from) && Number.isFinite(to) && to > from) range = { kind: 'absolute', from, to };
  else if (key && isQuickKey(key)) range = { kind: 'quick', key };
  else if (key) ignored.push(`The range "${key.slice(0, 20)}" is not one of the quick ranges.`);
  if (p.has('from') || p.has('to')) {
    const fallback = `showing ${describeRange(range).replace(/^Last/, 'the last').toLowerCase()} instead`;
    if (!Number.isFinite(from) || !Number.isFinite(to)) ignored.push(`The link's time range (from "${(p.get('from') ?? '').slice(0, 32)}" to "${(p.get('to') ?? '').slice(0, 32)}") is not two valid times; ${fallback}.`);
    else if (to <= from) ignored.push(`The link's time range ends before it starts; ${fallback}.`);
  }
  const splitParam = p.get('split');
  const split = splitParam && splitParam !== 'level' && isSplitField(splitParam) ? splitParam : undefined;
  let q = p.get('q') ?? '';
  if (q.length > MAX_QUERY_CHARS) {
    ignored.push(`The link's search was cut to ${MAX_QUERY_CHARS} characters, the most the server takes.`);
    q = q.slice(0, MAX_QUERY_CHARS);
  }
  return {
    view: {
      q,
      // All levels selected is the same view as none selected; keep one spelling.
      levels: levels.length === LEVELS.length ? [] : levels,
      sources,
      hosts,
      range,
      ...(split ? { split } : {}),
    },
    ignored,
  };
}

/** Writes a view as a query string without "?"; defaults are left out so plain URLs stay short. */
export function formatViewState(v: ViewState): string {
  const p = new URLSearchParams();
  if (v.q) p.set('q', v.q);
  const levels = LEVELS.filter((l) => v.levels.includes(l));
  if (levels.length && levels.length < LEVELS.length) p.set('level', levels.join(','));
  if (v.sources.length) p.set('source', [...new Set(v.sources)].sort().join(','));
  if (v.hosts.length) p.set('host', [...new Set(v.hosts)].sort().join(','));
  if (v.range.kind === 'absolute') {
    p.set('from', new Date(v.range.from).toISOString());
    p.set('to', new Date(v.range.to).toISOString());
  } else if (!(DEFAULT_RANGE.kind === 'quick' && v.range.key === DEFAULT_RANGE.key)) {
    p.set('range', v.range.key);
  }
  if (v.split && v.split !== 'level') p.set('split', v.split);
  return p.toString();
}

/** The part of a view that chooses the lines (everything but how the histogram is split). */
export function listKey(v: ViewState): string {
  return formatViewState({ ...v, split: undefined });
}

/** True when two views ask the server for the same lines. */
export function sameView(a: ViewState, b: ViewState): boolean {
  return formatViewState(a) === formatViewState(b);
}

/** Levels the view shows (all of them when none is chosen). */
export function shownLevels(v: ViewState): readonly Level[] {
  return v.levels.length ? v.levels : LEVELS;
}

/**
 * The query the server is sent: the typed one, and for several hosts a `host:a,b` clause (the
 * API's `host=` takes one). The clause goes before any pipe, the typed condition in brackets so
 * that its ORs stay inside; a query that does not parse is sent as typed, for the server's error.
 */
export function queryWithHosts(q: string, hosts: string[]): string {
  const text = q.trim();
  if (hosts.length < 2) return text;
  const clause = `host:${hosts.map(fieldValueText).join(',')}`;
  let pipeAt = text.length;
  try {
    const parsed = parseQuery(text);
    if (parsed.pipe) pipeAt = text.lastIndexOf('|', parsed.pipe.span.start);
  } catch {
    return text;
  }
  const head = text.slice(0, pipeAt).trim();
  return `${head ? `(${head}) ` : ''}${clause}${pipeAt < text.length ? ` ${text.slice(pipeAt)}` : ''}`;
}

/** Filter parameters for the API (q, level, source, host) shared by logs, tail, histogram and export. */
export function filterParams(v: ViewState, opts: { levels?: boolean } = {}): URLSearchParams {
  const p = new URLSearchParams();
  const q = queryWithHosts(v.q, v.hosts);
  if (q) p.set('q', q);
  if (opts.levels !== false && v.levels.length && v.levels.length < LEVELS.length) p.set('level', LEVELS.filter((l) => v.levels.includes(l)).join(','));
  if (v.sources.length) p.set('source', v.sources.join(','));
  if (v.hosts.length === 1) p.set('host', v.hosts[0]);
  return p;
}
