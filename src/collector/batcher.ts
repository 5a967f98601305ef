// Builds NDJSON batches for POST /api/v1/logs straight into a Buffer, and decides when a batch
// is closed (by lines or bytes; the time limit is the pipeline's job because it depends on
// what is in flight). Records are `{"offset":N,"message":"…","source":…,"host":…,"stream":…}`.
//
// Speed matters here (the collector must move 700k lines/s on a shared core): most log lines
// are plain ASCII without quotes or backslashes, so a byte scan checks each line and such
// lines are copied verbatim. Only lines with a byte that needs care (control, quote, backslash,
// non-ASCII) go through toString + JSON.stringify, which also replaces invalid UTF-8 with U+FFFD.
import { applyOverride, cleanLine, parseLine, type LineOverride } from '../shared/parse/index.js';
import type { LineSink } from './lines.js';

/** A closed batch: the NDJSON body and what the checkpoint needs once it is acknowledged. */
export interface Batch {
  stream: string;
  body: Buffer;
  lines: number;
  /** End offset of the last record (the stream's new committed offset once acked). */
  lastOffset: number;
  /** gzip of the body (pieces of one gzip stream, in order), started as soon as the batch closed. */
  gzipped?: Promise<Buffer[]>;
  /** The buffer the body lives in, handed back with Batcher.recycle() once acknowledged. */
  storage?: Buffer;
}

/** Limits that close a batch. */
export interface BatchLimits {
  lines: number;
  bytes: number;
}

/** The per-stream constant fields of every record. */
export interface RecordFields {
  stream: string;
  source: string;
  host: string;
}

const HEAD = Buffer.from('{"offset":', 'latin1');
const MSG = Buffer.from(',"message":"', 'latin1');

/** Spare batch buffers kept for reuse: one per batch that may wait for gzip (encode.ts), and one more. */
const MAX_SPARE = 9;

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The power of two from 64 KiB up that holds `n` bytes. */
function sizeClass(n: number): number {
  let size = 64 * 1024;
  while (size < n) size *= 2;
  return size;
}

/** Marker appended to a line that was cut at --max-line-bytes (the server's own wording). */
export function truncationMarker(dropped: number): string {
  return `… [truncated ${dropped} bytes]`;
}

/** Picks the operator's parsing override (--timestamp-format, --line-regex …) for a source, if any. */
export type OverrideFor = (source: string) => LineOverride | undefined;

/**
 * The fields an override gives a line, as a JSON fragment to append to its record
 * (`,"ts":…,"level":"…","attrs":{…}`); empty when it says nothing. The server takes explicit
 * fields as given and parses the rest of the line itself.
 */
export function overrideFragment(text: string, ov: LineOverride, now: number): string {
  const line = cleanLine(text);
  // --level-field names a JSON/logfmt key or a key=value field: those come from the parser.
  const fields = ov.spec.levelField !== undefined ? parseLine(line, { now }).attrs : undefined;
  const o = applyOverride(line, ov, now, fields);
  let out = '';
  if (o.ts !== undefined && Number.isSafeInteger(o.ts) && o.ts >= 0) out += `,"ts":${o.ts}`;
  if (o.level !== undefined) out += `,"level":"${o.level}"`;
  if (o.attrs !== undefined) out += `,"attrs":${JSON.stringify(o.attrs)}`;
  return out;
}

/** Accumulates records into NDJSON batches; calls `onBatch` whenever one closes. */
export class Batcher implements LineSink {
  readonly #limits: BatchLimits;
  readonly #onBatch: (batch: Batch) => void;
  readonly #overrideFor: OverrideFor | undefined;
  #override: LineOverride | undefined;
  #buf: Buffer;
  #len = 0;
  #lines = 0;
  #lastOffset = 0;
  #stream = '';
  #tail: Buffer = Buffer.alloc(0);
  readonly #spare: Buffer[] = [];
  /** Records added in total (for progress). */
  linesIn = 0;

  constructor(limits: BatchLimits, onBatch: (batch: Batch) => void, overrideFor?: OverrideFor) {
    this.#limits = limits;
    this.#overrideFor = overrideFor;
    this.#onBatch = onBatch;
    // Starts small (many quiet files cost little) and grows with the traffic (see close()).
    this.#buf = Buffer.allocUnsafe(Math.min(limits.bytes, 16 * 1024) + 1024);
  }

  /** Lines in the open batch. */
  get lines(): number {
    return this.#lines;
  }

  /** Bytes in the open batch. */
  get bytes(): number {
    return this.#len;
  }

