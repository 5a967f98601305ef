// Edits a query from buttons (+ / − on a field value): the clause is written as the grammar
// prints it, an existing opposite clause is replaced and an existing same clause is kept once.
import { quote } from '../../../src/shared/query/print.js';

/** `value` as a field value: bare when the grammar reads it back unchanged, else quoted. */
export function fieldValueText(value: string): string {
  return /^[\p{L}\p{N}_.@/-][\p{L}\p{N}_.@/+-]*$/u.test(value) && !/[*,]/.test(value) ? value : quote(value);
}

/** The clause `field:value` (or `-field:value`). */
export function fieldClause(field: string, value: string, negate: boolean): string {
  return `${negate ? '-' : ''}${field}:${fieldValueText(value)}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Adds `field:value` (or its negation) to a query, replacing the opposite clause if present. */
export function addFieldFilter(q: string, field: string, value: string, negate: boolean): string {
  const wanted = fieldClause(field, value, negate);
  const opposite = fieldClause(field, value, !negate);
  const around = (clause: string) => new RegExp(`(^|\\s)${escapeRegExp(clause)}(?=\\s|$)`);
  if (around(wanted).test(q)) return q;
  const pipeAt = q.indexOf(' |');
  const [head, tail] = pipeAt >= 0 ? [q.slice(0, pipeAt), q.slice(pipeAt)] : [q, ''];
  let body = head.replace(around(opposite), '$1').replace(/\s+/g, ' ').trim();
  body = body ? `${body} ${wanted}` : wanted;
  return body + tail;
}
