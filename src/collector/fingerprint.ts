// The identity of a file's content, independent of its path: a rotated file keeps its stream
// under its new name, and a new file at the old path gets a new one.
//
// identity  = device + inode + birth time (guards against an inode reused after a delete)
// fingerprint = SHA-256 of the first line (up to FINGERPRINT_BYTES bytes). A file whose first
//              line is not complete yet and shorter than that has no fingerprint: we wait,
//              since fingerprinting a half-written first line would change under our feet.
// stream id = hash(host, identity, fingerprint, generation). The generation counts
//              truncations (copytruncate): the new content restarts at offset 0, and under
//              the old id the server would drop it as already-committed re-sends.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** How many bytes at most the fingerprint covers. */
export const FINGERPRINT_BYTES = 256;

/** Device, inode and birth time of an open file. */
export interface FileIdentity {
  dev: number;
  ino: number;
  birth: number;
}

/** A key that names a file's identity in the checkpoint and in the set of tailed files. */
export function identityKey(id: FileIdentity): string {
  return `${id.dev}:${id.ino}:${Math.floor(id.birth)}`;
}

/** How many of the first bytes the fingerprint covers: the first line, at most FINGERPRINT_BYTES. */
export function fingerprintLength(head: Buffer, length: number): number {
  const nl = head.subarray(0, Math.min(length, FINGERPRINT_BYTES)).indexOf(10);
  return nl !== -1 ? nl + 1 : Math.min(length, FINGERPRINT_BYTES);
}

/** Fingerprints the start of a file's content, or returns null while its first line is incomplete. */
export function fingerprintBytes(head: Buffer, length: number, final = false): string | null {
  const end = fingerprintLength(head, length);
  const complete = end < Math.min(length, FINGERPRINT_BYTES) || head[end - 1] === 10 || end >= FINGERPRINT_BYTES;
  if (end === 0 || (!complete && !final)) return null;
  return createHash('sha256').update(head.subarray(0, end)).digest('hex').slice(0, 16);
}

/** Reads the start of an open file and fingerprints it (null: not enough bytes yet). */
export async function readFingerprint(fh: FileHandle, final = false): Promise<string | null> {
  const head = Buffer.alloc(FINGERPRINT_BYTES);
  const { bytesRead } = await fh.read(head, 0, FINGERPRINT_BYTES, 0);
  return fingerprintBytes(head, bytesRead, final);
}

/** The stream id sent with every record of one generation of one file. */
export function streamId(host: string, id: FileIdentity, fingerprint: string, generation: number): string {
  return createHash('sha256')
    .update(`${host}\0${identityKey(id)}\0${fingerprint}\0${generation}`)
    .digest('hex')
    .slice(0, 24);
}
