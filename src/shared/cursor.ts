// Where a page of GET /api/v1/logs starts: the one codec of pagination cursors, and the
// anchor parameters a client uses when it holds a record id rather than a cursor.
//
// A cursor is `<order>.<ts>.<id>` in base64url: a place in event-time order (records sort by
// ts, ties by id) and the direction of the walk. The older `<order>.<id>` form is still
// accepted (the server looks the record up to learn its ts). A cursor that does not decode to
// one of these shapes was not issued by us and is a clear 400.
//
// A client that has a record but no cursor for it (the oldest line it still shows, the last
// line before a live-tail gap) names it with `before=<id>` or `after=<id>`: the page strictly
// before it (newest first) or strictly after it (oldest first) in (ts, id) order. Clients never
// build cursors themselves, so the cursor's text can change without breaking them.
//
// This module runs on the server and in the browser, so it uses neither Buffer nor btoa.
import { LogpipeError } from './errors.js';

export type Order = 'asc' | 'desc';

export interface Cursor {
  order: Order;
  id: number;
  /** The record's ts; absent in the older id-only form. */
  ts?: number;
}

/** A record named by id: the page strictly before it (newest first) or after it (oldest first). */
export type Anchor = { before: number } | { after: number };

/** The query parameters that ask for the page beside an anchor record. */
export function anchorParams(anchor: Anchor): Record<string, string> {
  return 'before' in anchor ? { before: String(anchor.before) } : { after: String(anchor.after) };
}

/** The direction a page beside an anchor is walked in: away from the anchor. */
export function anchorOrder(anchor: Anchor): Order {
  return 'before' in anchor ? 'desc' : 'asc';
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding of an ASCII string (a cursor's text is ASCII only). */
function toBase64url(ascii: string): string {
  let out = '';
  for (let i = 0; i < ascii.length; i += 3) {
    const a = ascii.charCodeAt(i);
    const b = i + 1 < ascii.length ? ascii.charCodeAt(i + 1) : 0;
    const c = i + 2 < ascii.length ? ascii.charCodeAt(i + 2) : 0;
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    if (i + 1 < ascii.length) out += ALPHABET[(n >> 6) & 63];
    if (i + 2 < ascii.length) out += ALPHABET[n & 63];
  }
  return out;
}

/** The bytes of base64url text as latin1 characters, or undefined if it is not base64url. */
function fromBase64url(text: string): string | undefined {
  if (text.length % 4 === 1) return undefined;
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]);
    if (v < 0) return undefined;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 255);
    }
  }
  return out;
}

/** The opaque text of a cursor. */
export function encodeCursor(c: Cursor): string {
  return toBase64url(c.ts === undefined ? `${c.order}.${c.id}` : `${c.order}.${c.ts}.${c.id}`);
}

/** The place a cursor names; a LogpipeError (LP_ERR_INVALID_CURSOR) if we did not issue it. */
export function decodeCursor(text: string): Cursor {
  const bad = () => new LogpipeError('LP_ERR_INVALID_CURSOR', `The cursor "${text.slice(0, 64)}" was not issued by this server.`);
  if (text.length > 96) throw bad();
  const plain = fromBase64url(text);
  const m = plain === undefined ? null : /^(asc|desc)\.(?:(-?\d{1,16})\.)?(\d{1,16})$/.exec(plain);
  if (!m) throw bad();
  const id = Number(m[3]);
  const ts = m[2] === undefined ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(id) || (ts !== undefined && !Number.isSafeInteger(ts))) throw bad();
  return { order: m[1] as Order, id, ts };
}
