// The printer: Query → canonical query text. Parsing what it prints gives the same tree back
// (spans aside; a property test checks it), so the dashboard can rewrite a query — add a `+`
// filter, drop one — and show text the user can read and edit.
import type { Expr, FieldValue, Pipe, Query } from './ast.js';
import { FIELD_NAME } from './parse.js';

const KEYWORDS = new Set(['AND', 'OR', 'NOT']);

/** Quotes text for the query language: `\` and `"` are escaped. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function looksLikeField(text: string): boolean {
  FIELD_NAME.lastIndex = 0;
  const m = FIELD_NAME.exec(text);
  return m !== null && text[m[0].length] === ':' && !text.startsWith('//', m[0].length + 1);
}

/** Whether a bare word would read back as this same term (not an operator, field, regex or group). */
function bareWordOk(text: string): boolean {
  return text.length > 0 && !/[\s"()]/u.test(text) && !/^[-~/|]/.test(text) && !text.endsWith('*') &&
    !KEYWORDS.has(text) && !looksLikeField(text);
}

/** Whether a field value can be written without quotes. */
function bareValueOk(text: string): boolean {
  return text.length > 0 && !/[\s"(),]/u.test(text) && !/^[<>*]/.test(text) && !text.startsWith('//') && !text.endsWith('*');
}

function printValue(v: FieldValue): string {
  return (bareValueOk(v.text) ? v.text : quote(v.text)) + (v.prefix ? '*' : '');
}

function escapeSlashes(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\\') {
      out += src[i] + (src[i + 1] ?? '');
      i++;
    } else out += src[i] === '/' ? '\\/' : src[i];
  }
  return out;
}

/** Prints one condition in canonical form (NOT as `-`, AND as a space, groups only where needed). */
export function printExpr(e: Expr): string {
  switch (e.type) {
    case 'term':
      return (bareWordOk(e.text) ? e.text : quote(e.text)) + (e.prefix ? '*' : '');
    case 'field':
      return `${e.field}:${e.values.map(printValue).join(',')}`;
    case 'exists':
      return `${e.field}:*`;
    case 'compare':
      return `${e.field}:${e.op}${String(e.value)}${e.unit ?? ''}`;
    case 'substring':
      return `~${quote(e.text)}`;
    case 'regex':
      return `/${escapeSlashes(e.source)}/`;
    case 'and':
      return e.children.map((c) => (c.type === 'or' ? `(${printExpr(c)})` : printExpr(c))).join(' ');
    case 'or':
      return e.children.map(printExpr).join(' OR ');
    case 'not': {
      const c = e.child;
      return c.type === 'and' || c.type === 'or' || c.type === 'not' ? `-(${printExpr(c)})` : `-${printExpr(c)}`;
    }
  }
}

/** Prints a pipe, `|` included, in canonical form. */
export function printPipe(p: Pipe): string {
  if (p.type === 'top') return `| top ${p.n} ${p.field}`;
  const by = p.by.length ? ` by (${p.by.join(', ')})` : '';
  return `| stats count()${by}${p.limit === undefined ? '' : ` limit ${p.limit}`}`;
}

/** Prints a whole query in canonical form; parseQuery(printQuery(q)) equals q (spans aside). */
export function printQuery(q: Query): string {
  const parts: string[] = [];
  if (q.filter) parts.push(printExpr(q.filter));
  if (q.pipe) parts.push(printPipe(q.pipe));
  return parts.join(' ');
}
