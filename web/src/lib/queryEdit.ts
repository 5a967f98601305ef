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

/** One attribute of a record as `field:value` names it: a dotted path to a leaf. */
export interface AttrEntry {
  path: string;
  value: unknown;
  /** The value as a query matches it (null when it cannot be filtered on: arrays, null). */
  filterText: string | null;
}

/** A record's attrs as dotted paths (nested objects opened; arrays and nulls kept whole). */
export function attrEntries(attrs: Record<string, unknown> | null | undefined): AttrEntry[] {
  const out: AttrEntry[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, child);
      return;
    }
    const filterText = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
    out.push({ path: prefix, value: v, filterText });
  };
  for (const [k, v] of Object.entries(attrs ?? {})) walk(k, v);
  return out;
}
