// Snappy block decompression for Loki protobuf pushes (Promtail, Alloy and Vector send the
// protobuf snappy-compressed with no Content-Encoding header), bounded like every other body.
import snappy from 'snappyjs';
import { LogpipeError } from '../../shared/errors.js';

/**
 * Decompresses one snappy block; 413 when its declared length exceeds maxBytes (checked before
 * allocating), 400 when corrupt. The block's operations are walked first (checkSnappyOps): the
 * decoder trusts the declared length for its buffer but runs every copy the block holds, so a
 * block declaring 1 byte and holding 4 MiB of 64-byte copies ran 340 ms and was "valid".
 */
export function uncompressSnappy(body: Buffer, maxBytes: number): Buffer {
  const head = declaredLength(body);
  if (head && head.length > maxBytes) {
    throw new LogpipeError('LP_ERR_TOO_LARGE', `The body is larger than ${maxBytes} bytes once decompressed.`, { limit: maxBytes });
  }
  if (!head || !checkSnappyOps(body, head.start, head.length)) {
    throw invalid('its operations do not produce the length it declares');
  }
  try {
    return snappy.uncompress(body, maxBytes);
  } catch (err) {
    throw invalid((err as Error).message);
  }
}

function invalid(why: string): LogpipeError {
  return new LogpipeError('LP_ERR_INVALID_ENCODING', `The body is not a valid snappy block (Loki protobuf pushes must be snappy-compressed): ${why}.`);
}

/** The uncompressed length a block declares (a varint of up to 32 bits) and where its operations start. */
function declaredLength(b: Buffer): { length: number; start: number } | undefined {
  let length = 0;
  for (let i = 0, shift = 0; i < b.length && i < 5; i++, shift += 7) {
    const c = b[i];
    length += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return length < 2 ** 32 ? { length, start: i + 1 } : undefined;
  }
  return undefined;
}

/**
 * Whether the operations from `start` on are well formed and write exactly `declared` bytes: a
 * walk over the operations (a few bytes each), never over their output, so it costs time in the
 * block's size whatever it would expand to.
 */
export function checkSnappyOps(b: Buffer, start: number, declared: number): boolean {
  let ip = start;
  let op = 0;
  while (ip < b.length) {
    const c = b[ip++];
    const kind = c & 3;
    let len: number;
    if (kind === 0) {
      len = (c >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (ip + extra > b.length) return false;
        len = 0;
        for (let k = extra - 1; k >= 0; k--) len = len * 256 + b[ip + k];
        len += 1;
        ip += extra;
      }
      ip += len;
      if (ip > b.length) return false;
    } else {
      const offsetBytes = kind === 1 ? 1 : kind === 2 ? 2 : 4;
      if (ip + offsetBytes > b.length) return false;
      let offset: number;
      if (kind === 1) {
        len = ((c >>> 2) & 7) + 4;
        offset = ((c >>> 5) << 8) | b[ip];
      } else {
        len = (c >>> 2) + 1;
        offset = kind === 2 ? b[ip] | (b[ip + 1] << 8) : b.readUInt32LE(ip);
      }
      ip += offsetBytes;
      if (offset === 0 || offset > op) return false;
    }
    op += len;
    if (op > declared) return false;
  }
  return op === declared;
}
