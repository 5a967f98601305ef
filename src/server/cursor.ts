// Opaque pagination cursors: `<order>.<ts>.<id>` in base64url, a place in event-time order
// (records sort by ts, ties by id). The older `<order>.<id>` form, which dashboards build from
// a record id, is still accepted: the route looks the record up to learn its ts. A cursor that
// does not decode to one of these shapes was not issued by us and gets a clear 400.
import { LogpipeError } from '../shared/errors.js';

export interface Cursor {
  order: 'asc' | 'desc';
  id: number;
  /** The record's ts; absent in the older id-only form. */
  ts?: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(c.ts === undefined ? `${c.order}.${c.id}` : `${c.order}.${c.ts}.${c.id}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const bad = () => new LogpipeError('LP_ERR_INVALID_CURSOR', `The cursor "${text.slice(0, 64)}" was not issued by this server.`);
  if (text.length > 96 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  const m = /^(asc|desc)\.(?:(-?\d{1,16})\.)?(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!m) throw bad();
  const id = Number(m[3]);
  const ts = m[2] === undefined ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(id) || (ts !== undefined && !Number.isSafeInteger(ts))) throw bad();
  return { order: m[1] as 'asc' | 'desc', id, ts };
}
