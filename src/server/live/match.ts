// In-memory filters for the live tail. They must agree with what the store's query API
// returns for the same parameters, so the text matcher follows SQLite FTS5's unicode61
// tokenizer: case-folded, diacritics removed, tokens are runs of letters and digits; a query
// is an AND of words, "quoted phrases" (consecutive tokens) and prefix* words.
import type { Level } from '../../shared/levels.js';
import type { LogRecord } from '../../shared/record.js';
import type { LogFilter } from '../storage/store.js';

const TOKEN = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  // Fast path: ASCII needs no Unicode normalization.
  const folded = /^[\x00-\x7f]*$/.test(text) ? text.toLowerCase() : text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return folded.match(TOKEN) ?? [];
}

interface Term {
  tokens: string[];
  /** The last token matches as a prefix. */
  prefix: boolean;
}

/** Parses user search text into terms; the same grammar the store turns into an FTS5 query. */
export function parseSearch(q: string): Term[] {
  const terms: Term[] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(q))) {
    const raw = m[1] ?? m[2] ?? '';
    const prefix = m[2] !== undefined && raw.endsWith('*');
    const tokens = tokenize(raw);
    if (tokens.length) terms.push({ tokens, prefix });
  }
  return terms;
}

function termMatches(term: Term, tokens: string[]): boolean {
  const n = term.tokens.length;
  outer: for (let i = 0; i + n <= tokens.length; i++) {
    for (let j = 0; j < n; j++) {
      const want = term.tokens[j];
      const have = tokens[i + j];
      const last = j === n - 1;
      if (last && term.prefix ? !have.startsWith(want) : have !== want) continue outer;
    }
    return true;
  }
  return false;
}

/** Whether a record matches; `tokens` gives its message's tokens (computed once, shared). */
export type RecordPredicate = (r: LogRecord, tokens: () => string[]) => boolean;

/** Compiles a filter into a predicate over records; undefined means "everything matches". */
export function compileFilter(f: LogFilter): RecordPredicate | undefined {
  const checks: RecordPredicate[] = [];
  if (f.levels?.length) {
    const set = new Set<Level>(f.levels);
    checks.push((r) => set.has(r.level));
  }
  if (f.sources?.length) {
    const set = new Set(f.sources);
    checks.push((r) => set.has(r.source));
  }
  if (f.host) {
    const host = f.host;
    checks.push((r) => r.host === host);
  }
  if (f.from !== undefined) {
    const from = f.from;
    checks.push((r) => r.ts >= from);
  }
  if (f.to !== undefined) {
    const to = f.to;
    checks.push((r) => r.ts < to);
  }
  if (f.q && f.q.trim()) {
    const terms = parseSearch(f.q);
    if (terms.length) {
      checks.push((_r, tokens) => {
        const tk = tokens();
        return terms.every((t) => termMatches(t, tk));
      });
    } else {
      // Nothing searchable (only punctuation): a plain case-insensitive substring match.
      const needle = f.q.trim().toLowerCase();
      checks.push((r) => r.message.toLowerCase().includes(needle));
    }
  }
  if (!checks.length) return undefined;
  return (r, tokens) => checks.every((c) => c(r, tokens));
}
