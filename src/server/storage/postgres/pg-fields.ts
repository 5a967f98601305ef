// The PostgreSQL field index (table `fields`, see pg-schema.ts): the rows it gets for a
// record, and the SQL that selects records by a FieldFilter through it. The entries come from
// flattenFields (../field-index.ts), so what this selects is exactly what matchesFields does.
import { createHash } from 'node:crypto';
import type { FieldFilter } from '../../../shared/fields.js';
import { flattenFieldsText } from '../field-index.js';

/** Characters of a field's text kept in the indexed column vk. */
export const VK_CHARS = 200;
/** Paths longer than this are stored as a digest (index entries must stay under PostgreSQL's ~2.7 kB). */
const KEY_CHARS = 256;

/** The columns of `fields` rows for one INSERT … SELECT FROM unnest(…). */
export interface FieldColumns {
  id: number[];
  ts: number[];
  key: string[];
  vk: (string | null)[];
  v: (string | null)[];
  num: (number | null)[];
}

/** PostgreSQL text cannot hold NUL; as for messages, it is stored (and looked for) as U+FFFD. */
function clean(s: string): string {
  return s.includes('\u0000') ? s.replace(/\u0000/g, '\ufffd') : s;
}

/** The stored key of a path: itself, or when long its head and a digest (longer than any stored plain path, so the two never meet). */
function keyOf(path: string): string {
  const p = clean(path);
  if (p.length <= KEY_CHARS) return p;
  return `${p.slice(0, 200)}\u2026${createHash('sha256').update(p).digest('hex')}`;
}

/** The head of a long text: VK_CHARS UTF-16 units, or one less rather than end inside a surrogate pair. */
function headOf(text: string): string {
  const c = text.charCodeAt(VK_CHARS - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? VK_CHARS - 1 : VK_CHARS);
}

/**
 * The indexed column vk of a text: the text itself up to VK_CHARS units; past that, its head
 * padded with U+FFFF to VK_CHARS + 1 units, longer than any short text's vk. So `vk = value`
 * is an exact equality for a short value, answered from the index alone (no look at v), and
 * a long value is `vk = vkOf(value) AND v = value`.
 */
function vkOf(text: string): string {
  if (text.length <= VK_CHARS) return text;
  const head = headOf(text);
  return head + '\uffff'.repeat(VK_CHARS + 1 - head.length);
}

export function emptyFieldColumns(): FieldColumns {
  return { id: [], ts: [], key: [], vk: [], v: [], num: [] };
}

/** One `fields` row without its id and ts. */
export interface StoredEntry {
  key: string;
  vk: string | null;
  v: string | null;
  num: number | null;
}

/** The field index rows of one record (attrs as JSON text), computed before the insert takes its lock. */
export function prepareFieldEntries(attrs: string | null): StoredEntry[] {
  return flattenFieldsText(attrs).map((e) => {
    const text = e.text === null ? null : clean(e.text);
    const vk = text === null ? null : vkOf(text);
    // The whole text only when vk is not the text.
    return { key: keyOf(e.path), vk, v: text !== null && vk !== text ? text : null, num: e.num };
  });
}

/** Appends a record's entries, with its id and ts, to the columns of one INSERT. */
export function addFieldEntries(cols: FieldColumns, id: number, ts: number, entries: readonly StoredEntry[]): void {
  for (const e of entries) {
    cols.id.push(id);
    cols.ts.push(ts);
    cols.key.push(e.key);
    cols.vk.push(e.vk);
    cols.v.push(e.v);
    cols.num.push(e.num);
  }
}

/** The parameter values for insertFieldsSql, in order. */
export function fieldColumnValues(c: FieldColumns): unknown[] {
  return [c.id, c.ts, c.key, c.vk, c.v, c.num];
}

/** INSERT of FieldColumns into schema `s`, its six arrays at parameters $first … $first+5. */
export function insertFieldsSql(s: string, first: number): string {
  const types = ['bigint', 'bigint', 'text', 'text', 'text', 'float8'];
  return `INSERT INTO ${s}.fields (id, ts, key, vk, v, num) SELECT * FROM unnest(${types.map((t, i) => `$${first + i}::${t}[]`).join(', ')})`;
}

/** Escapes text for `LIKE … ESCAPE '\'` as a prefix pattern. */
function prefixPattern(s: string): string {
  return `${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/**
 * The condition on a `fields` row (alias x) that it is an entry the filter looks for: the key,
 * and the text (eq, prefix) or number (range). `add` turns a value into a parameter.
 */
export function entryCondition(f: FieldFilter, add: (v: unknown) => string, x = 'x'): string {
  const terms = [`${x}.key = ${add(keyOf(f.path))}`];
  switch (f.op) {
    case 'exists':
      break;
    case 'eq': {
      const value = clean(f.value);
      const vk = vkOf(value);
      terms.push(`${x}.vk = ${add(vk)}`);
      if (vk !== value) terms.push(`${x}.v = ${add(value)}`);
      break;
    }
    case 'prefix': {
      // Every long text's head is at least VK_CHARS - 1 units of it, so a prefix of up to
      // VK_CHARS - 2 units is a prefix of vk exactly when it is one of the text (an index
      // range in the C collation). A longer one narrows by its first VK_CHARS - 2 units and
      // checks the whole text.
      const value = clean(f.value);
      if (value.length <= VK_CHARS - 2) terms.push(`${x}.vk LIKE ${add(prefixPattern(value))} ESCAPE '\\'`);
      else {
        const c = value.charCodeAt(VK_CHARS - 3);
        const narrow = value.slice(0, c >= 0xd800 && c <= 0xdbff ? VK_CHARS - 3 : VK_CHARS - 2);
        terms.push(`${x}.vk LIKE ${add(prefixPattern(narrow))} ESCAPE '\\'`, `starts_with(coalesce(${x}.v, ${x}.vk), ${add(value)})`);
      }
      break;
    }
    case 'range':
      terms.push(`${x}.num IS NOT NULL`);
      if (f.gt !== undefined) terms.push(`${x}.num > ${add(f.gt)}::float8`);
      if (f.gte !== undefined) terms.push(`${x}.num >= ${add(f.gte)}::float8`);
      if (f.lt !== undefined) terms.push(`${x}.num < ${add(f.lt)}::float8`);
      if (f.lte !== undefined) terms.push(`${x}.num <= ${add(f.lte)}::float8`);
      break;
  }
  return terms.join(' AND ');
}

/**
 * WHERE term on the logs row `t` (a table name or alias) for one filter: [NOT] EXISTS an entry.
 * With `probe`, the subquery gets an OFFSET 0, which keeps PostgreSQL from turning it into a
 * join: it stays a lookup through the (id) index per row of an outer walk in time order, what
 * a newest-100 page with a common field wants (counting queries want the join).
 */
export function fieldTerm(f: FieldFilter, s: string, t: string, add: (v: unknown) => string, probe = false): string {
  const sub = `SELECT 1 FROM ${s}.fields x WHERE x.id = ${t}.id AND x.ts = ${t}.ts AND ${entryCondition(f, add, 'x')}${probe ? ' OFFSET 0' : ''}`;
  return `${f.negate ? 'NOT ' : ''}EXISTS (${sub})`;
}
