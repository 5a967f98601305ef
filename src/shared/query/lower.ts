// Lowering: a query → what the stores already take (`q` in today's search syntax, levels, sources,
// host, field filters; see LogFilter in src/server/storage/store.ts). Only a top-level AND of
// supported parts lowers exactly; everything else (OR, NOT over text, substring, regex, a list of
// values on a field, units, prefixes on columns) is reported in `needs`, and the lowered filter
// is then a superset: a store reads those candidate rows and keeps the ones `matches` accepts.
import type { FieldFilter } from '../fields.js';
import { LEVELS, type Level } from '../levels.js';
import type { Expr, Pipe, Query } from './ast.js';
import { regexLiterals } from './regex-shape.js';

/** The part of a store's LogFilter a query can fill. */
export interface LoweredFilter {
  /** Words and phrases in today's search syntax (each a quoted phrase, `*` for a prefix). */
  q?: string;
  levels?: Level[];
  sources?: string[];
  host?: string;
  fields?: FieldFilter[];
}

/** Why a query needs the evaluator over candidate rows. */
export type Need = 'or' | 'not' | 'substring' | 'regex' | 'list' | 'unit' | 'prefix' | 'exists' | 'pipe';

export interface Lowered {
  filter: LoweredFilter;
  /** True when `filter` selects exactly what the query's condition does; false when it selects a superset. */
  exact: boolean;
  /** True when no record can match (`level:info level:error`); a store may answer with nothing at once. */
  empty: boolean;
  /** The constructs the stores cannot take yet, each once, in the order met (`pipe` when there is a pipe). */
  needs: Need[];
  /**
   * Text every matching message contains, ignoring case: the top-level `~"…"` substrings and
   * the literal runs of top-level regular expressions (regexLiterals). Not a filter of its own
   * (the query still decides); a store may use it to skip rows that cannot match.
   */
  contains: string[];
  pipe: Pipe | null;
}

const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;

/** A term in today's `q` syntax: always a quoted phrase (quotes inside cannot be escaped there, and separate tokens anyway). */
function termToQ(text: string, prefix: boolean): string {
  return `"${text.replace(/"/g, ' ')}"${prefix ? '*' : ''}`;
}

/** Lowers a query; see Lowered. */
export function lowerQuery(query: Query): Lowered {
  const needs: Need[] = [];
  const need = (n: Need) => {
    if (!needs.includes(n)) needs.push(n);
  };
  const qParts: string[] = [];
  let bareSubstring: string | undefined;
  let levels: Set<Level> | undefined;
  let sources: Set<string> | undefined;
  let host: string | undefined;
  let empty = false;
  const fields: FieldFilter[] = [];
  const contains: string[] = [];

  const keepLevels = (set: Set<Level>) => {
    levels = levels === undefined ? set : new Set([...levels].filter((l) => set.has(l)));
  };
  const levelSet = (e: Extract<Expr, { type: 'field' }>) =>
    new Set(LEVELS.filter((l) => e.values.some((v) => (v.prefix ? l.startsWith(v.text) : l === v.text))));

  const lowerOne = (e: Expr): void => {
    switch (e.type) {
      case 'term':
        qParts.push(termToQ(e.text, e.prefix));
        return;
      case 'field': {
        if (e.field === 'level') return keepLevels(levelSet(e));
        const prefixed = e.values.some((v) => v.prefix);
        if (e.field === 'source') {
          if (prefixed) return need('prefix');
          const set = new Set(e.values.map((v) => v.text));
          sources = sources === undefined ? set : new Set([...sources].filter((s) => set.has(s)));
          return;
        }
        if (e.field === 'host') {
          if (prefixed) return need('prefix');
          if (e.values.length > 1) return need('list');
          if (host === undefined) host = e.values[0].text;
          else if (host !== e.values[0].text) empty = true;
          return;
        }
        if (e.values.length > 1) {
          // Any of several values: the field must at least be there.
          fields.push({ path: e.field, op: 'exists' });
          return need('list');
        }
        const v = e.values[0];
        fields.push({ path: e.field, op: v.prefix ? 'prefix' : 'eq', value: v.text });
        return;
      }
      case 'exists':
        if (e.field === 'level' || e.field === 'message') return;
        if (e.field === 'source' || e.field === 'host') return need('exists');
        fields.push({ path: e.field, op: 'exists' });
        return;
      case 'compare': {
        if (e.unit !== undefined) {
          fields.push({ path: e.field, op: 'exists' });
          return need('unit');
        }
        fields.push(rangeFilter(e.field, e.op, e.value));
        return;
      }
      case 'not': {
        const c = e.child;
        if (c.type === 'field' && c.field === 'level') {
          const set = levelSet(c);
          return keepLevels(new Set(LEVELS.filter((l) => !set.has(l))));
        }
        if (c.type === 'field' && c.field !== 'source' && c.field !== 'host' && c.values.length === 1) {
          const v = c.values[0];
          fields.push({ path: c.field, op: v.prefix ? 'prefix' : 'eq', value: v.text, negate: true });
          return;
        }
        if (c.type === 'exists' && c.field !== 'level' && c.field !== 'message' && c.field !== 'source' && c.field !== 'host') {
          fields.push({ path: c.field, op: 'exists', negate: true });
          return;
        }
        if (c.type === 'compare' && c.unit === undefined) {
          fields.push({ ...rangeFilter(c.field, c.op, c.value), negate: true });
          return;
        }
        return need('not');
      }
      case 'substring':
        // Text without a letter or digit is what today's stores already search as a substring
        // (their fallback when `q` holds no token; they trim it), case being moot.
        if (!TOKEN_CHAR.test(e.text) && e.text === e.text.trim() && bareSubstring === undefined) {
          bareSubstring = e.text;
          return;
        }
        if (e.text !== '') contains.push(e.text.toLowerCase());
        return need('substring');
      case 'regex':
        for (const lit of regexLiterals(e.source).literals) contains.push(lit.toLowerCase());
        return need('regex');
      case 'or':
        return need('or');
      case 'and':
        for (const c of e.children) lowerOne(c);
        return;
    }
  };

  if (query.filter) lowerOne(query.filter);
  if (bareSubstring !== undefined) {
    if (qParts.length === 0 && !bareSubstring.includes('\0')) qParts.push(bareSubstring);
    else need('substring');
  }
  if (query.pipe) need('pipe');
  const filter: LoweredFilter = {};
  if (qParts.length) filter.q = qParts.join(' ');
  if (levels !== undefined) {
    if (levels.size === 0) empty = true;
    else if (levels.size < LEVELS.length) filter.levels = LEVELS.filter((l) => levels!.has(l));
  }
  if (sources !== undefined) {
    if (sources.size === 0) empty = true;
    else filter.sources = [...sources];
  }
  if (host !== undefined) filter.host = host;
  if (fields.length) filter.fields = fields;
  const exact = needs.every((n) => n === 'pipe');
  return { filter, exact, empty, needs, pipe: query.pipe, contains };
}

function rangeFilter(path: string, op: '>' | '>=' | '<' | '<=', value: number): FieldFilter {
  switch (op) {
    case '>':
      return { path, op: 'range', gt: value };
    case '>=':
      return { path, op: 'range', gte: value };
    case '<':
      return { path, op: 'range', lt: value };
    case '<=':
      return { path, op: 'range', lte: value };
  }
}
