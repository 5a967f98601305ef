// A sink that records every SEND of the collector, not only the records it keeps: request
// number, stream, first and last offset, record count, the answer given. The sink in
// test/collector-sink.ts drops repeats before anyone sees them, so a collector that re-sends
// a whole file on every restart passes a "nothing re-sent" check there; here the re-send
// itself is visible. It either answers like the server (per-stream committed offsets,
// {accepted, duplicates}) or forwards each request to a real server and relays its answer.
// It can also hold requests unanswered, to kill the collector while a batch is in flight.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/** One stream's part of one request. */
export interface Send {
  /** Request number, from 1, in arrival order. */
  request: number;
  stream: string;
  /** Smallest and largest record offset (a record's offset is the end of its line). */
  first: number;
  last: number;
  count: number;
  messages: string[];
  /** HTTP status answered (0 while held or when the connection went away unanswered). */
  status: number;
  /** Date.now() when the answer was written (0 if never). */
  answeredAt: number;
  /** Held, and the collector went away before it was released: never stored, never answered. */
  dropped?: boolean;
}

interface WireRecord {
  message: string;
  stream?: string;
  offset?: number;
}

export interface RecordingSinkOptions {
  /** Base URL of a real server to forward every request to (default: answer here). */
  forward?: string;
}

/** The recording sink; `hold` keeps answering back until released. */
export class RecordingSink {
  url = '';
  readonly sends: Send[] = [];
  /** Offsets this sink took per stream (answer mode), as the server's offset table. */
  readonly committed = new Map<string, number>();
  /** Records kept (answer mode): each line once per stream offset. */
  readonly kept: WireRecord[] = [];
  /** While true, requests are recorded but not answered. */
  hold = false;
  requests = 0;
  readonly #held: (() => void)[] = [];
  readonly #server: http.Server;
  readonly #forward?: URL;
  #waiters: (() => void)[] = [];

  private constructor(o: RecordingSinkOptions) {
    if (o.forward) this.#forward = new URL('/api/v1/logs', o.forward);
    this.#server = http.createServer((req, res) => this.#handle(req, res));
  }

  static async start(o: RecordingSinkOptions = {}): Promise<RecordingSink> {
    const sink = new RecordingSink(o);
    await new Promise<void>((r) => sink.#server.listen(0, '127.0.0.1', r));
    sink.url = `http://127.0.0.1:${(sink.#server.address() as AddressInfo).port}`;
    return sink;
  }

  /** Sends that were answered 2xx, i.e. what the collector may consider acknowledged. */
  acked(): Send[] {
    return this.sends.filter((s) => s.status >= 200 && s.status < 300);
  }

  /** Highest acknowledged offset per stream. */
  ackedOffsets(): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of this.acked()) m.set(s.stream, Math.max(m.get(s.stream) ?? -1, s.last));
    return m;
  }

  /** Sends currently held unanswered. */
  held(): Send[] {
    return this.sends.filter((s) => s.status === 0 && s.answeredAt === 0 && !s.dropped);
  }

  /** Answers every held request (if its connection is still there) and stops holding. */
  release(): void {
    this.hold = false;
    for (const go of this.#held.splice(0)) go();
  }

  /** Resolves when `pred` holds after some request, or rejects after the timeout. */
  waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(new Error(`recording sink: timed out after ${timeoutMs} ms waiting for ${what} (${this.sends.length} sends so far)`));
      }, timeoutMs);
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        resolve();
      };
      this.#waiters.push(check);
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      if (req.method !== 'POST' || !/^\/api\/v1\/logs\/?$/.test(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      const n = ++this.requests;
      const raw = Buffer.concat(parts);
      let records: WireRecord[];
      try {
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const text = body.toString('utf8').trim();
        records = text.startsWith('[') ? (JSON.parse(text) as WireRecord[]) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as WireRecord);
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'LP_ERR_TEST', message: (err as Error).message }));
        return;
      }
      const mine: Send[] = [];
      const byStream = new Map<string, WireRecord[]>();
      for (const r of records) {
        const k = r.stream ?? '';
        if (!byStream.has(k)) byStream.set(k, []);
        byStream.get(k)!.push(r);
      }
      for (const [stream, rs] of byStream) {
        const offs = rs.map((r) => r.offset ?? 0);
        mine.push({ request: n, stream, first: offs.reduce((a, b) => Math.min(a, b)), last: offs.reduce((a, b) => Math.max(a, b)), count: rs.length, messages: rs.map((r) => r.message), status: 0, answeredAt: 0 });
      }
      this.sends.push(...mine);
      // A collector killed while its request waits here: the request is gone, never answered.
      req.socket.once('close', () => {
        for (const s of mine) if (s.answeredAt === 0) s.dropped = true;
        this.#notify();
      });
      this.#notify();
      const answer = async () => {
        if (req.socket.destroyed) {
          // Held until the collector died: this request never reached the store.
          for (const s of mine) s.dropped = true;
          return;
        }
        let status = 200;
        let reply: string;
        let type = 'application/json';
        if (this.#forward) {
          try {
            const headers: Record<string, string> = { 'content-type': String(req.headers['content-type'] ?? 'application/x-ndjson') };
            if (req.headers['content-encoding']) headers['content-encoding'] = String(req.headers['content-encoding']);
            if (req.headers.authorization) headers.authorization = req.headers.authorization;
            const r = await fetch(this.#forward, { method: 'POST', headers, body: raw });
            status = r.status;
            type = r.headers.get('content-type') ?? type;
            reply = await r.text();
          } catch (err) {
            status = 503;
            reply = JSON.stringify({ error: 'LP_ERR_TEST', message: `forwarding failed: ${(err as Error).message}` });
          }
        } else {
          let accepted = 0;
          let duplicates = 0;
          for (const r of records) {
            if (r.stream === undefined) {
              this.kept.push(r);
              accepted++;
              continue;
            }
            const c = this.committed.get(r.stream) ?? -1;
            if ((r.offset ?? 0) <= c) {
              duplicates++;
              continue;
            }
            this.committed.set(r.stream, r.offset ?? 0);
            this.kept.push(r);
            accepted++;
          }
          reply = JSON.stringify({ accepted, duplicates });
        }
        if (res.destroyed || req.socket.destroyed) return; // the collector died meanwhile
        for (const s of mine) {
          s.status = status;
          s.answeredAt = Date.now();
        }
        res.writeHead(status, { 'content-type': type }).end(reply);
        this.#notify();
      };
      if (this.hold) this.#held.push(() => void answer());
      else void answer();
    });
  }

  async close(): Promise<void> {
    this.release();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
