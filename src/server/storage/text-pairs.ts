// The key=value pairs written in a message, as the JSON text of an object: what a block stores
// instead of a row's attrs when the two are the same text (block.ts, "derived attrs").
//
// Most plain and logfmt lines carry their fields in the text (`… request_id=7f3a user=ada`),
// and the parser stores them again as attrs: a second copy of the line's least compressible
// bytes (ids, numbers), kept in a zstd frame of its own where the message's copy cannot be
// referenced. So the encoder asks this function for the pairs of each message and, when its
// answer is exactly the row's attrs text, writes a mark instead; a reader calls it again.
// Nothing depends on this matching the parser: where they disagree (other quoting, a key the
// parser skips, fields a client sent) the attrs are stored as they are. What must never change
// is this function's answer for a given message, since blocks written with it rely on it:
// change it only together with a new payload format.
//
// The rule (logfmt's): tokens are separated by spaces and tabs; a token `key=value` whose key
// is a letter or `_` followed by letters, digits, `_`, `.` or `-` is a pair; the value runs to
// the next space or tab, or, when it starts with `"`, to the closing quote, with `\"` and `\\`
// read as `"` and `\` (an unclosed quote runs to the end). A key met again keeps its place and
// takes the later value. Values are strings.

/** Where the pair findPair found lies in the message (reused: one pair at a time). */
const pair = { keyStart: 0, keyEnd: 0, valueFrom: 0, valueTo: 0, escaped: false, next: 0 };

/**
 * Finds the first pair at or after p (p is a token's start, or inside a token that is not a
 * pair), filling `pair`; false when there is none. It jumps from one '=' to the next (the
 * native indexOf) and looks back for a key that starts a token, so text between pairs is not
 * walked a character at a time. Linear: the look back stops where the search started.
 */
function findPair(m: string, p: number): boolean {
  const n = m.length;
  for (;;) {
    const eq = m.indexOf('=', p);
    if (eq < 0) return false;
    let ks = eq;
    while (ks > p && isKeyChar(m.charCodeAt(ks - 1))) ks--;
    const before = ks === 0 ? 32 : m.charCodeAt(ks - 1);
    if (ks === eq || !isKeyStart(m.charCodeAt(ks)) || (before !== 32 && before !== 9)) {
      // Not a key at a token's start: '=' inside a token (`/a?x=1`), or no key before it.
      p = eq + 1;
      continue;
    }
    let v = eq + 1;
    if (v < n && m.charCodeAt(v) === 34) {
      const from = ++v;
      let escaped = false;
      for (; v < n; v++) {
        const c = m.charCodeAt(v);
        if (c === 92 && v + 1 < n && (m.charCodeAt(v + 1) === 34 || m.charCodeAt(v + 1) === 92)) {
          escaped = true;
          v++;
        } else if (c === 34) break;
      }
      const to = v;
      if (v < n) v++; // the closing quote
      if (v < n && m.charCodeAt(v) !== 32 && m.charCodeAt(v) !== 9) {
        // `a="x"y` is not logfmt: the token is skipped.
        p = skipToken(m, v);
        continue;
      }
      return found(ks, eq, from, to, escaped, v);
    }
    const to = skipToken(m, v);
    return found(ks, eq, v, to, false, to);
  }
}

function found(keyStart: number, keyEnd: number, valueFrom: number, valueTo: number, escaped: boolean, next: number): true {
  pair.keyStart = keyStart;
  pair.keyEnd = keyEnd;
  pair.valueFrom = valueFrom;
  pair.valueTo = valueTo;
  pair.escaped = escaped;
  pair.next = next;
  return true;
}

/** The value of the pair just found, with `\"` and `\\` read as `"` and `\`. */
function pairValue(m: string): string {
  const raw = m.slice(pair.valueFrom, pair.valueTo);
  return pair.escaped ? raw.replace(/\\(["\\])/g, '$1') : raw;
}

/** JSON text of the message's key=value pairs ({} never: null when there are none). */
export function pairsText(message: string): string | null {
  if (!findPair(message, 0)) return null;
  const keys: string[] = [];
  const values = new Map<string, string>();
  do {
    const key = message.slice(pair.keyStart, pair.keyEnd);
    if (!values.has(key)) keys.push(key);
    values.set(key, pairValue(message));
  } while (findPair(message, pair.next));
  let text = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i) text += ',';
    text += `${JSON.stringify(keys[i])}:${JSON.stringify(values.get(keys[i]))}`;
  }
  return `${text}}`;
}

/**
 * Whether `attrs` is exactly pairsText(message), without building it: the pairs are compared
 * with the text in place while no key or value needs a JSON escape or repeats; anything else
 * (an escape, a repeated key, a mismatch) is settled by pairsText itself, so the answer is
 * always the same as `pairsText(message) === attrs`. The encoder asks this of every row with
 * attrs, and most rows have plain pairs that match.
 */
export function pairsEqual(message: string, attrs: string): boolean {
  const r = comparePairs(message, attrs);
  return r === SAME || (r === UNSURE && pairsText(message) === attrs);
}

const SAME = 0;
const UNSURE = 1;

function comparePairs(m: string, a: string): number {
  if (a.charCodeAt(0) !== 123) return UNSURE;
  let at = 1; // in attrs, past '{'
  let pairs = 0;
  for (let p = 0; findPair(m, p); p = pair.next) {
    if (pair.escaped) return UNSURE;
    // `,"key":"value"` (no comma before the first) must stand next in attrs.
    if (pairs > 0) {
      if (a.charCodeAt(at) !== 44) return UNSURE;
      at++;
    }
    at = expectString(m, pair.keyStart, pair.keyEnd, a, at);
    if (at < 0 || a.charCodeAt(at) !== 58) return UNSURE;
    at = expectString(m, pair.valueFrom, pair.valueTo, a, at + 1);
    if (at < 0) return UNSURE;
    pairs++;
  }
  return pairs > 0 && at === a.length - 1 && a.charCodeAt(at) === 125 ? SAME : UNSURE;
}

/** Where attrs goes on after `"m[from, to)"` standing at `at`, or -1 (not there, or it would need an escape). */
function expectString(m: string, from: number, to: number, a: string, at: number): number {
  if (a.charCodeAt(at) !== 34) return -1;
  at++;
  for (let i = from; i < to; i++, at++) {
    const c = m.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff) || a.charCodeAt(at) !== c) return -1;
  }
  return a.charCodeAt(at) === 34 ? at + 1 : -1;
}

function skipToken(s: string, p: number): number {
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c === 32 || c === 9) break;
    p++;
  }
  return p;
}

function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isKeyChar(c: number): boolean {
  return isKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}
