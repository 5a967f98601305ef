// The exact test of one stored row against a LogFilter, for stores that read rows and filter
// them in JS (the SQLite block store decompresses a block and keeps what this accepts). It is
// the same definition the live tail uses (live/match.ts): the search grammar of
// shared/search.ts (a query with nothing searchable is a case-insensitive substring), field
// filters by shared/fields.ts matchesFields, and levels/sources/host/[from, to) as in store.ts.
import { LEVEL_CODE } from '../../shared/levels.js';
import { matchesFields } from '../../shared/fields.js';
import { isAscii as isAsciiBytes } from 'node:buffer';
import { includesText, isAscii, MAX_QUERY_CHARS, parseSearch, prefilterNeedle, termMatches, tokenize, type SearchTerm } from '../../shared/search.js';
import type { LogFilter } from './store.js';
import type { Row } from './row.js';


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
  const search = compileSearch(f);
  const fields = f.fields?.length ? f.fields : undefined;
  return (r) => {
    if (levels && !levels.has(r.level)) return false;
    if (sources && !sources.has(r.source)) return false;
    if (host !== undefined && r.host !== host) return false;
    if (from !== undefined && r.ts < from) return false;
    if (to !== undefined && r.ts >= to) return false;
    if (search && !search(r.message)) return false;
    if (fields && !matchesFields(r.attrs === null ? null : JSON.parse(r.attrs), fields)) return false;
    return true;
  };
}

