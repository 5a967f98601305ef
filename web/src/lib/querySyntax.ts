// Colours for the query bar, from the parser's own spans: what the parser read as a field, a
// value, an operator, a phrase or a regex is shown as such, and where it stopped reading is
// marked, so the bar and the server never disagree about what a query means.
import { parseQuery } from '../../../src/shared/query/parse.js';
import type { Expr, Query } from '../../../src/shared/query/ast.js';

/** What a piece of the query text is. */
export type SyntaxKind = 'plain' | 'term' | 'field' | 'value' | 'operator' | 'substring' | 'regex' | 'pipe' | 'error';

/** One run of text with its kind; the runs of a query, joined, are the query. */
export interface SyntaxRun {
  text: string;
  kind: SyntaxKind;
}

/** A query that did not parse: the server's message and the 0-based span it points at. */
export interface QueryProblem {
  message: string;
  column: number;
  start: number;
  end: number;
}

/** Parses `text`, giving its tree or the problem (never throws). */
export function checkQuery(text: string): { query: Query | null; problem: QueryProblem | null } {
  try {
    return { query: parseQuery(text), problem: null };
  } catch (err) {
    const e = err as { code?: string; message: string; details?: { column?: number; start?: number; end?: number } };
    const start = e.details?.start ?? 0;
    return { query: null, problem: { message: e.message, column: e.details?.column ?? start + 1, start, end: e.details?.end ?? start + 1 } };
  }
}

/** Splits a query into coloured runs; a query that does not parse is plain up to its error, which is marked. */
export function colourQuery(text: string): SyntaxRun[] {
  const kinds: SyntaxKind[] = new Array<SyntaxKind>(text.length).fill('plain');
  const paint = (from: number, to: number, kind: SyntaxKind) => {
    for (let i = Math.max(0, from); i < Math.min(text.length, to); i++) kinds[i] = kind;
  };
  const { query, problem } = checkQuery(text);
  if (query) {
    const walk = (e: Expr) => {
      const { start, end } = e.span;
      switch (e.type) {
        case 'term':
          paint(start, end, 'term');
          return;
        case 'substring':
          paint(start, end, 'substring');
          return;
        case 'regex':
          paint(start, end, 'regex');
          return;
        case 'field':
        case 'exists':
        case 'compare': {
          const colon = text.indexOf(':', start);
          paint(start, end, 'value');
          if (colon >= start && colon < end) paint(start, colon + 1, 'field');
          return;
        }
        case 'not':
          paint(start, e.child.span.start, 'operator');
          walk(e.child);
          return;
        case 'and':
        case 'or':
          // The words and brackets between children (AND, OR, parentheses) are operators.
          paint(start, end, 'operator');
          e.children.forEach(walk);
          return;
      }
    };
    if (query.filter) walk(query.filter);
    if (query.pipe) paint(query.pipe.span.start, query.pipe.span.end, 'pipe');
    // A `|` before the pipe's span belongs to it too.
    if (query.pipe) for (let i = query.pipe.span.start - 1; i >= 0 && kinds[i] === 'plain'; i--) if (text[i] === '|') kinds[i] = 'pipe';
    // Whitespace is never coloured; brackets outside every span are operators.
    for (let i = 0; i < text.length; i++) {
      if (/\s/.test(text[i])) kinds[i] = 'plain';
      else if (kinds[i] === 'plain' && (text[i] === '(' || text[i] === ')')) kinds[i] = 'operator';
    }
  } else if (problem) {
    paint(problem.start, Math.max(problem.end, problem.start + 1), 'error');
  }
  const runs: SyntaxRun[] = [];
  for (let i = 0; i < text.length; i++) {
    const last = runs[runs.length - 1];
    if (last && last.kind === kinds[i]) last.text += text[i];
    else runs.push({ text: text[i], kind: kinds[i] });
  }
  return runs;
}
