// What the dashboard needs of the grammar besides parsing: which parts of a query to highlight in
// the matching lines, and what the cursor is in the middle of typing (for completion of field
// names and values). Both follow the parser's rules, so the bar and the results never disagree.
import { tokenize, type SearchTerm } from '../search.js';
import type { Expr, Query } from './ast.js';
import { FIELD_NAME } from './parse.js';

/** What to highlight in a record's message: the positive (not negated) text conditions. */
export interface Highlights {
  /** Words and phrases, as search.ts matches them (highlight by tokens). */
  terms: SearchTerm[];
  /** `~"…"` texts (highlight case-insensitively, anywhere). */
  substrings: string[];
  /** `/…/` sources (RE2 syntax). */
  regexes: string[];
}

/** The text conditions of a query that a matching line may show; those under NOT are left out. */
export function highlightsOf(q: Query | null): Highlights {
  const out: Highlights = { terms: [], substrings: [], regexes: [] };
  const walk = (e: Expr) => {
    switch (e.type) {
      case 'term':
        out.terms.push({ tokens: tokenize(e.text), prefix: e.prefix });
        return;
      case 'substring':
        out.substrings.push(e.text);
        return;
      case 'regex':
        out.regexes.push(e.source);
        return;
      case 'and':
      case 'or':
        e.children.forEach(walk);
        return;
      default:
        return;
    }
  };
  if (q?.filter) walk(q.filter);
  return out;
}

/** What the text before the cursor is in the middle of, for completion. */
export type CompletionContext =
  | { kind: 'field'; prefix: string; start: number }
  | { kind: 'value'; field: string; prefix: string; start: number }
  | { kind: 'pipe'; prefix: string; start: number }
  | { kind: 'none' };

/**
 * Reads the query up to `cursor` and says what is being typed: a field name (`http.st|`), a value
 * of a field (`level:er|`, `level:error,fa|`; `prefix` without an opening quote), or a pipe
 * keyword (`| st|`). `start` is where the replaced text begins. Quoted phrases, regexes and
 * substrings complete nothing.
 */
export function completionAt(text: string, cursor: number): CompletionContext {
  const before = text.slice(0, cursor);
  // Inside an unclosed quote: a phrase or a quoted value, nothing to complete.
  let quotes = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === '\\' && before[i + 1] === '"') i++;
    else if (before[i] === '"') quotes++;
  }
  if (quotes % 2 === 1) return { kind: 'none' };
  let start = before.length;
  while (start > 0 && !/[\s(]/u.test(before[start - 1])) start--;
  const word = before.slice(start);
  const pipe = /(?:^|\s)\|\s*([A-Za-z]*)$/.exec(before);
  if (pipe) return { kind: 'pipe', prefix: pipe[1], start: before.length - pipe[1].length };
  let head = 0;
  if (word.startsWith('-')) head = 1;
  const body = word.slice(head);
  if (body.startsWith('~') || body.startsWith('/')) return { kind: 'none' };
  FIELD_NAME.lastIndex = 0;
  const m = FIELD_NAME.exec(body);
  if (m && body[m[0].length] === ':' && !body.startsWith('//', m[0].length + 1)) {
    const valueText = body.slice(m[0].length + 1);
    if (/^[<>]/.test(valueText)) return { kind: 'none' };
    const comma = valueText.lastIndexOf(',');
    const prefix = valueText.slice(comma + 1);
    return { kind: 'value', field: m[0], prefix, start: before.length - prefix.length };
  }
  if (body === '' || (m && m[0].length === body.length)) return { kind: 'field', prefix: body, start: start + head };
  return { kind: 'none' };
}
