// The exact test of one stored row against a LogFilter, for stores that read rows and filter
// them in JS (the SQLite block store decompresses a block and keeps what this accepts). It is
// the same definition the live tail uses (live/match.ts): the search grammar of
// shared/search.ts (a query with nothing searchable is a case-insensitive substring), field
// filters by shared/fields.ts matchesFields, and levels/sources/host/[from, to) as in store.ts.
import { LEVEL_CODE } from '../../shared/levels.js';
import { matchesFields } from '../../shared/fields.js';
import { MAX_QUERY_CHARS, parseSearch, termMatches, tokenize, type SearchTerm } from '../../shared/search.js';
import type { LogFilter } from './store.js';
import type { Row } from './row.js';

const ASCII = /^[\x00-\x7f]*$/;

/** Accepts or rejects a row. */
export type RowPredicate = (r: Row) => boolean;

/** The search part of a filter: terms of the grammar, or a substring when nothing is searchable. */
export interface SearchPlan {
  terms: SearchTerm[];
  /** Lower-cased text to find as a substring (queries without a searchable token), else null. */
  substring: string | null;
}

/** How a `q` is matched (undefined when it selects everything). */
export function planSearch(q: string | undefined): SearchPlan | undefined {
  if (!q || !q.trim()) return undefined;
  const terms = parseSearch(q);
  if (terms.length) return { terms, substring: null };
  const s = q.slice(0, MAX_QUERY_CHARS).replace(/\0/g, '').trim().toLowerCase();
  return s ? { terms: [], substring: s } : undefined;
}

/** Compiles a filter into an exact row predicate. */
export function compileRowFilter(f: LogFilter): RowPredicate {
  const levels = f.levels?.length ? new Set(f.levels.map((l) => LEVEL_CODE[l])) : undefined;
  const sources = f.sources?.length ? new Set(f.sources) : undefined;
  const host = f.host;
  const from = f.from;
  const to = f.to;
  const search = planSearch(f.q);
  const fields = f.fields?.length ? f.fields : undefined;
  const quick = search ? search.terms.flatMap((t) => t.tokens).filter((t) => ASCII.test(t)) : [];
  return (r) => {
    if (levels && !levels.has(r.level)) return false;
    if (sources && !sources.has(r.source)) return false;
    if (host !== undefined && r.host !== host) return false;
    if (from !== undefined && r.ts < from) return false;
    if (to !== undefined && r.ts >= to) return false;
    if (search) {
      if (search.substring !== null) {
        if (!r.message.toLowerCase().includes(search.substring)) return false;
      } else {
        // Cheap rejection first: every exact token of every term must occur as a substring
        // of the lower-cased line before it is worth tokenizing (most lines fail here).
        // (Only for an ASCII line, whose tokens are exactly substrings of its lower case.)
        if (quick.length && ASCII.test(r.message)) {
          const lower = r.message.toLowerCase();
          for (const tok of quick) if (!lower.includes(tok)) return false;
        }
        const tokens = tokenize(r.message);
        if (!search.terms.every((t) => termMatches(t, tokens))) return false;
      }
    }
    if (fields && !matchesFields(r.attrs === null ? null : JSON.parse(r.attrs), fields)) return false;
    return true;
  };
}
