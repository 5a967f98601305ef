// `/regex/` runs on re2js, the pure-JavaScript port of RE2: matching is linear in the text
// whatever the pattern (no backtracking, so `(a+)+$` cannot hang a store or the live tail), and
// it runs unchanged in Node and in the browser, where the dashboard checks a query as it is typed.
// The native `re2` binding is faster per byte but builds C++ from source here and cannot load in
// the browser; `re2-wasm` needs Node's file system to load. See docs/query.md and
// docs/benchmarks.md ("Regex engines") for the measurements behind the choice.
import { RE2JS } from 're2js';
import { includesText, isAscii } from '../search.js';
import { regexLiterals } from './regex-shape.js';
import { setRegexCheck } from './regex-check.js';

export { MAX_REGEX_SIZE, regexLiterals, regexSize, type RegexLiterals } from './regex-shape.js';

/** Patterns kept compiled (a dashboard session or a server sees few distinct ones). */
const MAX_CACHED = 256;
const cache = new Map<string, RE2JS>();

/** Forgets compiled patterns (tests use it to time compiling, not the cache). */
export function clearRegexCache(): void {
  cache.clear();
}

/** A compiled pattern: `test` says whether it occurs anywhere in a text. */
export interface CompiledRegex {
  test(text: string): boolean;
}

/**
 * Compiles an RE2 pattern, or throws the engine's complaint as an Error (the parser turns it into
 * LP_ERR_QUERY with the column). Compiled patterns are cached, so evaluating many records
 * compiles once.
 */
export function compileRegex(source: string): CompiledRegex {
  let re = cache.get(source);
  if (re === undefined) {
    try {
      re = RE2JS.compile(source);
    } catch (e) {
      // RE2JS messages read "error parsing regexp: missing closing ): `(a`"; keep the reason.
      const msg = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
      throw new Error(msg);
    }
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(source, re);
  }
  const compiled = re;
  // The literal runs every match contains are looked for first (a substring search is much
  // cheaper than running the automaton): most lines lack them and are rejected at once.
  const { literals, caseInsensitive } = regexLiterals(source);
  // Ignoring case, RE2 folds some non-ASCII letters onto ASCII ones (ſ and s, K and k): only
  // ASCII literals are then a safe test.
  const wanted = caseInsensitive ? literals.filter((l) => isAscii(l)).map((l) => l.toLowerCase()) : literals;
  if (!wanted.length) return { test: (text: string) => compiled.test(text) };
  return {
    test: (text: string) => {
      // Lower-casing only ASCII text keeps this a necessary condition (case mapping of other
      // scripts can change lengths and letters); other text goes straight to the automaton.
      const hay = caseInsensitive ? (isAscii(text) ? text.toLowerCase() : null) : text;
      // includesText, not includes: a long literal would cost its length at each character.
      if (hay !== null) for (const l of wanted) if (!includesText(hay, l)) return false;
      return compiled.test(text);
    },
  };
}

// Loading the engine makes the parser check every pattern with it (see regex-check.ts).
setRegexCheck((source) => {
  compileRegex(source);
});
