// An incremental parser for text/event-stream (the WHATWG EventSource rules: lines end in CR,
// LF or CRLF), the one used by the dashboard's live tail (read through fetch(): EventSource
// cannot send an Authorization header) and by the tests' SSE client.

/** One dispatched event; `event` is "message" when the stream named none. */
export interface SseEvent {
  event: string;
  data: string;
  /** The last event id seen so far on the stream (ids persist across events). */
  lastEventId: string;
  /** The id field of this event itself, when it had one. */
  id?: string;
}

/** Feeds decoded text chunks in, gets whole events out; lines may be split anywhere. */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #lastEventId = '';
  #sawData = false;
  #id: string | undefined;
  #skipLf = false;

  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Parses a chunk of the stream and returns the events it completed. */
  push(chunk: string): SseEvent[] {
    // The chunk before ended in a CR, taken as a line end at once: an LF now is its CRLF's rest.
    if (chunk === '') return [];
    if (this.#skipLf && chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    this.#skipLf = false;
    this.#buffer += chunk;
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = this.#findLineEnd(start);
      if (nl === -1) break;
      const line = this.#buffer.slice(start, nl.index);
      start = nl.index + nl.length;
      this.#line(line, out);
    }
    this.#buffer = this.#buffer.slice(start);
    return out;
  }

  #findLineEnd(from: number): { index: number; length: number } | -1 {
    const b = this.#buffer;
    for (let i = from; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (c === 10) return { index: i, length: 1 };
      if (c === 13) {
        // A CR at the very end ends the line now (a stream with CR line endings must not wait
        // for the next chunk to dispatch an event); an LF starting the next chunk is skipped.
        if (i + 1 === b.length) {
          this.#skipLf = true;
          return { index: i, length: 1 };
        }
        return { index: i, length: b.charCodeAt(i + 1) === 10 ? 2 : 1 };
      }
    }
    return -1;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#sawData) {
        const ev: SseEvent = { event: this.#event || 'message', data: this.#data.join('\n'), lastEventId: this.#lastEventId };
        if (this.#id !== undefined) ev.id = this.#id;
        out.push(ev);
      }
      this.#id = undefined;
      this.#data = [];
      this.#event = '';
      this.#sawData = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      this.#sawData = true;
    } else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#lastEventId = this.#id = value;
  }
}