  /** Switches the fields stamped on following records; closes the open batch first. */
  setFields(fields: RecordFields): void {
    this.close();
    this.#stream = fields.stream;
    this.#override = this.#overrideFor?.(fields.source);
    this.#tail = Buffer.from(
      `","source":${JSON.stringify(fields.source)},"host":${JSON.stringify(fields.host)},"stream":${JSON.stringify(fields.stream)}}\n`,
      'utf8',
    );
  }

  /** Closes the open batch (if it has records) and hands it to `onBatch`. */
  close(): void {
    if (this.#lines === 0) return;
    const body = this.#buf.subarray(0, this.#len);
    const batch: Batch = { stream: this.#stream, body, lines: this.#lines, lastOffset: this.#lastOffset, storage: this.#buf };
    // Size the next buffer from this one so line-limited batches do not hold 1 MiB each; in
    // size classes (powers of two from 64 KiB) so that recycled buffers fit the next batches:
    // sized to the byte, most missed by a little and a fresh buffer was allocated per batch
    // (130 MB of them in 8 s while reading a backlog, most of the RSS above idle).
    const next = Math.min(sizeClass(Math.min(Math.max(this.#len + (this.#len >> 2), 4096), this.#limits.bytes) + 1024), roundUp(this.#limits.bytes + 1024, 64 * 1024));
    this.#buf = this.#take(next);
    this.#len = 0;
    this.#lines = 0;
    this.#onBatch(batch);
  }

  /**
   * Takes back the buffer of an acknowledged batch for reuse: at hundreds of batches per second,
   * fresh buffers pile up as garbage faster than the GC returns them, and RSS grows with it.
   */
  recycle(batch: Batch): void {
    const buf = batch.storage;
    batch.storage = undefined;
    // As many as can be on their way at once (batches waiting for gzip), so a backlog read
    // at full speed allocates none; smaller than the current size class: of no more use.
    if (buf && buf.length >= this.#buf.length && this.#spare.length < MAX_SPARE) this.#spare.push(buf);
  }

  /** Lets the spare buffers go (a quiet file keeps none). */
  dropSpares(): void {
    this.#spare.length = 0;
  }

  #take(size: number): Buffer {
    for (let i = 0; i < this.#spare.length; i++) {
      if (this.#spare[i].length >= size) return this.#spare.splice(i, 1)[0];
    }
    return Buffer.allocUnsafe(size);
  }

  beginChunk(): void {}

  line(buf: Buffer, start: number, end: number, endOffset: number, dropped: number): void {
    if (dropped === 0 && this.#override === undefined && this.#addPlain(buf, start, end, endOffset)) return;
    let text = buf.toString('utf8', start, end);
    if (dropped > 0) text += truncationMarker(dropped);
    this.addText(text, endOffset);
  }

  /** Adds one record whose message is a JS string (multiline records, cut lines, non-ASCII). */
  addText(text: string, endOffset: number): void {
    const json = JSON.stringify(text);
    const extra = this.#override === undefined ? '' : overrideFragment(text, this.#override, Date.now());
    const need = HEAD.length + 20 + MSG.length + Buffer.byteLength(json) + Buffer.byteLength(extra) + this.#tail.length;
    this.#reserve(need);
    let p = this.#writeHead(endOffset);
    // json carries both quotes: MSG already wrote the opening one and the tail brings the closing one.
    p = p - 1 + this.#buf.write(json, p - 1, 'utf8') - 1;
    if (extra !== '') {
      // After the closing quote come the override's fields; the tail's own quote is then skipped.
      p = p + 1 + this.#buf.write(extra, p + 1, 'utf8');
      this.#len = p;
      this.#finish(endOffset, 1);
      return;
    }
    this.#len = p;
    this.#finish(endOffset);
  }

  /**
   * Copies a line verbatim if it needs no JSON escaping, checking and copying in one byte loop
   * (cheaper than a scan plus Buffer#copy for typical 100-byte lines). Returns false, having
   * written nothing, at the first byte that needs care (control, quote, backslash, non-ASCII).
   */
  #addPlain(buf: Buffer, start: number, end: number, endOffset: number): boolean {
    this.#reserve(HEAD.length + 20 + MSG.length + (end - start) + this.#tail.length);
    const out = this.#buf;
    let p = this.#writeHead(endOffset);
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (b < 0x20 || b > 0x7f || b === 0x22 || b === 0x5c) return false;
      out[p++] = b;
    }
    this.#len = p;
    this.#finish(endOffset);
    return true;
  }

  #writeHead(offset: number): number {
    const out = this.#buf;
    let p = this.#len;
    for (let i = 0; i < HEAD.length; i++) out[p++] = HEAD[i];
    // Offsets are non-negative integers below 2^53: write their digits without a string.
    if (offset === 0) out[p++] = 48;
    else {
      let digits = 0;
      for (let v = offset; v >= 1; v = Math.floor(v / 10)) digits++;
      let v = offset;
      for (let i = p + digits - 1; i >= p; i--) {
        out[i] = 48 + (v % 10);
        v = Math.floor(v / 10);
      }
      p += digits;
    }
    for (let i = 0; i < MSG.length; i++) out[p++] = MSG[i];
    return p;
  }

  #finish(endOffset: number, skip = 0): void {
    const tail = this.#tail;
    const out = this.#buf;
    let p = this.#len;
    out.set(skip === 0 ? tail : tail.subarray(skip), p);
    p += tail.length - skip;
    this.#len = p;
    this.#lines++;
    this.linesIn++;
    this.#lastOffset = endOffset;
    if (this.#lines >= this.#limits.lines || this.#len >= this.#limits.bytes) this.close();
  }

  /** Makes room for `need` more bytes, closing the batch first if it would go over the limit. */
  #reserve(need: number): void {
    if (this.#lines > 0 && this.#len + need > this.#limits.bytes) this.close();
    if (this.#len + need > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + need + 1024));
      this.#buf.copy(bigger, 0, 0, this.#len);
      this.#buf = bigger;
    }
  }
}
