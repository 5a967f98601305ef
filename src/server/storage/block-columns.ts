// Per-field columns of a block payload (format v2, block.ts): what a field filter reads instead
// of parsing every row's attrs. Built from the rows' attrs when a block is written, judged by
// exactly the rules of shared/fields.ts (matchesField), and honest about what they cannot tell:
// a row a column cannot judge is handed back as "check this row's attrs".
//
// Which values a path reaches in a row is what fields.ts fieldValues returns: every key
// sequence whose keys joined by "." spell the path, arrays transparent, nulls left out. The
// walk here enumerates key sequences the same way, so per (row, path) it sees the same values,
// with one exception: fieldValues never descends through an empty key that is not the last one
// (`{"": {"a": 1}}` reaches nothing by ".a"). A row with an empty key above an object or array
// is "irregular": every field filter checks its attrs.
//
// Per (row, path) the column keeps one of: absent (no value), one scalar (its fieldText), opaque
// (one value without a text: an object, or a number JSON could only spell as infinite — exists
// but never equals, prefixes or ranges), or multi (several values: an array, or both a flat
// "a.b" key and a nested a.b) — a multi row checks its attrs. The text of a scalar decides all
// of eq, prefix and range (fields.ts fieldNumber(v) === fieldNumber(fieldText(v)) for every
// scalar: a number's JSON text reads back as the same number), so a dictionary of texts is exact.
//
// Column kinds:
// - numeric: every single value of the path in the block is a finite number (at least one). `v` holds the
//   number or null; rows listed in `x` are multi, in `o` opaque.
// - dictionary: `d` holds the distinct texts, `c` one code per row (0 absent, 1 multi, 2
//   opaque, 3 + i for d[i]).
// - skipped: text values too varied for a dictionary to pay (at least SKIP_DISTINCT distinct
//   values and more than n / SKIP_SHARE of them, e.g. request ids). They would cost as much
//   again on disk as in the attrs text, and an equality on them is narrowed to few blocks by
//   the Bloom filter's path=value entries already: rows holding the path check their attrs.
// A path absent from the block's columns is reached by no row.
import { fieldNumber, fieldText, type FieldFilter } from '../../shared/fields.js';

/** A path's column (see the file comment). */
export type Column =
  | { k: 'n'; v: (number | null)[]; x?: number[]; o?: number[] }
  | { k: 'd'; d: string[]; c: number[] }
  | { k: 's' };

/** The columns of a block: by path, and the irregular rows (every field filter checks their attrs). */
export interface Columns {
  cols: Record<string, Column>;
  irregular: number[];
}

const C_ABSENT = 0;
const C_MULTI = 1;
const C_OPAQUE = 2;
const C_FIRST = 3;

/** A text path with at least this many distinct values in a block, and more than n / SKIP_SHARE, gets no column. */
export const SKIP_DISTINCT = 64;
export const SKIP_SHARE = 4;

interface PathValues {
  /** Per row: the value reached (undefined: none yet). */
  v: unknown[];
  /** The last row that reached a value. */
  last: number;
  multi: number[];
}

/** Builds the columns of a block's rows from their parsed attrs (null = no attrs). */
export function buildColumns(attrs: readonly unknown[]): Columns {
  const n = attrs.length;
  const paths = new Map<string, PathValues>();
  const irregular: number[] = [];
  let row = 0;
  let odd = false;
  const add = (path: string, v: unknown): void => {
    let p = paths.get(path);
    if (!p) paths.set(path, (p = { v: new Array(n), last: -1, multi: [] }));
    if (p.last === row) {
      if (p.multi[p.multi.length - 1] !== row) p.multi.push(row);
    } else {
      p.last = row;
      p.v[row] = v;
    }
  };
  const walkObject = (obj: Record<string, unknown>, prefix: string | null): void => {
    for (const k in obj) {
      if (!Object.hasOwn(obj, k)) continue;
      const x = obj[k];
      if (k === '' && x !== null && typeof x === 'object') odd = true;
      walkValue(prefix === null ? k : `${prefix}.${k}`, x);
    }
  };
  const walkValue = (path: string, v: unknown): void => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const el of v) walkValue(path, el);
      return;
    }
    add(path, v);
    if (typeof v === 'object') walkObject(v as Record<string, unknown>, path);
  };
  const walkTop = (v: unknown): void => {
    if (Array.isArray(v)) for (const el of v) walkTop(el);
    else if (v !== null && typeof v === 'object') walkObject(v as Record<string, unknown>, null);
  };
  for (row = 0; row < n; row++) {
    const a = attrs[row];
    if (a === null) continue;
    odd = false;
    walkTop(a);
    if (odd) irregular.push(row);
  }
  const cols: Record<string, Column> = {};
  for (const [path, p] of paths) cols[path] = columnOf(p, n);
  return { cols, irregular };
}