/** The search part of a filter (`q`) as a test of one message; undefined when it selects every message. */
export function compileSearch(f: LogFilter): ((message: string) => boolean) | undefined {
  const search = planSearch(f.q);
  if (!search) return undefined;
  if (search.substring !== null) {
    const sub = search.substring;
    return (m) => includesText(m.toLowerCase(), sub);
  }
  // A prefilter: the first characters of each token do (search.ts PREFILTER_CHARS).
  const quick = search.terms.flatMap((t) => t.tokens).filter((t) => isAscii(t)).map(prefilterNeedle);
  return (m) => {
    // Cheap rejection first: every exact token of every term must occur as a substring
    // of the lower-cased line before it is worth tokenizing (most lines fail here).
    // (Only for an ASCII line, whose tokens are exactly substrings of its lower case.)
    if (quick.length && isAscii(m)) {
      const lower = m.toLowerCase();
      for (const tok of quick) if (!lower.includes(tok)) return false;
    }
    const tokens = tokenize(m);
    return search.terms.every((t) => termMatches(t, tokens));
  };
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
const JSON_ESCAPED = /["\\\x00-\x1f]/;

/**
 * Text every row the filter accepts must contain, for cheap checks before rows are built (the
 * hot table's SQL prefilter, a decompressed block's text): `folded` must occur in the message
 * ignoring ASCII case (each ASCII search token, or the substring), `exact` in the attrs JSON
 * (each field equality's value). Only what holds for certain: a value that is a number (JSON
 * can spell it several ways) or that JSON escapes gives no needle, and a text with non-ASCII
 * characters (folding, case mapping) or JSON escapes must not be judged by them at all — the
 * callers check that.
 */
export function textNeedles(f: LogFilter): { folded: string[]; exact: string[] } {
  const search = planSearch(f.q);
  const words = search ? (search.substring !== null ? [search.substring] : search.terms.flatMap((t) => t.tokens)) : [];
  words.push(...(f.contains ?? []));
  // Each needle's first characters only (search.ts PREFILTER_CHARS): these are prefilters, and
  // the whole of a long needle costs its length at each character of the text searched.
  const folded = words.filter((w) => w !== '' && isAscii(w) && !JSON_ESCAPED.test(w)).map(prefilterNeedle);
  const exact: string[] = [];
  for (const ff of f.fields ?? []) {
    if (ff.negate || ff.op !== 'eq' || ff.value === '' || JSON_NUMBER.test(ff.value) || JSON_ESCAPED.test(ff.value)) continue;
    exact.push(prefilterNeedle(ff.value));
  }
  return { folded, exact };
}

/**
 * Whether a block's decompressed payload text (a v1 payload's JSON of its columns, or a v2
 * payload's messages section, one JSON string a line) may hold a row the filter accepts, judged
 * by the needles alone; true whenever the text cannot be judged (non-ASCII characters, or an
 * escaped backslash: an escape in a message or in attrs text).
 */
export function payloadMayMatch(text: string, needles: { folded: string[]; exact: string[] }): boolean {
  if (!needles.folded.length && !needles.exact.length) return true;
  // Two backslashes in the payload's JSON are one in a message or in attrs text: an escape
  // whose meaning the needles cannot see through. (One backslash is JSON's own escaping of
  // quotes and control characters, which the needles never contain.)
  if (text.includes('\\\\') || !isAscii(text)) return true;
  for (const v of needles.exact) if (!text.includes(v)) return false;
  if (needles.folded.length) {
    const lower = text.toLowerCase();
    for (const w of needles.folded) if (!lower.includes(w)) return false;
  }
  return true;
}

/**
 * A test of a block's messages section (v2, v3: a JSON array with one string a line) as bytes,
 * before anything is decoded or parsed: false only when no message in it can match.
 */
export type MessageScan = (bytes: Buffer, start: number, end: number) => ScanResult;

/**
 * What a MessageScan found: false, no message can match; true, some may (the section could not
 * be judged, or nothing was to be looked for); a RegExp (case-insensitive, a literal), some
 * may and each such message's line holds a match of it (DecodedBlock.linesMatching).
 */
export type ScanResult = boolean | RegExp;

// The only characters outside ASCII whose toLowerCase() holds an ASCII character (İ gives
// "i̇", the Kelvin sign "k"; checked over every code point): a section without them holds an
// ASCII text in some message's toLowerCase() exactly where its bytes hold it ignoring ASCII case.
const LOWERS_TO_ASCII = [Buffer.from('\u0130'), Buffer.from('\u212a')];

/** A case-insensitive search for an ASCII literal (irregexp in non-Unicode mode matches ASCII letters only to ASCII letters). */
function literalSearch(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'i');
}

/**
 * The MessageScan of a filter, or undefined when no text must be in a matching message.
 * Two kinds of needles, each ASCII without characters JSON escapes (so a message's JSON line
 * holds them exactly where the message does):
 * - search tokens (q's terms): a message's tokens are folded (NFKD, marks dropped) when it is not
 *   ASCII, which can make ASCII letters out of others, so they judge only an all-ASCII section;
 * - substrings (`contains`, or q when it has nothing searchable), matched against the message's
 *   toLowerCase(): they judge any section without İ or the Kelvin sign.
 * The section is searched as one one-byte string (latin1: a byte a character), ignoring ASCII case.
 */
export function compileMessageScan(f: LogFilter): MessageScan | undefined {
  const search = planSearch(f.q);
  const usable = (w: string) => w !== '' && isAscii(w) && !JSON_ESCAPED.test(w);
  // The first characters of each needle (search.ts PREFILTER_CHARS): a RegExp retries a long
  // literal at every position of a section that almost matches everywhere.
  const tokens = (search?.terms.flatMap((t) => t.tokens) ?? []).filter(usable).map(prefilterNeedle).map(literalSearch);
  const subs = [...(search?.substring != null ? [search.substring] : []), ...(f.contains ?? [])].filter(usable).map(prefilterNeedle).map(literalSearch);
  if (!tokens.length && !subs.length) return undefined;
  return (bytes, start, end) => {
    const section = bytes.subarray(start, end);
    const ascii = isAsciiBytes(section);
    const judgeSubs = subs.length > 0 && (ascii || !LOWERS_TO_ASCII.some((c) => section.includes(c)));
    if (!judgeSubs && !ascii) return true;
    const text = section.toString('latin1');
    if (judgeSubs) for (const re of subs) if (!re.test(text)) return false;
    if (ascii) for (const re of tokens) if (!re.test(text)) return false;
    return judgeSubs ? subs[0] : ascii && tokens.length ? tokens[0] : true;
  };
}
