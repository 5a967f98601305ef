// The collector's on-disk spool: every closed batch is appended here (gzipped) before the file
// it came from is considered read, so reading goes on while the server is away and a rotation
// (copytruncate moves the data to another inode, rotate 0 deletes it) cannot take unread data
// with it. Fluent Bit's `storage.type filesystem` does the same job.
//
// Layout: a directory of segment files `seg-NNNNNNNN.spool`, appended in order. A frame is
//   u32 magic "LPS1" · u32 meta length · u32 body length · u32 CRC-32 of meta+body · meta · body
// where meta is JSON (stream, file identity, last offset, lines, plain bytes) and the body the
// batch's gzip members. A frame becomes garbage once the server acknowledged it; a segment is
// deleted when all its frames are acknowledged and it is no longer the one being written.
//
// Crash-safety, step by step:
// 1. A frame is written with one write() call before the checkpoint may record the offset it
//    ends at; the page cache keeps it through a SIGKILL of the collector.
// 2. Before each checkpoint save the segments are fdatasync'ed (`sync()`, called by the
//    checkpoint's beforeWrite hook), so after a power loss the checkpoint never claims more
//    than the spool or the server holds: the rest is read again from the file. The sync is
//    skipped when every frame appended since the last one was acknowledged already: the state
//    may claim those batches because the server holds them (it acknowledged only what it
//    committed), so the spool's copy is not needed, and a trickle's saves need no sync.
// 3. On start every frame is read back and checked (CRC); a torn frame at the end of a segment
//    (a crash mid-write) is cut off. Every surviving frame is sent again: frames acknowledged
//    just before the crash are skipped by the server (stream offsets), so nothing is stored twice.
import { closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import type { Log } from '../command/logger.js';

const MAGIC = 0x4c505331; // "LPS1"
const HEADER = 16;
/** A segment is closed for appends at this size. */
const SEGMENT_BYTES = 32 * 1024 * 1024;
/** Gzipped bodies kept in memory (the rest are read back from disk when sent). */
const MEMORY_BUDGET = 4 * 1024 * 1024;
const crc32 = (zlib as unknown as { crc32(data: Uint8Array, value?: number): number }).crc32;

/** What a frame says about the batch it holds. */
export interface FrameMeta {
  /** Stream id ('' for records without one, such as the collector's own notices). */
  stream: string;
  /** Identity key of the file the batch was read from ('' for notices). */
  file: string;
  lastOffset: number;
  lines: number;
  /** Size of the uncompressed NDJSON body. */
  plainBytes: number;
}

/** One spooled batch. */
export interface Frame extends FrameMeta {
  readonly segment: Segment;
  /** Position of the body within the segment file. */
  readonly bodyAt: number;
  readonly bodyLength: number;
  /** The gzipped body while it fits the memory budget; null once it lives only on disk. */
  gz: Buffer[] | null;
  acked: boolean;
  /** The spool's sync count when the frame was appended (-1: read back at start, on disk already). */
  readonly epoch: number;
}

interface Segment {
  readonly path: string;
  readonly seq: number;
  fd: number;
  size: number;
  /** Frames not acknowledged yet. */
  live: number;
  /** Written since the last fdatasync. */
  dirty: boolean;
}

/** Options of the spool. */
export interface SpoolOptions {
  dir: string;
  /** Bytes on disk past which appends are refused (`full`) until acknowledgements free space. */
  maxBytes: number;
  log: Log;
}

/** An append-only, crash-safe queue of gzipped batches on disk. */
export class Spool {
  readonly dir: string;
  readonly #maxBytes: number;
  readonly #log: Log;
  readonly #segments: Segment[] = [];
  #current: Segment | null = null;
  #bytes = 0;
  #pendingPlain = 0;
  #inMemory = 0;
  #closed = false;
  /** Number of sync() calls that synced (frames appended since the last one carry it as epoch). */
  #epoch = 0;
  /** Frames appended since the last sync and not acknowledged: what a sync is needed for. */
  #unsynced = 0;
  /** Number of syncs made (for tests). */
  syncs = 0;
  /** Called with the size of each body read back from disk (the collector paces its GC by it). */
  onReadBack: ((bytes: number) => void) | null = null;

  private constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.#maxBytes = opts.maxBytes;
    this.#log = opts.log;
  }

  /** Opens (creating) the spool directory and returns the frames left by a previous run, in order. */
  static open(opts: SpoolOptions): { spool: Spool; frames: Frame[] } {
    mkdirSync(opts.dir, { recursive: true });
    const spool = new Spool(opts);
    const frames: Frame[] = [];
    const names = readdirSync(opts.dir)
      .filter((n) => /^seg-\d{8}\.spool$/.test(n))
      .sort();
    for (const name of names) spool.#recover(join(opts.dir, name), frames);
    return { spool, frames };
  }

  /** Bytes of segments on disk (acknowledged frames included until their segment goes). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Uncompressed bytes of frames not acknowledged yet. */
  get pendingPlainBytes(): number {
    return this.#pendingPlain;
  }

  /** Whether the spool is at --spool-max: readers pause until acknowledgements free segments. */
  get full(): boolean {
    return this.#bytes >= this.#maxBytes;
  }

  /** Appends one batch; returns its frame (which the sender ships and then acknowledges). */
  append(meta: FrameMeta, gz: Buffer[]): Frame {
    if (this.#closed) throw new Error('the spool is closed');
    const metaBuf = Buffer.from(JSON.stringify(meta), 'utf8');
    let bodyLength = 0;
    for (const b of gz) bodyLength += b.length;
    let crc = crc32(metaBuf);
    for (const b of gz) crc = crc32(b, crc);
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32BE(MAGIC, 0);
    head.writeUInt32BE(metaBuf.length, 4);
    head.writeUInt32BE(bodyLength, 8);
    head.writeUInt32BE(crc >>> 0, 12);
    let seg = this.#current;
    if (!seg || seg.size >= SEGMENT_BYTES) seg = this.#newSegment();
    const at = seg.size;
    const parts = [head, metaBuf, ...gz];
    const total = HEADER + metaBuf.length + bodyLength;
    let written = 0;
    // writev may write less than asked (it does not for regular files in practice); finish it.
    while (written < total) {
      const n = writevSync(seg.fd, written === 0 ? parts : sliceParts(parts, written), at + written);
      written += n;
    }
    seg.size += total;
    seg.dirty = true;
    seg.live++;
    this.#bytes += total;
    this.#pendingPlain += meta.plainBytes;
    let keep: Buffer[] | null = null;
    if (this.#inMemory + bodyLength <= MEMORY_BUDGET) {
      keep = gz;
      this.#inMemory += bodyLength;
    }
    this.#unsynced++;
    return { ...meta, segment: seg, bodyAt: at + HEADER + metaBuf.length, bodyLength, gz: keep, acked: false, epoch: this.#epoch };
  }

  /** The gzipped body of a frame, from memory or read back from its segment. */
  body(frame: Frame): Buffer[] {
    if (frame.gz) return frame.gz;
    const buf = Buffer.allocUnsafe(frame.bodyLength);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(frame.segment.fd, buf, got, buf.length - got, frame.bodyAt + got);
      if (n === 0) throw new Error(`the spool segment "${frame.segment.path}" ends inside a frame`);
      got += n;
    }
    this.onReadBack?.(buf.length);
    return [buf];
  }

  /** Marks a frame acknowledged; deletes its segment once nothing in it is pending. */
  ack(frame: Frame): void {
    if (frame.acked) return;
    frame.acked = true;
    if (frame.epoch === this.#epoch) this.#unsynced--;
    if (frame.gz) {
      for (const b of frame.gz) this.#inMemory -= b.length;
      frame.gz = null;
    }
    this.#pendingPlain -= frame.plainBytes;
    const seg = frame.segment;
    seg.live--;
    if (seg.live === 0 && seg !== this.#current) this.#drop(seg);
  }

  /**
   * Makes what was appended durable (called before the checkpoint is saved), unless every frame
   * appended since the last sync is acknowledged already (see step 2 above).
   */
  sync(): void {
    if (this.#unsynced === 0) return;
    for (const seg of this.#segments) {
      if (!seg.dirty || seg.fd < 0) continue;
      fdatasyncSync(seg.fd);
      seg.dirty = false;
    }
    this.#epoch++;
    this.#unsynced = 0;
    this.syncs++;
  }

  /** Syncs and closes every segment; fully acknowledged ones are deleted. */
  close(): void {
    if (this.#closed) return;
    this.sync();
    for (const seg of [...this.#segments]) {
      if (seg.live === 0) this.#drop(seg);
      else {
        closeSync(seg.fd);
        seg.fd = -1;
      }
    }
    this.#closed = true;
  }

  #newSegment(): Segment {
    const prev = this.#current;
    const seq = (this.#segments.length ? this.#segments[this.#segments.length - 1].seq : 0) + 1;
    const path = join(this.dir, `seg-${String(seq).padStart(8, '0')}.spool`);
    const fd = openSync(path, 'w+');
    const seg: Segment = { path, seq, fd, size: 0, live: 0, dirty: false };
    this.#segments.push(seg);
    this.#current = seg;
    if (prev && prev.live === 0) this.#drop(prev);
    return seg;
  }

  #drop(seg: Segment): void {
    const i = this.#segments.indexOf(seg);
    if (i !== -1) this.#segments.splice(i, 1);
    if (this.#current === seg) this.#current = null;
    if (seg.fd >= 0) closeSync(seg.fd);
    seg.fd = -1;
    this.#bytes -= seg.size;
    try {
      unlinkSync(seg.path);
    } catch {
      // Already gone.
    }
  }

  /** Reads back one segment's frames; cuts a torn frame at its end. */
  #recover(path: string, out: Frame[]): void {
    const seq = Number(/seg-(\d+)/.exec(path)![1]);
    const fd = openSync(path, 'r+');
    const size = statSync(path).size;
    const seg: Segment = { path, seq, fd, size: 0, live: 0, dirty: false };
    this.#segments.push(seg);
    const head = Buffer.allocUnsafe(HEADER);
    let at = 0;
    let torn = '';
    while (at < size) {
      if (size - at < HEADER || readSync(fd, head, 0, HEADER, at) < HEADER) {
        torn = 'a partial frame header';
        break;
      }
      const metaLen = head.readUInt32BE(4);
      const bodyLen = head.readUInt32BE(8);
      if (head.readUInt32BE(0) !== MAGIC || at + HEADER + metaLen + bodyLen > size) {
        torn = 'a partial or damaged frame';
        break;
      }
      const data = Buffer.allocUnsafe(metaLen + bodyLen);
      readSync(fd, data, 0, data.length, at + HEADER);
      if (crc32(data) >>> 0 !== head.readUInt32BE(12)) {
        torn = 'a frame whose checksum does not match';
        break;
      }
      let meta: FrameMeta;
      try {
        meta = JSON.parse(data.toString('utf8', 0, metaLen)) as FrameMeta;
      } catch {
        torn = 'a frame with unreadable metadata';
        break;
      }
      out.push({ ...meta, segment: seg, bodyAt: at + HEADER + metaLen, bodyLength: bodyLen, gz: null, acked: false, epoch: -1 });
      seg.live++;
      this.#pendingPlain += meta.plainBytes;
      at += HEADER + metaLen + bodyLen;
    }
    if (torn) {
      this.#log.warn(`The spool segment "${path}" ends in ${torn} at byte ${at} of ${size} (a crash while writing); the rest is cut off and read again from the log file.`);
      ftruncateSync(fd, at);
    }
    seg.size = at;
    this.#bytes += at;
    if (seg.live === 0) this.#drop(seg);
  }
}

function sliceParts(parts: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const p of parts) {
    if (skip >= p.length) {
      skip -= p.length;
      continue;
    }
    out.push(skip > 0 ? p.subarray(skip) : p);
    skip = 0;
  }
  return out;
}
