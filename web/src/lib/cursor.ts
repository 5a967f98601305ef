// Pagination cursors for positions the dashboard did not receive a cursor for (after the
// window trimmed its oldest lines, or to refill a tail gap). The server's cursors are
// base64url("<order>.<id>") and mean "continue strictly after id in that order".

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Cursor for records older than `id`, newest first (order=desc). */
export function cursorBefore(id: number): string {
  return base64url(`desc.${id}`);
}

/** Cursor for records newer than `id`, oldest first (order=asc). */
export function cursorAfter(id: number): string {
  return base64url(`asc.${id}`);
}
