// Opaque pagination cursors: `<order>.<id>` in base64url. A cursor that does not decode to
// exactly that shape was not issued by us and gets a clear 400.
import { LogpipeError } from '../shared/errors.js';

export interface Cursor {
  order: 'asc' | 'desc';
  id: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.order}.${c.id}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const bad = () => new LogpipeError('LP_ERR_INVALID_CURSOR', `The cursor "${text.slice(0, 64)}" was not issued by this server.`);
  if (text.length > 64 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  const m = /^(asc|desc)\.(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!m) throw bad();
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) throw bad();
  return { order: m[1] as 'asc' | 'desc', id };
}
