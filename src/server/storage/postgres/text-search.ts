// Full-text search for PostgreSQL, matching the SQLite store and the live tail word for word.
//
// We do not let PostgreSQL's text-search parser tokenize messages: it recognises hosts, URLs,
// file paths, versions and hyphenated words as single tokens ("example.com", "a-b"), so a
// search for "example" would miss lines SQLite's unicode61 tokenizer finds. Instead the
// tokens come from the live tail's tokenize() (case-folded, diacritics removed, runs of
// letters and digits) and are written as a tsvector literal with their positions; queries are
// tsquery literals built from the same tokens. Every lexeme is single-quoted and escaped, so
// user text can never be a tsquery syntax error: `&`, `|`, `!`, `<->`, `:*` and parentheses
// typed by a user are only ever characters inside a quoted lexeme (or dropped as separators).
import { tokenize } from '../../live/match.js';
import { MAX_FTS_TERMS, MAX_QUERY_CHARS } from '../sqlite/fts-query.js';

/** PostgreSQL's limit on one lexeme (2 KiB - 1 byte); longer tokens are not indexed. */
const MAX_LEXEME_BYTES = 2046;
/** Highest position a tsvector stores; later tokens share it (phrases that far in may miss). */
const MAX_POSITION = 16_383;
/** Distinct lexemes kept per message: a tsvector is limited to 1 MiB. */
const MAX_LEXEMES = 20_000;
/** Positions kept per lexeme (PostgreSQL keeps at most 256). */
const MAX_POSITIONS = 256;

function quoteLexeme(token: string): string {
  // tokenize() yields letters and digits only; the escaping is there in case it ever changes.
  return /['\\]/.test(token) ? `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : `'${token}'`;
}

/** Builds the tsvector literal (`'word':1,3 'other':2`) that indexes a message. */
export function toTsvectorLiteral(message: string): string {
  const positions = new Map<string, number[]>();
  const tokens = tokenize(message);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.length * 3 > MAX_LEXEME_BYTES && Buffer.byteLength(t) > MAX_LEXEME_BYTES) continue;
    let p = positions.get(t);
    if (!p) {
      if (positions.size >= MAX_LEXEMES) continue;
      p = [];
      positions.set(t, p);
    }
    if (p.length < MAX_POSITIONS) p.push(Math.min(i + 1, MAX_POSITION));
  }
  let out = '';
  for (const [t, p] of positions) out += `${out ? ' ' : ''}${quoteLexeme(t)}:${p.join(',')}`;
  return out;
}

interface Term {
  text: string;
  prefix: boolean;
}

// The same grammar as the SQLite store's fts-query.ts: words and "quoted phrases" (an
// unbalanced quote runs to the end), a `*` right after either marks a prefix.
function splitTerms(q: string): Term[] {
  const terms: Term[] = [];
  const s = q.slice(0, MAX_QUERY_CHARS);
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/u.test(c)) {
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
      while (j < s.length && !/\s/u.test(s[j]) && s[j] !== '"') j++;
      text = s.slice(i, j);
      i = j;
    }
    let prefix = false;
    if (s[i] === '*') {
      prefix = true;
      i++;
    }
    const stars = /\*+$/u.exec(text);
    if (stars) {
      prefix = true;
      text = text.slice(0, stars.index);
    }
    terms.push({ text, prefix });
  }
  return terms;
}

/**
 * Translates user search text (words ANDed, "phrases" as `<->` chains, prefix* as `:*`) into a
 * tsquery literal; null when the text holds no indexable token (then callers match a substring).
 */
export function toTsqueryLiteral(q: string): string | null {
  const out: string[] = [];
  for (const t of splitTerms(q)) {
    const words = tokenize(t.text).filter((w) => Buffer.byteLength(w) <= MAX_LEXEME_BYTES);
    if (!words.length) continue;
    const parts = words.map((w, k) => quoteLexeme(w) + (t.prefix && k === words.length - 1 ? ':*' : ''));
    out.push(parts.length === 1 ? parts[0] : `(${parts.join(' <-> ')})`);
    if (out.length >= MAX_FTS_TERMS) break;
  }
  return out.length ? out.join(' & ') : null;
}
