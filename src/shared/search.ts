// The search grammar, one definition for every place that must agree on it: the SQLite store
// (FTS5 expression), the PostgreSQL store (tsquery), the live tail's in-memory matcher and the
// dashboard's highlighter. A query is an AND of words and "quoted phrases" (an unbalanced quote
// runs to the end); a `*` right after a word or phrase makes its last token a prefix. Text is
// tokenized as SQLite FTS5's unicode61 does by default: case-folded, diacritics removed, tokens
// are runs of letters, digits and private-use characters; everything else separates them.

/** Longest user query looked at; the rest is ignored (a 10 KB paste is not a search). */
export const MAX_QUERY_CHARS = 1024;

/** One word or phrase as typed. */
export interface RawTerm {
  /** The text of the word, or the inside of the quotes. */
  text: string;
  prefix: boolean;
}

/** One term after tokenization: its tokens in order; the last may match as a prefix. */
export interface SearchTerm {
  tokens: string[];
  prefix: boolean;
}

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const ASCII = /^[\x00-\x7f]*$/;

/** Whether a text is all ASCII (its lower case is then exactly what case folding gives). */
export function isAscii(text: string): boolean {
  return ASCII.test(text);
}

/** Lowercases and strips diacritics, as unicode61 does (remove_diacritics). */
export function foldText(text: string): string {
  return ASCII.test(text) ? text.toLowerCase() : text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The tokens of a text, as the FTS index sees them. */
export function tokenize(text: string): string[] {
  return foldText(text).match(TOKEN) ?? [];
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || /\s/u.test(c);
}

/**
 * How much of a needle a prefilter looks for. Looking for a needle of m characters costs up to m
 * per character of text when the text almost matches everywhere (`aaa…b` in a line of `a`s):
 * SQLite's LIKE, String.prototype.includes and a literal RegExp all retry it at each position,
 * and a reader's query may hold a 1,000-character word, substring or regex literal (2 MiB of
 * such lines took 2.6 s). Prefilters only say that a text may match, before the exact test, so
 * they look for the needle's first PREFILTER_CHARS characters: at most that many steps a character.
 */
export const PREFILTER_CHARS = 16;

/** The part of `needle` a prefilter looks for (never cutting a surrogate pair in two). */
export function prefilterNeedle(needle: string): string {
  if (needle.length <= PREFILTER_CHARS) return needle;
  const c = needle.charCodeAt(PREFILTER_CHARS - 1);
  return needle.slice(0, c >= 0xd800 && c <= 0xdbff ? PREFILTER_CHARS - 1 : PREFILTER_CHARS);
}

/** Needles up to this length go to the engine's own search (at most this many steps a character). */
const NATIVE_NEEDLE_CHARS = 64;

/**
 * Whether `text` contains `needle`, in time linear in the text whatever the needle: the engine's
 * search for short needles, Knuth–Morris–Pratt from the first place the needle's prefix occurs
 * for long ones (the engine's search retries a long needle at every position, see PREFILTER_CHARS).
 */
export function includesText(text: string, needle: string): boolean {
  if (needle.length <= NATIVE_NEEDLE_CHARS) return text.includes(needle);
  const from = text.indexOf(needle.slice(0, PREFILTER_CHARS));
  if (from < 0) return false;
  const m = needle.length;
  // border[j]: length of the longest proper prefix of needle[0..j] that is also its suffix.
  const border = new Int32Array(m);
  for (let j = 1, k = 0; j < m; j++) {
    const c = needle.charCodeAt(j);
    while (k > 0 && c !== needle.charCodeAt(k)) k = border[k - 1];
    if (c === needle.charCodeAt(k)) k++;
    border[j] = k;
  }
  for (let i = from, j = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    while (j > 0 && c !== needle.charCodeAt(j)) j = border[j - 1];
    if (c === needle.charCodeAt(j) && ++j === m) return true;
  }
  return false;
}

/** Splits user text into words and "quoted phrases" as typed. */
export function splitTerms(q: string): RawTerm[] {
  const terms: RawTerm[] = [];
  const s = q.slice(0, MAX_QUERY_CHARS);
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    let text: string;
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      text = end === -1 ? s.slice(i + 1) : s.slice(i + 1, end);
      i = end === -1 ? s.length : end + 1;
    } else {
      let j = i;
      while (j < s.length && !isSpace(s[j]) && s[j] !== '"') j++;
      text = s.slice(i, j);
      i = j;
    }
    let prefix = false;
    if (s[i] === '*') {
      prefix = true;
      i++;
    }
    // Inside a bare word, trailing stars mean prefix too ("connect*"); other stars are separators.
    // (A loop: `/\*+$/` retries a run of stars from each of its characters.)
    let end = text.length;
    while (end > 0 && text.charCodeAt(end - 1) === 42) end--;
    if (end < text.length) {
      prefix = true;
      text = text.slice(0, end);
    }
    terms.push({ text, prefix });
  }
  return terms;
}

/** The terms of a query that hold at least one token; empty when the query has nothing searchable. */
export function parseSearch(q: string): SearchTerm[] {
  const out: SearchTerm[] = [];
  for (const t of splitTerms(q)) {
    const tokens = tokenize(t.text);
    if (tokens.length) out.push({ tokens, prefix: t.prefix });
  }
  return out;
}

/**
 * Whether the tokens of a text contain the term (consecutive tokens; the last as a prefix when
 * asked). Knuth–Morris–Pratt over tokens: linear in the text's tokens whatever the term, where
 * trying the term at each position costs tokens × term length (a phrase of 500 repeated words
 * against a 64 KiB line of the same word took 236 ms, per line and live-tail subscriber).
 */
export function termMatches(term: SearchTerm, tokens: string[]): boolean {
  const want = term.tokens;
  const n = want.length;
  if (n === 0) return true;
  // border[j]: length of the longest proper prefix of want[0..j] that is also its suffix.
  // Only exact tokens take part: the last (prefix-matched) one ends a match, never a border.
  const border = new Array<number>(n).fill(0);
  for (let j = 1, k = 0; j < n - 1; j++) {
    while (k > 0 && want[j] !== want[k]) k = border[k - 1];
    if (want[j] === want[k]) k++;
    border[j] = k;
  }
  const last = n - 1;
  for (let i = 0, j = 0; i < tokens.length; i++) {
    const have = tokens[i];
    for (;;) {
      const ok = j === last && term.prefix ? have.startsWith(want[j]) : have === want[j];
      if (ok) {
        if (j === last) return true;
        j++;
        break;
      }
      if (j === 0) break;
      j = border[j - 1];
    }
  }
  return false;
}
