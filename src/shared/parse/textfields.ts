// Fields read out of plain text, so queries can filter on them: `key=value` pairs (quoted values
// too), runs of `key: value` with numeric values (`status: 200 len: 1893 time: 0.247`), the
// fields of an HTTP access log (`"GET /path HTTP/1.1" 200 1234 "referer" "agent"`) and a
// bracketed request id (`[8706c4fb-2627-4c1e-9f4e-1b2c3d4e5f60]`). Values are strings, as in
// logfmt. Nothing here decides the time or the level; the line is left as written.
import { setField } from './json.js';

/** What the last readTextFields call saw besides the fields: whether the line is an access log. */
export const textFields = { access: false };

const MAX_PAIRS = 64;
const MAX_KEY = 64;
// Colons looked at before deciding a line has no `key: number` run.
const MAX_COLONS = 12;
// How far into a line an access log's request or a request id is looked for.
const SEARCH_CHARS = 400;

function isKeyChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

function isKeyStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Characters that may stand right before a key: start, blank, `[`, `(`, `{`, `,`, `;`, `|`. */
function isBoundary(c: number): boolean {
  return c === -1 || c === 32 || c === 9 || c === 91 || c === 40 || c === 123 || c === 44 || c === 59 || c === 124;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function put(attrs: Record<string, unknown> | undefined, key: string, value: string): Record<string, unknown> {
  if (attrs === undefined) {
    const a: Record<string, unknown> = {};
    setField(a, key, value);
    return a;
  }
  if (!Object.hasOwn(attrs, key)) setField(attrs, key, value);
  return attrs;
}

// Keys read lately, one per slot by a hash of their characters. A source writes the same few
// keys on every line; handing back the string already used as a property name spares a slice
// per key and V8's lookup of a fresh string among property names when it is stored.
// Only short keys are kept: V8 copies substrings under 13 characters, while a longer one is a
// view that would keep its whole line (or the request body the line was cut from) alive.
const KEY_SLOTS = 256;
const MAX_CACHED_KEY = 12;
const keySlots: string[] = new Array<string>(KEY_SLOTS).fill('');

/** The hash keyAt takes: over the characters from last to first, as readPairs walks a key. */
function keyHash(s: string, start: number, end: number): number {
  let h = 0;
  for (let i = end - 1; i >= start; i--) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * s[start, end) as a string, the one returned last time for the same characters when it is
 * still cached; h is keyHash of those characters (readPairs computes it while finding the key).
 */
function keyAt(s: string, start: number, end: number, h: number): string {
  const n = end - start;
  if (n > MAX_CACHED_KEY) return s.slice(start, end);
  const slot = (h ^ (h >>> 8)) & (KEY_SLOTS - 1);
  const k = keySlots[slot];
  if (k.length === n) {
    let i = 0;
    while (i < n && k.charCodeAt(i) === s.charCodeAt(start + i)) i++;
    if (i === n) return k;
  }
  const fresh = s.slice(start, end);
  keySlots[slot] = fresh;
  return fresh;
}

/** Reads the fields of s from `from` on; undefined when there are none. */
export function readTextFields(s: string, from: number): Record<string, unknown> | undefined {
  textFields.access = false;
  // Each reader starts by searching for its mark (`"`, `=`, `: `, `[`) and returns at once
  // without one, so a search here first would only scan the line twice.
  let attrs = readAccess(s, from, undefined);
  attrs = readPairs(s, from, attrs);
  attrs = readColonRun(s, from, attrs);
  return readRequestId(s, from, attrs);
}

/** `key=value` and `key="quoted value"` pairs. */
function readPairs(s: string, from: number, attrs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const n = s.length;
  let pairs = 0;
  let eq = s.indexOf('=', from);
  while (eq > from && pairs < MAX_PAIRS) {
    let k = eq;
    let c = s.charCodeAt(k - 1);
    let h = 0;
    while (k > from && eq - k <= MAX_KEY && ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45)) {
      h = (h * 31 + c) | 0;
      c = s.charCodeAt(--k - 1);
    }
    const before = k === 0 ? 32 : s.charCodeAt(k - 1);
    if (k === eq || !isKeyStart(s.charCodeAt(k)) || !isBoundary(before) || s.charCodeAt(eq + 1) === 61) {
      eq = s.indexOf('=', eq + 1);
      continue;
    }
    let v = eq + 1;
    let value: string;
    if (s.charCodeAt(v) === 34) {
      const close = s.indexOf('"', v + 1);
      if (close < 0) {
        eq = s.indexOf('=', eq + 1);
        continue;
      }
      value = s.slice(v + 1, close);
      v = close + 1;
    } else {
      const start = v;
      c = s.charCodeAt(v);
      while (v < n && c !== 32 && c !== 9 && c !== 44 && c !== 59 && c !== 93 && c !== 41 && c !== 125 && c !== 34) c = s.charCodeAt(++v);
      value = s.slice(start, v);
    }
    const key = keyAt(s, k, eq, h);
    if (attrs === undefined) {
      attrs = {};
      setField(attrs, key, value);
    } else if (!Object.hasOwn(attrs, key)) setField(attrs, key, value);
    pairs++;
    eq = s.indexOf('=', v);
  }
  return attrs;
}

/** Runs of `key: number` (two or more in the line), as `status: 200 len: 1893 time: 0.247`. */
function readColonRun(s: string, from: number, attrs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  // Count first (no allocation): most lines have at most one such pair.
  let count = 0;
  let seen = 0;
  // A run of pairs is the line's structure, so it shows among its first colons.
  for (let c = s.indexOf(': ', from); c > from && count < 2 && seen < MAX_COLONS; c = s.indexOf(': ', c + 2), seen++) {
    if (colonPairKey(s, from, c) >= 0) count++;
  }
  if (count < 2) return attrs;
  count = 0;
  for (let c = s.indexOf(': ', from); c > from && count < MAX_PAIRS; c = s.indexOf(': ', c + 2)) {
    const k = colonPairKey(s, from, c);
    if (k < 0) continue;
    const start = c + 2;
    let v = start;
    while (v < s.length && s.charCodeAt(v) !== 32 && s.charCodeAt(v) !== 9 && s.charCodeAt(v) !== 44 && s.charCodeAt(v) !== 59) v++;
    attrs = put(attrs, keyAt(s, k, c, keyHash(s, k, c)), s.slice(start, v));
    count++;
  }
  return attrs;
}

/** Where the key of a `key: number` pair whose colon is at c starts, or -1. */
function colonPairKey(s: string, from: number, c: number): number {
  // The value first: it is rarely a number, and that is the cheapest thing to check.
  const v0 = s.charCodeAt(c + 2);
  if (!isDigit(v0) && !(v0 === 45 && isDigit(s.charCodeAt(c + 3)))) return -1;
  let k = c;
  while (k > from && c - k <= MAX_KEY && isKeyChar(s.charCodeAt(k - 1))) k--;
  if (k === c || !isKeyStart(s.charCodeAt(k)) || !isBoundary(k === 0 ? -1 : s.charCodeAt(k - 1))) return -1;
  return k;
}

const HAPROXY_STATUS = / -?\d+\/-?\d+\/-?\d+\/-?\d+\/\+?-?\d+ (\d{3}) /;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PROPFIND'];

/** The quoted string starting at p (`"…"`, no escapes but `\"`); its end (after the quote) in `quotedEnd`. */
let quotedEnd = 0;
function quoted(s: string, p: number): string | undefined {
  if (s.charCodeAt(p) !== 34) return undefined;
  let q = p + 1;
  while (q < s.length && s.charCodeAt(q) !== 34) q += s.charCodeAt(q) === 92 ? 2 : 1;
  if (q >= s.length) return undefined;
  quotedEnd = q + 1;
  return s.slice(p + 1, q);
}

/** An access log: `"METHOD path PROTO" status bytes ["referer" "user agent"] … [duration]`. */
function readAccess(s: string, from: number, attrs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const limit = Math.min(s.length, from + SEARCH_CHARS);
  for (let q = s.indexOf('"', from); q >= 0 && q < limit; q = s.indexOf('"', q + 1)) {
    const c1 = s.charCodeAt(q + 1);
    if (c1 < 65 || c1 > 90) continue;
    let m = q + 1;
    while (m < s.length && s.charCodeAt(m) >= 65 && s.charCodeAt(m) <= 90) m++;
    if (m - q - 1 < 3 || s.charCodeAt(m) !== 32 || !METHODS.includes(s.slice(q + 1, m))) continue;
    const request = quoted(s, q);
    if (request === undefined) return attrs;
    let p = quotedEnd;
    const parts = request.split(' ');
    attrs = put(attrs, 'method', parts[0]);
    if (parts[1] !== undefined) attrs = put(attrs, 'path', parts[1]);
    if (parts[2] !== undefined && parts[2].startsWith('HTTP/')) attrs = put(attrs, 'protocol', parts[2]);
    let status: string;
    if (s.charCodeAt(p) === 32 && isDigit(s.charCodeAt(p + 1)) && isDigit(s.charCodeAt(p + 3)) && !isDigit(s.charCodeAt(p + 4))) status = s.slice(p + 1, p + 4);
    else {
      // HAProxy puts the status before the request, after its timers `Tq/Tw/Tc/Tr/Tt`.
      const m = HAPROXY_STATUS.exec(s.slice(from, q));
      // Without a status where access logs put one, the request's fields are all there is.
      if (m === null) return attrs;
      status = m[1];
      p = s.length;
    }
    attrs = put(attrs, 'status', status);
    textFields.access = true;
    p += 4;
    if (s.charCodeAt(p) === 32 && isDigit(s.charCodeAt(p + 1))) {
      let e = p + 1;
      while (isDigit(s.charCodeAt(e))) e++;
      attrs = put(attrs, 'bytes', s.slice(p + 1, e));
      p = e;
    } else if (s.charCodeAt(p) === 32 && s.charCodeAt(p + 1) === 45) p += 2;
    if (s.charCodeAt(p) === 32) {
      const referer = quoted(s, p + 1);
      if (referer !== undefined && s.charCodeAt(quotedEnd) === 32) {
        const agent = quoted(s, quotedEnd + 1);
        if (agent !== undefined) {
          if (referer !== '-' && referer !== '') attrs = put(attrs, 'referer', referer);
          if (agent !== '-' && agent !== '') attrs = put(attrs, 'user_agent', agent);
        }
      }
    }
    // A duration as the line's last token (`0.123`, `18ms`, `1.2s`), as nginx and Traefik append it.
    let e = s.length;
    while (e > p && s.charCodeAt(e - 1) === 32) e--;
    let b = e;
    while (b > p && s.charCodeAt(b - 1) !== 32) b--;
    if (b > p && /^\d+(\.\d+)?(ms|s|us|µs)?$/.test(s.slice(b, e))) attrs = put(attrs, 'duration', s.slice(b, e));
    return attrs;
  }
  return attrs;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** A bracketed request id: a UUID, a long hex string, or `req-…`/`request-…` (Rails' tagged logging, many tracers). */
function readRequestId(s: string, from: number, attrs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const limit = Math.min(s.length, from + SEARCH_CHARS);
  for (let b = s.indexOf('[', from); b >= 0 && b < limit; b = s.indexOf('[', b + 1)) {
    let close = s.indexOf(']', b + 1);
    if (close < 0) return attrs;
    // Most brackets (`[main]`, `sshd[4242]`, `[INFO]`) are too short or start wrong for an id:
    // turn them away before looking for a blank inside (which can only shorten the candidate).
    const first = s.charCodeAt(b + 1) | 0x20;
    if (close - b - 1 < 8 || !(isHex(first) || first === 114)) continue;
    // The id may be the first of several words (`[req-38101a0b-… user-id project-id]`).
    const blank = s.indexOf(' ', b + 1);
    if (blank > b && blank < close) close = blank;
    if (close - b > 66) continue;
    const len = close - b - 1;
    if (len < 8) continue;
    let hex = 0;
    let dashes = 0;
    let other = false;
    for (let i = b + 1; i < close; i++) {
      const c = s.charCodeAt(i);
      if (isHex(c)) hex++;
      else if (c === 45) dashes++;
      else if (!isKeyChar(c)) {
        other = true;
        break;
      }
    }
    if (other) continue;
    const uuidLike = hex + dashes === len && ((len === 36 && dashes === 4) || (dashes === 0 && len >= 16));
    if (uuidLike || ((s.charCodeAt(b + 1) | 0x20) === 114 && /^req(uest)?[-_]?[A-Za-z0-9][A-Za-z0-9_-]{5,}$/.test(s.slice(b + 1, close)))) {
      return put(attrs, 'request_id', s.slice(b + 1, close));
    }
  }
  return attrs;
}
