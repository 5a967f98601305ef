// A short check of one line's text, computed alike by the server (for the record at a stream's
// committed offset) and by the collector (for the line that ends at that offset in a file), so
// a collector that lost its state file can tell whether the content it finds is the content the
// server holds under a stream id, instead of trusting the id alone (docs/collector-identity.md).
// Two FNV-1a passes over the UTF-16 code units: cheap, stable across platforms, not a defence
// against anyone crafting collisions (nor meant to be one).

/** 16 hex digits identifying a line's text. */
export function lineCheck(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ (c + i), 0x0100019b);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
