// Field filters (LogFilter.fields) on TODAY's SQLite row store, kept apart in this one file:
// the compressed block store (issue 11) replaces it with a field index, and then it is
// dropped. It is simple and exact rather than fast: a SQL function that runs matchesFields
// (src/shared/fields.ts, the one definition) over each candidate row's attrs, so the other
// filters and the time order still pick the rows, and every row of the range they leave is
// parsed. Do not build on it.
import type Database from 'better-sqlite3';
import { matchesFields, type FieldFilter } from '../../../shared/fields.js';

const FUNCTION = 'logpipe_fields_match';

/** Registers the SQL function the clause below calls, on one connection. */
export function registerFieldMatch(db: Database.Database): void {
  // The filters arrive as JSON text, the same text for every row of a statement: parse once.
  let lastText = '';
  let last: FieldFilter[] = [];
  db.function(FUNCTION, { deterministic: true }, (attrs: unknown, filters: unknown) => {
    if (filters !== lastText) {
      lastText = String(filters);
      last = JSON.parse(lastText) as FieldFilter[];
    }
    let parsed: unknown = null;
    if (typeof attrs === 'string') {
      try {
        parsed = JSON.parse(attrs);
      } catch {
        parsed = null;
      }
    }
    return matchesFields(parsed, last) ? 1 : 0;
  });
}

/** The WHERE term (and its parameter) selecting rows of alias `t` whose attrs satisfy every filter. */
export function fieldMatchClause(fields: FieldFilter[], t: string): { sql: string; param: string } {
  return { sql: `${FUNCTION}(${t}.attrs, ?) = 1`, param: JSON.stringify(fields) };
}
