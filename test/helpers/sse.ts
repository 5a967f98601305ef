// A minimal Server-Sent Events reader over node:http for tests: it records every event
// and lets a test wait for a condition. Events are parsed by the dashboard's parser (src/shared/sse.ts).
import http from 'node:http';
import { SseParser } from '../../src/shared/sse.js';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** Records in a JSON array text without parsing it: each record is one `{"id":` object. */
function countRecords(data: string): number {
  let n = 0;
  for (let i = data.indexOf('{"id":'); i >= 0; i = data.indexOf('{"id":', i + 6)) n++;
  return n;
}

export class SseClient {
  events: SseEvent[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  #req: http.ClientRequest;
  #waiters: (() => void)[] = [];
  #closed = false;
  ended: Promise<void>;

  /** Records received in `logs` events (counted even when events are not kept). */
  count = 0;
  #keep: boolean;

  /** `keep: false` only counts records (long benchmarks), instead of keeping every event. */
  constructor(url: string, headers: Record<string, string> = {}, opts: { keep?: boolean } = {}) {
    this.#keep = opts.keep ?? true;
    const parser = new SseParser();
    let resolveEnd!: () => void;
    this.ended = new Promise((r) => (resolveEnd = r));
    this.#req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const e of parser.push(chunk)) {
          const ev: SseEvent = { event: e.event, data: e.data };
          if (e.id !== undefined) ev.id = e.id;
          if (ev.event === 'logs') this.count += countRecords(ev.data);
          if (this.#keep || ev.event !== 'logs') this.events.push(ev);
        }
        this.#wake();
      });
      res.on('end', () => {
        this.#closed = true;
        resolveEnd();
        this.#wake();
      });
      res.on('error', () => {});
    });
    this.#req.on('error', () => {
      this.#closed = true;
      resolveEnd();
      this.#wake();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Records of every `logs` event so far, in order. */
  records<T = any>(): T[] {
    return this.events.filter((e) => e.event === 'logs' || e.event === 'message').flatMap((e) => JSON.parse(e.data));
  }

  lastId(): string | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].id) return this.events[i].id;
    return undefined;
  }

  /** Waits until `cond()` holds, or throws after `ms`. */
  async until(cond: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`SSE condition not met in ${ms} ms; ${this.events.length} events so far`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.#req.destroy();
  }
}
