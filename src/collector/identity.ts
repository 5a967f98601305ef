// Identity decisions: is the file in front of us the content we remember, and where do we go
// on in it? Pure functions over what was observed, so each rule is unit-tested on its own.
// The rules (docs/collector-identity.md has them with the rotation cases they cover):
//
// 1. A file is known by its identity (device, inode, birth time); the checkpoint remembers, per
//    identity, the generation, the offset read up to (spooled), the fingerprint of its first line
//    and a "window": the hash of the (up to) 256 bytes that end at that offset.
// 2. The same identity is the same content only if its first line and its window still match
//    and it is not shorter than the offset. A truncation, a rewrite under the same first line,
//    or a replaced first line all make it a new generation (a new stream id, offsets from 0),
//    so the server never takes the new lines for re-sends of old ones.
// 3. When the content was replaced, the unread rest of the old generation (offset … its end)
//    may still exist in a rotated copy (copytruncate, compressed or not): a copy is recognised
//    by content — same first line, same window at the offset — never by its name.
import { createHash } from 'node:crypto';
import type { FileState } from './checkpoint.js';

/** Bytes before an offset that its window covers. */
export const WINDOW_BYTES = 256;

/** Short hash of some bytes (fingerprints and windows). */
export function shortHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** What was observed of a file when we (re)open it. */
export interface Observed {
  fingerprint: string;
  size: number;
  /** Hash of the window's bytes (ending at the entry's windowAt, else offset) in the file now; null if not readable. */
  windowHash: string | null;
}

/** How to go on with a file. */
export type Resume =
  | { kind: 'new'; generation: number; offset: number }
  | { kind: 'same'; generation: number; offset: number }
  | { kind: 'replaced'; why: string; previous: FileState; generation: number; offset: 0 };

/**
 * Decides where to go on in a file, given what the checkpoint remembers of its identity.
 * `startAt` is where a file never seen before starts (0, or the last line's start for --from end).
 */
export function decideResume(entry: FileState | undefined, seen: Observed, startAt: number): Resume {
  if (!entry) return { kind: 'new', generation: 0, offset: startAt };
  const replaced = (why: string): Resume => ({ kind: 'replaced', why, previous: entry, generation: entry.generation + 1, offset: 0 });
  if (entry.fingerprint !== '' && entry.fingerprint !== seen.fingerprint) return replaced('its first line changed');
  const readUpTo = Math.max(entry.offset, entry.windowAt ?? 0);
  if (seen.size < readUpTo) return replaced(`it is shorter (${seen.size} bytes) than what was read of it (${readUpTo})`);
  if (entry.window && seen.windowHash !== entry.window) return replaced('the bytes read last changed (rewritten in place)');
  return { kind: 'same', generation: entry.generation, offset: entry.offset };
}

/** Where the window that ends at `offset` starts. */
export function windowStart(offset: number): number {
  return Math.max(0, offset - WINDOW_BYTES);
}

/** Whether a file is a compressed rotated copy (not tailed unless --read-compressed). */
export function compressionOf(path: string): 'gzip' | 'other' | null {
  if (/\.(gz|tgz)$/i.test(path)) return 'gzip';
  if (/\.(zst|zstd|bz2|xz|lz4|lzma|z|zip|7z)$/i.test(path)) return 'other';
  return null;
}