function columnOf(p: PathValues, n: number): Column {
  const isMulti = new Uint8Array(n);
  for (const r of p.multi) isMulti[r] = 1;
  // Numeric when there is a number and every single value is a finite number or opaque (an
  // object path alone is a dictionary of opaque codes: a run brotli makes nearly free, where a
  // list of opaque rows cost ~2 bytes a row).
  let numbers = 0;
  let numeric = true;
  for (let r = 0; r < n && numeric; r++) {
    const v = p.v[r];
    if (v === undefined || isMulti[r] || typeof v === 'object') continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) numeric = false;
    else numbers++;
  }
  if (numbers === 0) numeric = false;
  if (numeric) {
    const v: (number | null)[] = new Array(n);
    const o: number[] = [];
    for (let r = 0; r < n; r++) {
      const x = p.v[r];
      v[r] = x === undefined || isMulti[r] || typeof x !== 'number' ? null : x;
      if (x !== undefined && !isMulti[r] && typeof x === 'object') o.push(r);
    }
    const col: Column = { k: 'n', v };
    if (p.multi.length) col.x = p.multi;
    if (o.length) col.o = o;
    return col;
  }
  const dict = new Map<string, number>();
  const c: number[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const v = p.v[r];
    if (v === undefined) c[r] = C_ABSENT;
    else if (isMulti[r]) c[r] = C_MULTI;
    else {
      const t = fieldText(v);
      if (t === undefined) c[r] = C_OPAQUE;
      else {
        let code = dict.get(t);
        if (code === undefined) dict.set(t, (code = C_FIRST + dict.size));
        c[r] = code;
      }
    }
  }
  if (dict.size >= SKIP_DISTINCT && dict.size * SKIP_SHARE > n) return { k: 's' };
  return { k: 'd', d: [...dict.keys()], c };
}

/**
 * What a column says of one filter (negate ignored) for each of the rows `cand`: the rows it
 * accepts go to `yes`, the rows only their attrs can judge to `check`; the rest it rejects.
 * `col` undefined: no row of the block reaches the path.
 */
export function judgeColumn(col: Column | undefined, f: FieldFilter, cand: readonly number[], yes: number[], check: number[]): void {
  if (col === undefined) return;
  if (col.k === 's') {
    for (const r of cand) check.push(r);
    return;
  }
  if (col.k === 'd') {
    const ok = new Uint8Array(col.d.length + C_FIRST);
    ok[C_MULTI] = 2;
    ok[C_OPAQUE] = f.op === 'exists' ? 1 : 0;
    for (let i = 0; i < col.d.length; i++) ok[C_FIRST + i] = textMatches(f, col.d[i]) ? 1 : 0;
    const c = col.c;
    for (const r of cand) {
      const h = ok[c[r]];
      if (h === 1) yes.push(r);
      else if (h === 2) check.push(r);
    }
    return;
  }
  const v = col.v;
  let special: Uint8Array | undefined;
  if (col.x || col.o) {
    special = new Uint8Array(v.length);
    for (const r of col.x ?? []) special[r] = 2;
    for (const r of col.o ?? []) special[r] = f.op === 'exists' ? 1 : 3;
  }
  const test = numberTest(f);
  for (const r of cand) {
    const x = v[r];
    if (x === null) {
      const s = special?.[r];
      if (s === 1) yes.push(r);
      else if (s === 2) check.push(r);
    } else if (test(x)) yes.push(r);
  }
}

/** Whether a scalar whose fieldText is `t` satisfies the filter (negate ignored), as fields.ts valueMatches. */
function textMatches(f: FieldFilter, t: string): boolean {
  switch (f.op) {
    case 'exists':
      return true;
    case 'eq':
      return t === f.value;
    case 'prefix':
      return t.startsWith(f.value);
    case 'range': {
      const n = fieldNumber(t);
      return n !== undefined && inRange(f, n);
    }
  }
}

function inRange(f: Extract<FieldFilter, { op: 'range' }>, n: number): boolean {
  return (f.gt === undefined || n > f.gt) && (f.gte === undefined || n >= f.gte) && (f.lt === undefined || n < f.lt) && (f.lte === undefined || n <= f.lte);
}

/** The test of a finite number value (its text is String(x), which is JSON's). */
function numberTest(f: FieldFilter): (x: number) => boolean {
  switch (f.op) {
    case 'exists':
      return () => true;
    case 'eq': {
      // JSON.stringify(x) === value exactly when value is the canonical spelling of a number equal to x.
      const want = Number(f.value);
      if (f.value === '' || !Number.isFinite(want) || String(want) !== f.value) return () => false;
      return (x) => x === want;
    }
    case 'prefix': {
      const p = f.value;
      return (x) => String(x).startsWith(p);
    }
    case 'range':
      return (x) => inRange(f, x);
  }
}
