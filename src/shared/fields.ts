// Field filters over a record's attrs: the one definition of what `field:value` selects. The
// stores must return exactly the records `matchesFields` accepts (the conformance suite checks
// it), and the live tail uses it directly. Semantics are documented on FieldFilter.

/**
 * A filter on one field of a record's `attrs` — the Store side of `field:value` queries.
 *
 * - `path` is a dotted path: `http.status` names attrs.http.status (nested objects) and also a
 *   flat key spelled `"http.status"` (OTLP and Loki send dotted keys flat); any split of the
 *   path into keys counts. A path that reaches an array matches when any element does.
 * - `eq`: the value's text equals `value` exactly (case-sensitive). A number's text is its
 *   JSON form (`503`, `0.25`), a boolean's is `true`/`false`; objects never match.
 * - `prefix`: the value's text starts with `value` (case-sensitive).
 * - `exists`: the field is present and not null.
 * - `range`: the value is a number, or a string that is a finite decimal number, within all
 *   the given bounds.
 * - `negate` selects exactly the records the filter without it does not select (including
 *   records without the field).
 */
export type FieldFilter =
  | { path: string; op: 'eq' | 'prefix'; value: string; negate?: boolean }
  | { path: string; op: 'exists'; negate?: boolean }
  | { path: string; op: 'range'; gt?: number; gte?: number; lt?: number; lte?: number; negate?: boolean };

// `\d+(?:\.\d*)?`, not `\d+\.?\d*`: the same numbers, but the latter can split a run of digits
// between \d+ and \d* every way before `$` fails (quadratic: 3.6 s for a 60 KB field value of
// digits and a letter, which the block encoder tests on every string value).
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The values a dotted path reaches in `attrs`: every split of the path into keys is tried
 * (`a.b.c` is attrs["a.b.c"], attrs.a["b.c"], attrs["a.b"].c and attrs.a.b.c), and arrays are
 * flattened. Null and undefined are left out.
 */
export function fieldValues(attrs: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(attrs, path, out);
  return out;
}

function collect(node: unknown, path: string, out: unknown[]): void {
  if (Array.isArray(node)) {
    for (const el of node) collect(el, path, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (Object.hasOwn(obj, path)) push(obj[path], out);
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (Object.hasOwn(obj, head)) collect(obj[head], path.slice(dot + 1), out);
  }
}

function push(v: unknown, out: unknown[]): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    for (const el of v) push(el, out);
    return;
  }
  out.push(v);
}

/** The text a scalar value compares by (JSON form for numbers and booleans); undefined for objects. */
export function fieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** The number a value compares by in a range filter, or undefined. */
export function fieldNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && DECIMAL.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function valueMatches(f: FieldFilter, v: unknown): boolean {
  switch (f.op) {
    case 'exists':
      return true;
    case 'eq':
      return fieldText(v) === f.value;
    case 'prefix': {
      const t = fieldText(v);
      return t !== undefined && t.startsWith(f.value);
    }
    case 'range': {
      const n = fieldNumber(v);
      if (n === undefined) return false;
      return (f.gt === undefined || n > f.gt) && (f.gte === undefined || n >= f.gte) &&
        (f.lt === undefined || n < f.lt) && (f.lte === undefined || n <= f.lte);
    }
  }
}

/** Whether one filter selects a record with these attrs (parsed object or null). */
export function matchesField(attrs: unknown, f: FieldFilter): boolean {
  const hit = fieldValues(attrs, f.path).some((v) => valueMatches(f, v));
  return f.negate ? !hit : hit;
}

/** Whether every filter selects the record. */
export function matchesFields(attrs: unknown, filters: readonly FieldFilter[] | undefined): boolean {
  if (!filters) return true;
  for (const f of filters) if (!matchesField(attrs, f)) return false;
  return true;
}
