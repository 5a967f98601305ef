// A minimal Server-Sent Events reader over node:http for tests: it records every event
// and lets a test wait for a condition.
import http from 'node:http';

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
    let buf = '';
    let resolveEnd!: () => void;
    this.ended = new Promise((r) => (resolveEnd = r));
    this.#req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const c = line.indexOf(':');
            const field = c < 0 ? line : line.slice(0, c);
            const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
            if (field === 'event') (ev.event = value), (any = true);
            else if (field === 'id') (ev.id = value), (any = true);
            else if (field === 'data') data.push(value), (any = true);
          }
          ev.data = data.join('\n');
          if (any && (data.length || ev.event !== 'message')) {
            if (ev.event === 'logs') this.count += countRecords(ev.data);
            if (this.#keep || ev.event !== 'logs') this.events.push(ev);
          }
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
