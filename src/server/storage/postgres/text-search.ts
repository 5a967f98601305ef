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
import { splitTerms, tokenize } from '../../../shared/search.js';
import { MAX_FTS_TERMS } from '../fts-query.js';

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
