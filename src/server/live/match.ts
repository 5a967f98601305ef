// In-memory filters for the live tail. They must agree with what the store's query API
// returns for the same parameters, so the text matcher uses the one search grammar of
// src/shared/search.ts that the stores translate into FTS5 and tsquery expressions, and field
// filters use matchesFields, which the stores' field indexes follow.
import { matchesFields } from '../../shared/fields.js';
import type { Level } from '../../shared/levels.js';
import type { LogRecord } from '../../shared/record.js';
import { includesText, parseSearch, termMatches } from '../../shared/search.js';
import type { LogFilter } from '../storage/store.js';

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
  if (f.fields?.length) {
    // The one definition of field filters (src/shared/fields.ts), which the stores' SQL follows.
    const fields = f.fields;
    checks.push((r) => matchesFields(r.attrs, fields));
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
      checks.push((r) => includesText(r.message.toLowerCase(), needle));
    }
  }
  if (!checks.length) return undefined;
  return (r, tokens) => checks.every((c) => c(r, tokens));
}
