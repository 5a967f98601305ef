// Finds what the search box matched inside a line, so rows can wrap those parts in <mark>.
// It uses the server's search grammar (src/shared/search.ts, SQLite FTS5 unicode61): case- and
// accent-insensitive tokens of letters and digits; a query is an AND of words, "quoted phrases"
// (consecutive tokens) and prefix* words. Text without any token character falls back to a
// substring match, as the server does.
import { foldText, parseSearch as parseTerms, type SearchTerm } from '../../../src/shared/search.js';
import { highlightsOf } from '../../../src/shared/query/assist.js';
import { parseQuery } from '../../../src/shared/query/parse.js';

/** A compiled search: the terms, or the literal text when the query holds no token characters. */
export interface SearchPattern {
  terms: SearchTerm[];
  substring: string | null;
}

/** A piece of a line, marked when it is part of a match. */
export interface TextPart {
  text: string;
  match: boolean;
}

export type { SearchTerm };
export { foldText };

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

/** Parses search-box text into terms: the server's grammar (src/shared/search.ts), plus the substring fallback. */
export function parseSearch(q: string): SearchPattern {
  const terms = parseTerms(q);
  const trimmed = q.trim();
  return { terms, substring: terms.length === 0 && trimmed ? trimmed : null };
}

/**
 * What a query of the language marks in a line: its words and phrases (not those under NOT,
 * nor field values) and its first `~"…"` substring. Null when nothing is to be marked or the
 * query does not parse.
 */
export function patternOfQuery(q: string): SearchPattern | null {
  if (!q.trim()) return null;
  try {
    const h = highlightsOf(parseQuery(q));
    if (!h.terms.length && !h.substrings.length) return null;
    return { terms: h.terms, substring: h.terms.length ? null : (h.substrings[0] ?? null) };
  } catch {
    return null;
  }
}

interface Token {
  start: number;
  end: number;
  folded: string;
}

function tokenizeWithPositions(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text))) out.push({ start: m.index, end: m.index + m[0].length, folded: foldText(m[0]) });
  return out;
}

/** Returns sorted, non-overlapping [start, end) ranges of `text` matched by the pattern. */
export function findMatches(text: string, pattern: SearchPattern): [number, number][] {
  const ranges: [number, number][] = [];
  if (pattern.substring) {
    const hay = text.toLowerCase();
    const needle = pattern.substring.toLowerCase();
    for (let i = hay.indexOf(needle); i !== -1 && needle; i = hay.indexOf(needle, i + needle.length)) ranges.push([i, i + needle.length]);
    return ranges;
  }
  if (!pattern.terms.length) return ranges;
  const tokens = tokenizeWithPositions(text);
  const folded = tokens.map((t) => t.folded);
  for (const term of pattern.terms) {
    const n = term.tokens.length;
    if (!n) continue;
    // The exact tokens are found by occurrencesOf; a prefix term's last token is then checked
    // after each of them.
    const exact = term.prefix ? term.tokens.slice(0, -1) : term.tokens;
    const last = term.tokens[n - 1];
    for (const i of occurrencesOf(folded, exact)) {
      if (i + n > tokens.length) break;
      if (term.prefix && !folded[i + n - 1].startsWith(last)) continue;
      ranges.push([tokens[i].start, tokens[i + n - 1].end]);
    }
  }
  return mergeRanges(ranges);
}

/**
 * Where each occurrence of `want` (overlapping ones too) starts in `have`: every index when
 * `want` is empty. Knuth–Morris–Pratt, linear in `have` whatever the phrase: trying the phrase
 * at each token cost tokens × phrase length (203 ms for a 500-word phrase in a 256 KiB row,
 * every time the row was drawn), as the server's search once did (src/shared/search.ts).
 */
function occurrencesOf(have: string[], want: string[]): number[] {
  const m = want.length;
  const out: number[] = [];
  if (m === 0) {
    for (let i = 0; i < have.length; i++) out.push(i);
    return out;
  }
  // border[j]: length of the longest proper prefix of want[0..j] that is also its suffix.
  const border = new Int32Array(m);
  for (let j = 1, k = 0; j < m; j++) {
    while (k > 0 && want[j] !== want[k]) k = border[k - 1];
    if (want[j] === want[k]) k++;
    border[j] = k;
  }
  for (let i = 0, j = 0; i < have.length; i++) {
    while (j > 0 && have[i] !== want[j]) j = border[j - 1];
    if (have[i] === want[j]) j++;
    if (j === m) {
      out.push(i - m + 1);
      j = border[m - 1];
    }
  }
  return out;
}

/** Sorts ranges and joins overlapping or touching ones. */
export function mergeRanges(ranges: [number, number][]): [number, number][] {
  if (ranges.length < 2) return ranges;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [sorted[0]];
  for (const r of sorted.slice(1)) {
    const last = out[out.length - 1];
    if (r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Splits a line into plain and matched parts; concatenating the parts gives the line back. */
export function splitByMatches(text: string, pattern: SearchPattern): TextPart[] {
  const ranges = findMatches(text, pattern);
  if (!ranges.length) return [{ text, match: false }];
  const parts: TextPart[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    if (s > at) parts.push({ text: text.slice(at, s), match: false });
    parts.push({ text: text.slice(s, e), match: true });
    at = e;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
