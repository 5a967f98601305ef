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

/** JSON text of the message's key=value pairs ({} never: null when there are none). */
export function pairsText(message: string): string | null {
  // Cheap exit: most messages without an '=' have no pairs.
  if (message.indexOf('=') < 0) return null;
  const keys: string[] = [];
  const values = new Map<string, string>();
  const n = message.length;
  let p = 0;
  while (p < n) {
    let c = message.charCodeAt(p);
    if (c === 32 || c === 9) {
      p++;
      continue;
    }
    // A token starts at p: a key?
    const start = p;
    if (isKeyStart(c)) {
      p++;
      while (p < n && isKeyChar((c = message.charCodeAt(p)))) p++;
      if (p < n && message.charCodeAt(p) === 61) {
        const key = message.slice(start, p);
        p++;
        let value: string;
        if (p < n && message.charCodeAt(p) === 34) {
          p++;
          let out = '';
          let from = p;
          for (; p < n; p++) {
            c = message.charCodeAt(p);
            if (c === 92 && p + 1 < n && (message.charCodeAt(p + 1) === 34 || message.charCodeAt(p + 1) === 92)) {
              out += message.slice(from, p);
              from = ++p;
            } else if (c === 34) break;
          }
          value = out + message.slice(from, p);
          if (p < n) p++; // the closing quote
          // A pair ends at a space, a tab or the end; `a="x"y` is not logfmt.
          if (p < n && message.charCodeAt(p) !== 32 && message.charCodeAt(p) !== 9) {
            p = skipToken(message, p);
            continue;
          }
        } else {
          const from = p;
          p = skipToken(message, p);
          value = message.slice(from, p);
        }
        if (!values.has(key)) keys.push(key);
        values.set(key, value);
        continue;
      }
    }
    p = skipToken(message, p);
  }
  if (!keys.length) return null;
  let text = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i) text += ',';
    text += `${JSON.stringify(keys[i])}:${JSON.stringify(values.get(keys[i]))}`;
  }
  return `${text}}`;
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
