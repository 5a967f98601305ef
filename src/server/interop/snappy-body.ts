// Snappy block decompression for Loki protobuf pushes (Promtail, Alloy and Vector send the
// protobuf snappy-compressed with no Content-Encoding header), bounded like every other body.
import snappy from 'snappyjs';
import { LogpipeError } from '../../shared/errors.js';

/** Decompresses one snappy block; 413 when its declared length exceeds maxBytes (checked before allocating), 400 when corrupt. */
export function uncompressSnappy(body: Buffer, maxBytes: number): Buffer {
  try {
    return snappy.uncompress(body, maxBytes);
  } catch (err) {
    if (/too big/.test((err as Error).message)) {
      throw new LogpipeError('LP_ERR_TOO_LARGE', `The body is larger than ${maxBytes} bytes once decompressed.`, { limit: maxBytes });
    }
    throw new LogpipeError('LP_ERR_INVALID_ENCODING', `The body is not a valid snappy block (Loki protobuf pushes must be snappy-compressed): ${(err as Error).message}.`);
  }
}
