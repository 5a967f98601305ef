// Kubernetes CRI log files (/var/log/containers/*.log, written by containerd and CRI-O):
// `2026-11-28T03:29:09.123456789Z stdout F <the container's line>`. The runtime adds the prefix;
// the container's own line is the message and is parsed in turn (plain, JSON or logfmt).
import { scanned, scanTimestamp } from './timestamp.js';

/** Where a CRI line's prefix was read by readCriPrefix. */
export const criPrefix = { ts: 0, stream: '', body: 0 };

function isWord(s: string, p: number, word: string): boolean {
  return s.startsWith(word, p);
}

/**
 * Reads `RFC3339 stdout|stderr F|P ` at p. Fills criPrefix and returns true when the line is in
 * CRI form. Cheap when it is not: the first blank after the date must be followed by `std`.
 */
export function readCriPrefix(s: string, p: number, now: number | undefined): boolean {
  if (s.charCodeAt(p + 10) !== 84) return false;
  const blank = s.indexOf(' ', p + 19);
  if (blank < 0 || blank > p + 40 || !isWord(s, blank + 1, 'std')) return false;
  if (!scanTimestamp(s, p, now, 0) || s.charCodeAt(scanned.end) !== 32) return false;
  const q = scanned.end + 1;
  const stream = isWord(s, q, 'stdout ') ? 'stdout' : isWord(s, q, 'stderr ') ? 'stderr' : '';
  if (stream === '') return false;
  const tag = s.charCodeAt(q + 7);
  const after = s.charCodeAt(q + 8);
  if ((tag !== 70 && tag !== 80) || (after !== 32 && q + 8 !== s.length)) return false;
  criPrefix.ts = scanned.ts;
  criPrefix.stream = stream;
  criPrefix.body = Math.min(q + 9, s.length);
  return true;
}
