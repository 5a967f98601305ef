// The reference evaluator: what a query selects, defined over one record in memory. Every store
// must return exactly the records `matches` accepts (the conformance suite compares them), and the
// live tail can use it directly. Bare terms match by tokens exactly as search.ts defines; field
// terms on attrs as fields.ts defines; `level`, `source` and `host` are the record's columns.
import { fieldNumber, fieldText, fieldValues } from '../fields.js';
import { LEVELS, type Level } from '../levels.js';
import { includesText, termMatches, tokenize, type SearchTerm } from '../search.js';
import type { CompareOp, Expr, Pipe, Query } from './ast.js';
import { compileRegex } from './regex.js';
import { isDurationUnit, textToBase, toBase } from './units.js';

/** What the evaluator reads of a record (a LogRecord fits). */
export interface QueryRecord {
  ts: number;
  level: Level;
  source: string;
  host: string;
  message: string;
  attrs?: Record<string, unknown> | null;
}

/** A compiled condition; `tokens`, when given, supplies the message's tokens (computed once and shared between matchers). */
export type RecordMatcher = (r: QueryRecord, tokens?: () => string[]) => boolean;

type Check = (r: QueryRecord, tokens: () => string[]) => boolean;

function compare(op: CompareOp, n: number, bound: number): boolean {
  switch (op) {
    case '>':
      return n > bound;
    case '>=':
      return n >= bound;
    case '<':
      return n < bound;
    case '<=':
      return n <= bound;
  }
}

function columnText(r: QueryRecord, field: 'source' | 'host'): string {
  return field === 'source' ? r.source : r.host;
}

function compileNode(e: Expr): Check {
  switch (e.type) {
    case 'term': {
      const st: SearchTerm = { tokens: tokenize(e.text), prefix: e.prefix };
      return (_r, tokens) => termMatches(st, tokens());
    }
    case 'field': {
      const values = e.values;
      if (e.field === 'level') {
        const set = new Set<Level>(LEVELS.filter((l) => values.some((v) => (v.prefix ? l.startsWith(v.text) : l === v.text))));
        return (r) => set.has(r.level);
      }
      if (e.field === 'source' || e.field === 'host') {
        const col = e.field;
        if (!values.some((v) => v.prefix)) {
          const set = new Set(values.map((v) => v.text));
          return (r) => set.has(columnText(r, col));
        }
        return (r) => {
          const t = columnText(r, col);
          return values.some((v) => (v.prefix ? t.startsWith(v.text) : t === v.text));
        };
      }
      const path = e.field;
      return (r) => fieldValues(r.attrs, path).some((x) => {
        const t = fieldText(x);
        return t !== undefined && values.some((v) => (v.prefix ? t.startsWith(v.text) : t === v.text));
      });
    }
    case 'exists': {
      if (e.field === 'level' || e.field === 'message') return () => true;
      if (e.field === 'source' || e.field === 'host') {
        const col = e.field;
        return (r) => columnText(r, col) !== '';
      }
      const path = e.field;
      return (r) => fieldValues(r.attrs, path).length > 0;
    }
    case 'compare': {
      const { field: path, op, value, unit } = e;
      if (unit === undefined) {
        return (r) => fieldValues(r.attrs, path).some((x) => {
          const n = fieldNumber(x);
          return n !== undefined && compare(op, n, value);
        });
      }
      // Text with a unit of the same kind ("312ms", "1.5s", "10 KiB") is converted, as the bound
      // is, to ns or bytes. A bare number is bytes for a size (sizes are logged in bytes), and for
      // a duration is read in the unit written in the query (`latency_ms:>250ms`): logs carry
      // durations as ms, s or ns numbers alike, and only the query's author knows which.
      const bound = toBase(value, unit);
      const duration = isDurationUnit(unit);
      const numericBound = duration ? value : bound;
      return (r) => fieldValues(r.attrs, path).some((x) => {
        const n = fieldNumber(x);
        if (n !== undefined) return compare(op, n, numericBound);
        if (typeof x !== 'string') return false;
        const b = textToBase(x, duration);
        return b !== undefined && compare(op, b, bound);
      });
    }
    case 'substring': {
      const needle = e.text.toLowerCase();
      return (r) => includesText(r.message.toLowerCase(), needle);
    }
    case 'regex': {
      const re = compileRegex(e.source);
      return (r) => re.test(r.message);
    }
    case 'and': {
      const cs = e.children.map(compileNode);
      return (r, tk) => {
        for (const c of cs) if (!c(r, tk)) return false;
        return true;
      };
    }
    case 'or': {
      const cs = e.children.map(compileNode);
      return (r, tk) => {
        for (const c of cs) if (c(r, tk)) return true;
        return false;
      };
    }
    case 'not': {
      const c = compileNode(e.child);
      return (r, tk) => !c(r, tk);
    }
  }
}

