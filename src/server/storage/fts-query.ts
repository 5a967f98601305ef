// Turns what a user types into the search box into an FTS5 expression that can never be a
// syntax error. Every word and phrase is emitted as a double-quoted FTS5 string (FTS5 has no
// operators inside strings), so `AND`, `NEAR(`, `message:foo`, `^`, parentheses and quotes are
// plain text; a trailing `*` outside the quotes is the only operator we ever emit (prefix).
// The fallback substring and its LIKE pattern serve both stores; toFtsQuery is SQLite's.

/** Most terms we pass to FTS5; more would only slow the query (each term is a doclist read). */
export const MAX_FTS_TERMS = 32;
import { MAX_QUERY_CHARS, splitTerms } from '../../shared/search.js';

export { MAX_QUERY_CHARS };

// unicode61 (our tokenizer) treats letters, numbers and private-use characters as token
// characters and everything else as a separator. A piece without any of them produces no
// token, and FTS5 would match nothing for it, so such pieces are dropped here.
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;

/**
 * Translates user search text (words are ANDed, "quoted phrases", prefix*) into a safe FTS5
 * MATCH expression; returns null when the text holds nothing the tokenizer would index
 * (punctuation, emoji), in which case callers fall back to a substring match.
 */
export function toFtsQuery(q: string): string | null {
  const out: string[] = [];
  for (const t of splitTerms(q)) {
    if (!TOKEN_CHAR.test(t.text)) continue;
    // Doubling is FTS5's only escape inside a string; NUL would end the C string early.
    const body = t.text.replace(/\0/g, ' ').replace(/"/g, '""');
    out.push(`"${body}"${t.prefix ? '*' : ''}`);
    if (out.length >= MAX_FTS_TERMS) break;
  }
  return out.length ? out.join(' ') : null;
}

/** The text to look for with a substring match when toFtsQuery() found nothing to index, or null for blank input. */
export function fallbackSubstring(q: string): string | null {
  // NUL would cut the pattern short inside SQLite (and match everything).
  const s = q.slice(0, MAX_QUERY_CHARS).replace(/\0/g, '').trim();
  return s.length ? s : null;
}

/** Escapes a substring for `LIKE ? ESCAPE '\'`, wrapped in % on both sides. */
export function toLikePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
