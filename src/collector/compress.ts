// gzip for request bodies without a new zlib context per batch. Each zlib.gzip() call
// allocates ~300 KB of native deflate state that is freed only when the garbage collector
// gets to it, so at hundreds of batches per second the collector's RSS climbed past 150 MB.
// Instead a few long-lived raw deflate streams are reused: each batch is compressed and then
// flushed with Z_FULL_FLUSH, which resets the compression state (no back-references into the
// previous batch), and we wrap the output as a standalone gzip member ourselves: header,
// deflate data, an empty final block, CRC-32 and length.
import zlib from 'node:zlib';

const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** An empty final block with fixed Huffman codes (BFINAL=1, BTYPE=01, end-of-block). */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
const crc32 = (zlib as unknown as { crc32(data: Buffer): number }).crc32;

/**
 * Bodies up to this size are sent as a gzip member with one stored (uncompressed) block: a line
 * or two shipped alone saves a few hundred bytes by deflate, but the trip through a deflate
 * stream and the thread pool was a large part of the CPU spent per line of a trickle.
 */
export const STORED_MAX = 2048;

/**
 * Bodies up to this size are deflated right here on the main thread, with a context of their
 * own sized for them (8 KiB window, memLevel 5: ~40 KiB of native state, freed when the call
 * returns, where the pool's contexts hold ~600 KiB each). A trip through the thread pool costs a
 * pool thread's wake-up and one more of the main thread to take the result, which at a
 * trickle's one batch a second was ~13-20% of the collector's CPU (docs/benchmarks.md, "Small
 * bodies deflated on the main thread"); deflating 2.5 KiB costs ~30 µs, 64 KiB ~0.5 ms. On
 * Loghub's logs as NDJSON the output is within 0-2% of the pool's 32 KiB window (14% on
 * Zookeeper's 12 KiB with a 4 KiB window, hence 8 KiB). Bigger bodies (a backlog, a busy file)
 * keep the pool, where their deflate runs beside the reading.
 */
export const SYNC_MAX = 64 * 1024;
const SYNC_OPTIONS: zlib.ZlibOptions = { windowBits: 13, memLevel: 5 };

/**
 * A standalone gzip member holding `body` in one stored deflate block (body ≤ 65535 bytes), in
 * a buffer of its own: the body's buffer goes back to the batcher for the next batch while
 * this member may still wait in the spool's memory to be sent.
 */
export function storedGzip(body: Buffer): Buffer[] {
  const out = Buffer.allocUnsafe(HEADER.length + 5 + body.length + 8);
  HEADER.copy(out, 0);
  let p = HEADER.length;
  out[p] = 0x01; // BFINAL=1, BTYPE=00 (stored)
  out.writeUInt16LE(body.length, p + 1);
  out.writeUInt16LE(~body.length & 0xffff, p + 3);
  p += 5;
  body.copy(out, p);
  p += body.length;
  out.writeUInt32LE(crc32(body) >>> 0, p);
  out.writeUInt32LE(body.length >>> 0, p + 4);
  return [out];
}

/** Compresses buffers into standalone gzip members on a small pool of reusable contexts. */
export class GzipPool {
  readonly #level: number;
  readonly #idle: zlib.DeflateRaw[] = [];
  readonly #waiting: ((d: zlib.DeflateRaw) => void)[] = [];
  #created = 0;
  readonly #size: number;

  constructor(level = 1, size = 2) {
    this.#level = level;
    this.#size = size;
  }

  /**
   * gzip of `body` as pieces to write in order: a small body in one piece (stored, or deflated
   * here); a bigger one compressed on the libuv thread pool as header, deflate data and final
   * block + trailer (no copy into one buffer, so less garbage off-heap).
   */
  async gzip(body: Buffer): Promise<Buffer[]> {
    if (typeof crc32 !== 'function') return [await gzipOnce(body, this.#level)];
    if (body.length <= STORED_MAX) return storedGzip(body);
    if (body.length <= SYNC_MAX) return [zlib.gzipSync(body, { ...SYNC_OPTIONS, level: this.#level })];
    const d = await this.#acquire();
    let healthy = false;
    try {
      const raw = await deflateFlushed(d, body);
      healthy = true;
      const end = Buffer.allocUnsafe(10); // small: comes from Node's shared pool
      FINAL_BLOCK.copy(end, 0);
      end.writeUInt32LE(crc32(body) >>> 0, 2);
      end.writeUInt32LE(body.length >>> 0, 6);
      return [HEADER, raw, end];
    } finally {
      this.#release(d, healthy);
    }
  }

  /** Frees every context. */
  close(): void {
    for (const d of this.#idle) d.close();
    this.#idle.length = 0;
  }

  #acquire(): Promise<zlib.DeflateRaw> {
    const d = this.#idle.pop();
    if (d) return Promise.resolve(d);
    if (this.#created < this.#size) {
      this.#created++;
      // A high-water mark above any batch's output: the stream never waits for a reader.
      // memLevel 9 (256 KiB more per context) deflates our NDJSON ~9% faster at level 1,
      // with the same ratio (measured on 1000-line batches).
      return Promise.resolve(zlib.createDeflateRaw({ level: this.#level, memLevel: 9, chunkSize: 64 * 1024, highWaterMark: 64 * 1024 * 1024 } as zlib.ZlibOptions));
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(d: zlib.DeflateRaw, healthy: boolean): void {
    if (!healthy) {
      d.destroy();
      this.#created--;
      const next = this.#waiting.shift();
      if (next) this.#acquire().then(next);
      return;
    }
    const next = this.#waiting.shift();
    if (next) next(d);
    else this.#idle.push(d);
  }
}

function deflateFlushed(d: zlib.DeflateRaw, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    d.once('error', onError);
    d.write(body);
    d.flush(zlib.constants.Z_FULL_FLUSH, () => {
      d.off('error', onError);
      const out = d.read() as Buffer | null;
      resolve(out ?? Buffer.alloc(0));
    });
  });
}

/** One-off gzip (a new context), for Node versions without zlib.crc32. */
export function gzipOnce(body: Buffer, level = 1): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gzip(body, { level }, (err, out) => (err ? reject(err) : resolve(out))));
}
