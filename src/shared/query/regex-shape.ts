// What the parser and the stores read off a `/regex/` without compiling it: its expanded size
// (bounded before compiling) and the literal runs every match contains. Kept apart from the
// engine (regex.ts) so that the dashboard's parser does not load re2js before its first render.

/** Most regex steps a query may hold, all its patterns together, repetitions expanded (see regexSize). */
export const MAX_REGEX_SIZE = 1000;

const REPEAT = /\{(\d+)(?:(,)(\d*))?\}/y;

/**
 * About how many steps a pattern compiles to once counted repetitions are expanded (`a{1000}` is
 * 1,000, `(ab){3}` is 6). RE2 refuses a count over 1,000 but not a row of them, and re2js takes
 * time in proportion to the expanded size (`a{1000}` compiled in about 15 ms on an idle core and
 * ten times that on this busy machine), so the parser bounds the total before compiling.
 */
export function regexSize(source: string): number {
  const stack: number[] = [0];
  let last = 0;
  const add = (n: number) => {
    stack[stack.length - 1] = Math.min(stack[stack.length - 1] + n, 1e9);
  };
  for (let i = 0; i < source.length; ) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if ((next === 'p' || next === 'P' || next === 'x') && source[i + 2] === '{') {
        const close = source.indexOf('}', i + 3);
        i = close === -1 ? source.length : close + 1;
      } else if (next === 'Q') {
        const close = source.indexOf('\\E', i + 2);
        const end = close === -1 ? source.length : close;
        add(end - (i + 2));
        i = close === -1 ? source.length : close + 2;
        last = 1;
        continue;
      } else i += 2;
      add(1);
      last = 1;
    } else if (c === '[') {
      // A class is one step: skip past its `]`.
      i = classEnd(source, i) + 1;
      add(1);
      last = 1;
    } else if (c === '(') {
      stack.push(0);
      last = 0;
      i++;
    } else if (c === ')') {
      const size = stack.length > 1 ? (stack.pop() as number) : 0;
      add(size);
      last = size;
      i++;
    } else if (c === '{') {
      REPEAT.lastIndex = i;
      const m = REPEAT.exec(source);
      if (m) {
        const lo = Number(m[1]);
        const times = m[2] === undefined ? lo : m[3] ? Math.max(lo, Number(m[3])) : lo + 1;
        add(last * Math.max(times - 1, 0));
        last = Math.min(last * times, 1e9);
        i += m[0].length;
      } else {
        add(1);
        last = 1;
        i++;
      }
    } else if (c === '|' || c === '*' || c === '+' || c === '?') {
      if (c === '|') last = 0;
      i++;
    } else {
      add(1);
      last = 1;
      i++;
    }
  }
  return stack.reduce((a, b) => Math.min(a + b, 1e9), 0);
}

/** Substrings every match of a pattern contains, for a store to narrow rows before running it. */
export interface RegexLiterals {
  literals: string[];
  /** The pattern starts with `(?i)`: compare the literals ignoring case. */
  caseInsensitive: boolean;
}

const ZERO_WIDTH_ESCAPES = new Set(['b', 'B', 'A', 'z']);
const CHAR_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07' };

/**
 * The literal runs a match must contain, read conservatively from the top level of the pattern:
 * none when it has a top-level `|` or flags other than a leading `(?i)`; groups, classes, `.`
 * and class escapes end a run; a character made optional by `?`, `*` or `{0,…}` is dropped and
 * ends the run. A store may skip every row that lacks one of them (as `~"…"` would) and still
 * return exactly what the regex matches.
 */
export function regexLiterals(source: string): RegexLiterals {
  let i = 0;
  let caseInsensitive = false;
  if (source.startsWith('(?i)')) {
    caseInsensitive = true;
    i = 4;
  }
  const none = { literals: [], caseInsensitive };
  const literals: string[] = [];
  let run = '';
  const flush = () => {
    if (run) literals.push(run);
    run = '';
  };
  /** How the quantifier at `j` (if any) applies: 'none', 'optional' (may be absent) or 'repeat' (one or more). */
  const quantifierAt = (j: number): { kind: 'none' | 'optional' | 'repeat'; end: number } => {
    const q = source[j];
    let end = j + 1;
    let kind: 'none' | 'optional' | 'repeat';
    if (q === '*' || q === '?') kind = 'optional';
    else if (q === '+') kind = 'repeat';
    else if (q === '{') {
      REPEAT.lastIndex = j;
      const m = REPEAT.exec(source);
      if (!m) return { kind: 'none', end: j };
      end = j + m[0].length;
      kind = Number(m[1]) === 0 ? 'optional' : 'repeat';
    } else return { kind: 'none', end: j };
    if (source[end] === '?') end++; // non-greedy
    return { kind, end };
  };
  while (i < source.length) {
    const c = source[i];
    let literal: string | undefined;
    let next = i + 1;
    if (c === '|') return none;
    // A quantifier here follows something zero-width (`^*`, `\b{2}`): it adds nothing.
    if (c === '*' || c === '+' || c === '?') {
      flush();
      i++;
      continue;
    }
    if (c === '{') {
      REPEAT.lastIndex = i;
      const m = REPEAT.exec(source);
      if (m) {
        flush();
        i += m[0].length;
        continue;
      }
    }
    if (c === '^' || c === '$') {
      i++;
      continue;
    }
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return none;
      next = i + 2;
      if (ZERO_WIDTH_ESCAPES.has(e)) {
        i = next;
        continue;
      }
      if (CHAR_ESCAPES[e] !== undefined) literal = CHAR_ESCAPES[e];
      else if (!/[\p{L}\p{N}]/u.test(e)) literal = e;
      else if ((e === 'p' || e === 'P' || e === 'x') && source[i + 2] === '{') {
        const close = source.indexOf('}', i + 3);
        next = close === -1 ? source.length : close + 1;
      } else if (e === 'p' || e === 'P') next = i + 3;
      else if (e === 'Q') return none;
    } else if (c === '[') {
      next = classEnd(source, i) + 1;
    } else if (c === '(') {
      if (source[i + 1] === '?' && source[i + 2] !== ':' && source[i + 2] !== 'P' && source[i + 2] !== '<') return none;
      let depth = 0;
      let j = i;
      for (; j < source.length; j++) {
        const d = source[j];
        if (d === '\\') j++;
        else if (d === '[') {
          for (j++; j < source.length && source[j] !== ']'; j++) if (source[j] === '\\') j++;
        } else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      next = j + 1;
    } else if (c !== '.' && c !== ')') literal = c; // a `{` that starts no repetition is itself (RE2)
    const q = quantifierAt(next);
    if (literal === undefined) {
      flush();
    } else if (q.kind === 'optional') {
      flush();
    } else {
      run += literal;
      if (q.kind === 'repeat') flush();
    }
    i = q.end;
  }
  flush();
  return { literals, caseInsensitive };
}

/**
 * The index of the `]` closing the character class that opens at `open` (source.length when it
 * is unclosed): a `]` right after `[` or `[^` is a member, escapes and `[:name:]` are skipped.
 */
function classEnd(source: string, open: number): number {
  let j = open + 1;
  if (source[j] === '^') j++;
  if (source[j] === ']') j++;
  for (; j < source.length && source[j] !== ']'; j++) {
    if (source[j] === '\\') j++;
    else if (source[j] === '[' && source[j + 1] === ':') {
      const close = source.indexOf(':]', j + 2);
      if (close !== -1) j = close + 1;
    }
  }
  return j;
}