/** Compiles a query's condition into a predicate (the pipe is not a condition: see runPipe). */
export function compileQuery(q: Query | Expr | null): RecordMatcher {
  const expr = q !== null && 'filter' in q ? q.filter : (q as Expr | null);
  if (expr === null) return () => true;
  const check = compileNode(expr);
  return (r, tokens) => {
    if (tokens) return check(r, tokens);
    let cached: string[] | undefined;
    return check(r, () => (cached ??= tokenize(r.message)));
  };
}

const compiled = new WeakMap<object, RecordMatcher>();

/** Whether a record satisfies a query's condition: the reference semantics every store reproduces. */
export function matches(q: Query | Expr | null, r: QueryRecord): boolean {
  if (q === null) return true;
  let m = compiled.get(q);
  if (m === undefined) compiled.set(q, (m = compileQuery(q)));
  return m(r);
}

/** A pipe's answer: named columns (the grouped fields, then `count`) and rows. */
export interface Table {
  columns: string[];
  rows: Array<Array<string | number | null>>;
}

/**
 * The value a record groups by in `stats … by` and `top`: the column for level/source/host/message,
 * else the text of the field's first value (JSON for an object), or null when the field is absent.
 */
export function groupValue(r: QueryRecord, field: string): string | null {
  switch (field) {
    case 'level':
      return r.level;
    case 'source':
      return r.source;
    case 'host':
      return r.host;
    case 'message':
      return r.message;
  }
  const vs = fieldValues(r.attrs, field);
  if (vs.length === 0) return null;
  return fieldText(vs[0]) ?? JSON.stringify(vs[0]);
}

function compareKeys(a: Array<string | null>, b: Array<string | null>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Runs a pipe over the records a query matched: the reference answer of the API's tables. Rows
 * are ordered by count, highest first, ties by the grouped values (null first, then by UTF-16
 * code units); `stats` keeps `limit` rows when given, `top` keeps N and leaves out records
 * without the field.
 */
export function runPipe(pipe: Pipe, records: Iterable<QueryRecord>): Table {
  const by = pipe.type === 'stats' ? pipe.by : [pipe.field];
  const groups = new Map<string, { key: Array<string | null>; count: number }>();
  for (const r of records) {
    const key = by.map((f) => groupValue(r, f));
    if (pipe.type === 'top' && key[0] === null) continue;
    const id = JSON.stringify(key);
    const g = groups.get(id);
    if (g) g.count++;
    else groups.set(id, { key, count: 1 });
  }
  // A count with no grouping is one row even over no records.
  if (by.length === 0 && groups.size === 0) groups.set('[]', { key: [], count: 0 });
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count || compareKeys(a.key, b.key));
  const limit = pipe.type === 'stats' ? pipe.limit : pipe.n;
  const kept = limit === undefined ? sorted : sorted.slice(0, limit);
  return { columns: [...by, 'count'], rows: kept.map((g) => [...g.key, g.count]) };
}
