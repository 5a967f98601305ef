// Flattening a record's attrs into (path, text, number) entries, what a store's field index
// holds. A store that indexes these entries answers a FieldFilter exactly as matchesFields
// (src/shared/fields.ts) does, because a path reaches a value there precisely when the path
// equals the value's flattened key (field-index.test.ts checks it against matchesField):
//
// - fieldValues tries every split of the path into keys, so a value under the key sequence
//   k1…kn is reached by exactly one path text, k1 + '.' + … + '.' + kn. Flat OTLP keys
//   ("http.status") and nested objects (http → status) thus land on the same entry key.
// - Its walk never splits a path (or what is left of it) that starts with a dot, so a key that
//   is empty or starts with a dot is only ever the last key of a path: nothing under such a
//   key is reachable, and nothing under it is flattened.
// - Arrays are transparent at every level (any element matches); null is left out; objects
//   are entries with no text (`exists` sees them, eq/prefix/range never do).

import { fieldNumber, fieldText, type FieldFilter } from '../../shared/fields.js';

/** One indexed value: its dotted path, its text (null for objects) and its number (range filters). */
export interface FieldEntry {
  path: string;
  text: string | null;
  num: number | null;
}

/** The distinct entries of an attrs object (parsed); nothing for null or non-objects. */
export function flattenFields(attrs: unknown): FieldEntry[] {
  const out: FieldEntry[] = [];
  const seen = new Set<string>();
  walk(attrs, null, out, seen);
  return out;
}

/** flattenFields of attrs JSON text; malformed text has no fields (it reads back as such nowhere). */
export function flattenFieldsText(attrs: string | null): FieldEntry[] {
  if (attrs === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(attrs);
  } catch {
    return [];
  }
  return flattenFields(parsed);
}

function walk(node: unknown, prefix: string | null, out: FieldEntry[], seen: Set<string>): void {
  if (Array.isArray(node)) {
    for (const el of node) walk(el, prefix, out, seen);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const key of Object.keys(node)) {
    const v = (node as Record<string, unknown>)[key];
    const path = prefix === null ? key : `${prefix}.${key}`;
    emit(v, path, out, seen);
    if (key !== '' && key[0] !== '.') walk(v, path, out, seen);
  }
}

function emit(v: unknown, path: string, out: FieldEntry[], seen: Set<string>): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    for (const el of v) emit(el, path, out, seen);
    return;
  }
  // No text for objects (and numbers JSON cannot write, 1e400 parsed as Infinity): such an
  // entry only makes the field exist, as fieldValues has it.
  const text = fieldText(v) ?? null;
  const num = fieldNumber(v) ?? null;
  const id = `${path}\u0000${text === null ? '\u0001' : text}`;
  if (seen.has(id)) return;
  seen.add(id);
  out.push({ path, text, num });
}

/**
 * Whether a filter selects a record with these entries: what a store's index query over
 * entries must compute (eq/prefix on text, range on num, exists on the path; negate the
 * complement). Equal to matchesField over the attrs the entries came from.
 */
export function entriesMatch(entries: readonly FieldEntry[], f: FieldFilter): boolean {
  const hit = entries.some((e) => {
    if (e.path !== f.path) return false;
    switch (f.op) {
      case 'exists':
        return true;
      case 'eq':
        return e.text === f.value;
      case 'prefix':
        return e.text !== null && e.text.startsWith(f.value);
      case 'range':
        return e.num !== null && (f.gt === undefined || e.num > f.gt) && (f.gte === undefined || e.num >= f.gte) && (f.lt === undefined || e.num < f.lt) && (f.lte === undefined || e.num <= f.lte);
    }
  });
  return f.negate ? !hit : hit;
}
