// Splits the bytes of a file into lines with Buffer.indexOf(10), keeping the byte offset of
// each line's end. A line that does not yet end in "\n" waits in a small carry buffer until its
// newline arrives; lines longer than the limit are cut (at a UTF-8 character boundary) and the
// rest is skipped up to the newline, so memory per file is bounded by the limit.

/** Receives the lines of a file in order. `start..end` excludes "\n" and a trailing "\r". */
export interface LineSink {
  /** Called once per fresh chunk before its lines (lets the sink cache per-chunk scans). */
  beginChunk(buf: Buffer): void;
  /** `endOffset` is the file offset just after the line's "\n"; `dropped` counts cut bytes. */
  line(buf: Buffer, start: number, end: number, endOffset: number, dropped: number): void;
}

const NL = 10;
/** Bytes reserved for the "… [truncated N bytes]" marker on a cut line. */
export const MARKER_ROOM = 40;
const CR = 13;

/** Cuts `len` bytes back to the start of a UTF-8 character so a cut never splits one. */
export function cutAtCharBoundary(buf: Buffer, start: number, len: number): number {
  let cut = len;
  // Step back over continuation bytes (10xxxxxx) so the kept part ends on a whole character.
  while (cut > 0 && (buf[start + cut] & 0xc0) === 0x80 && cut > len - 4) cut--;
  return cut;
}

/** Turns a sequence of chunks (with their file offsets) into lines for a LineSink. */
export class LineSplitter {
  readonly #max: number;
  /** What a cut line keeps: room is left for the marker, so line + marker fit in the limit. */
  readonly #keep: number;
  readonly #sink: LineSink;
  /**
   * Bytes of the unfinished line (at most #max + 1 of them are kept): the first #carryLen bytes
   * of this buffer, which grows geometrically. Concatenating onto it copied the whole carry on
   * every read, so a line that arrives a byte at a time (a writer trickling a long line) cost
   * quadratic time: 7.2 s for 256 KiB.
   */
  #carry: Buffer | null = null;
  #carryLen = 0;
  /** Bytes of the unfinished line skipped because it is over the limit. */
  #dropped = 0;
  /** File offset where the carried line starts. */
  #carryStart = 0;
  /** Last byte appended to the unfinished line (kept or skipped): tells a CRLF ending. */
  #lastByte = -1;

  constructor(maxLineBytes: number, sink: LineSink) {
    this.#max = maxLineBytes;
    this.#keep = maxLineBytes > 2 * MARKER_ROOM ? maxLineBytes - MARKER_ROOM : maxLineBytes;
    this.#sink = sink;
  }

  /** Bytes held for a line that has no newline yet (including skipped ones). */
  get pendingBytes(): number {
    return (this.#carry === null ? 0 : this.#carryLen) + this.#dropped;
  }

  /** Forgets any unfinished line (after a truncation the old bytes are gone). */
  reset(): void {
    this.#carry = null;
    this.#carryLen = 0;
    this.#dropped = 0;
  }

  /** Feeds `buf[0..len)`, which starts at file offset `offset`. */
  push(buf: Buffer, len: number, offset: number): void {
    const sink = this.#sink;
    const max = this.#max;
    let pos = 0;
    if (this.#carry !== null || this.#dropped > 0) {
      const nl = buf.indexOf(NL, 0);
      if (nl === -1 || nl >= len) {
        this.#appendCarry(buf, 0, len);
        return;
      }
      this.#appendCarry(buf, 0, nl);
      this.#emitCarry(offset + nl + 1);
      pos = nl + 1;
    }
    sink.beginChunk(buf);
    while (pos < len) {
      const nl = buf.indexOf(NL, pos);
      if (nl === -1 || nl >= len) {
        this.#carryStart = offset + pos;
        this.#appendCarry(buf, pos, len);
        return;
      }
      let end = nl;
      if (end > pos && buf[end - 1] === CR) end--;
      if (end - pos > max) {
        const keep = cutAtCharBoundary(buf, pos, this.#keep);
        sink.line(buf, pos, pos + keep, offset + nl + 1, end - pos - keep);
      } else {
        sink.line(buf, pos, end, offset + nl + 1, 0);
      }
      pos = nl + 1;
    }
  }

  /** Emits the unfinished line as if it ended at `endOffset` (shutdown with --flush-partial). */
  flushPartial(endOffset: number): boolean {
    if (this.#carry === null && this.#dropped === 0) return false;
    this.#emitCarry(endOffset, false);
    return true;
  }

  #appendCarry(buf: Buffer, start: number, end: number): void {
    // Keep one byte over the limit so a "\r" right at the limit can still be told apart.
    if (end > start) this.#lastByte = buf[end - 1];
    const have = this.#carry === null ? 0 : this.#carryLen;
    const room = this.#max + 1 - have;
    const take = Math.min(room, end - start);
    if (take > 0) {
      const need = have + take;
      if (this.#carry === null || this.#carry.length < need) {
        const grown = Buffer.allocUnsafe(Math.min(this.#max + 1, Math.max(need, 2 * (this.#carry?.length ?? 0), 256)));
        if (this.#carry !== null) this.#carry.copy(grown, 0, 0, have);
        this.#carry = grown;
      }
      buf.copy(this.#carry, have, start, start + take);
      this.#carryLen = need;
    } else if (this.#carry === null) {
      this.#carry = Buffer.alloc(0);
      this.#carryLen = 0;
    }
    this.#dropped += end - start - Math.max(0, take);
  }

  #emitCarry(endOffset: number, hadNewline = true): void {
    const carry = this.#carry === null ? Buffer.alloc(0) : this.#carry.subarray(0, this.#carryLen);
    let len = carry.length;
    let dropped = this.#dropped;
    this.#carry = null;
    this.#carryLen = 0;
    this.#dropped = 0;
    if (hadNewline && this.#lastByte === CR) {
      // The "\r" of a CRLF line is not content, whether it was kept or skipped.
      if (dropped > 0) dropped--;
      else if (len > 0) len--;
    }
    this.#lastByte = -1;
    if (len > this.#max || dropped > 0) {
      const keep = cutAtCharBoundary(carry, 0, Math.min(len, this.#keep));
      dropped += len - keep;
      len = keep;
    }
    this.#sink.beginChunk(carry);
    this.#sink.line(carry, 0, len, endOffset, dropped);
  }
}
