// Joins continuation lines (stack traces) to the record that began them. A record is held
// until the next record starts or the flush timeout passes, so the last one is not held back.
//
// Default rules (Java, Python, Node traces): a line is a continuation when it starts with
// whitespace, "at ", "Caused by:", "Suppressed:", "... N more", a dotted exception class
// (java.lang.IllegalStateException: …), "Traceback (most recent call last):" or a Python
// exception line (ValueError: …). A plain log line that happens to start like that is joined
// to the record before it; use --multiline-start to say exactly where records begin.
// With a start pattern, every line that does not match it is a continuation instead.
import type { LineSink } from './lines.js';
import { cutAtCharBoundary, MARKER_ROOM } from './lines.js';
import { truncationMarker } from './batcher.js';

/** Where joined records go: a message and the end offset of its last line. */
export interface RecordSink {
  addText(text: string, endOffset: number): void;
}

const CONTINUATION = new RegExp(
  [
    '^[ \\t]', // indented: frames, wrapped text
    '^at ', // unindented Java/Node frames
    '^Caused by:',
    '^Suppressed:',
    '^\\.\\.\\. \\d+ (?:more|common frames omitted)',
    '^(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error|Throwable)\\b', // java.lang.IllegalStateException: …
    '^Traceback \\(most recent call last\\):', // Python
    '^[A-Z][A-Za-z]*(?:Error|Exception|Interrupt|Exit): ', // Python's last line: ValueError: …
  ].join('|'),
);

/** Whether a line continues the previous record under the default rules. */
export function isContinuation(line: string): boolean {
  return CONTINUATION.test(line);
}

/** A LineSink that joins continuation lines and passes whole records on. */
export class MultilineJoiner implements LineSink {
  readonly #out: RecordSink;
  readonly #start: RegExp | null;
  readonly #maxBytes: number;
  #parts: string[] = [];
  #bytes = 0;
  #dropped = 0;
  #endOffset = 0;
  /** When the held record last grew (ms since epoch), or 0 when nothing is held. */
  heldSince = 0;

  constructor(out: RecordSink, opts: { start?: RegExp | null; maxBytes: number }) {
    this.#out = out;
    this.#start = opts.start ?? null;
    // Leave room for the marker so that record + marker stay within the limit.
    this.#maxBytes = opts.maxBytes > 2 * MARKER_ROOM ? opts.maxBytes - MARKER_ROOM : opts.maxBytes;
  }

  beginChunk(): void {}

  line(buf: Buffer, start: number, end: number, endOffset: number, dropped: number): void {
    const text = buf.toString('utf8', start, end);
    const continues = this.#start ? !this.#start.test(text) : isContinuation(text);
    if (!continues || this.#parts.length === 0) this.flush();
    this.#append(text, dropped);
    this.#endOffset = endOffset;
    this.heldSince = Date.now();
  }

  /** Passes the held record on (timeout, end of a rotated file, shutdown). */
  flush(): void {
    if (this.#parts.length === 0) return;
    let text = this.#parts.join('\n');
    if (this.#dropped > 0) text += truncationMarker(this.#dropped);
    this.#parts = [];
    this.#bytes = 0;
    this.#dropped = 0;
    this.heldSince = 0;
    this.#out.addText(text, this.#endOffset);
  }

  #append(text: string, dropped: number): void {
    const bytes = Buffer.byteLength(text) + (this.#parts.length ? 1 : 0);
    if (this.#dropped > 0 || this.#bytes + bytes > this.#maxBytes) {
      // The record is over the limit: keep what fits, count the rest.
      const room = this.#maxBytes - this.#bytes - (this.#parts.length ? 1 : 0);
      if (this.#dropped === 0 && room > 0) {
        const b = Buffer.from(text);
        const keep = cutAtCharBoundary(b, 0, room);
        this.#parts.push(b.toString('utf8', 0, keep));
        this.#bytes += keep + (this.#parts.length > 1 ? 1 : 0);
        this.#dropped += b.length - keep + dropped;
      } else {
        this.#dropped += bytes + dropped;
      }
      return;
    }
    this.#parts.push(text);
    this.#bytes += bytes;
    this.#dropped += dropped;
  }
}
