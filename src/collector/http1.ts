// A minimal HTTP/1.1 keep-alive client for the shipper's plain-http requests. Node's http
// module costs this collector ~2 ms of CPU per request on a cold, trickling process (a
// ClientRequest, an IncomingMessage, two streams, the agent's bookkeeping and the parser's
// JS callbacks); a trickle makes one request per few lines, so that was most of its CPU
// (bench/collector-trickle.bench.ts, docs/benchmarks.md). Here a request is one write of a
// prebuilt head plus the body, and the answer is parsed straight out of the socket's read
// buffer (net's `onread`, no stream machinery).
//
// What it does, and no more: POST/GET with a Content-Length body; answers framed by
// Content-Length, chunked transfer coding or the end of the connection; 1xx answers skipped;
// keep-alive unless the server says Connection: close (or answers HTTP/1.0 without
// keep-alive); an inactivity timeout per request; a request that found its idle connection
// already closed by the server (nothing of the answer arrived) is sent once more on a fresh
// connection, as the server's keep-alive timeout can close an idle socket at any moment.
// https:// URLs keep using Node's https module (shipper.ts).
import net from 'node:net';

/** An HTTP answer: status, the headers the shipper reads, and the body (capped) as text. */
export interface Http1Reply {
  status: number;
  /** Header names lower-cased; repeated headers keep the first value. */
  headers: Record<string, string>;
  body: string;
}

/** Bytes of an answer's head we accept before giving up on the connection. */
const MAX_HEAD = 64 * 1024;
/** Bytes of an answer's body kept (the rest is read and dropped). */
const MAX_BODY = 1024 * 1024;
/** Size of each connection's read buffer (reused for every read). */
const READ_BUFFER = 16 * 1024;
/** Bodies up to this size are copied behind the head and written in one piece. */
const JOIN_BELOW = 16 * 1024;

/** Raised when the connection failed or closed before a whole answer arrived. */
export class Http1Error extends Error {
  /** Whether any byte of the answer had arrived (if not, the request may be sent again). */
  readonly answered: boolean;
  readonly code: string | undefined;
  constructor(message: string, answered: boolean, code?: string) {
    super(message);
    this.answered = answered;
    this.code = code;
  }
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

interface Pending {
  resolve(reply: Http1Reply): void;
  reject(err: Http1Error): void;
  head: boolean;
}

/** One TCP connection and the answer being parsed on it. */
/** Requests up to this size are copied into one buffer and written at once. */
const SMALL_REQUEST = 16 * 1024;

class Connection {
  readonly socket: net.Socket;
  readonly #client: Http1Client;
  #pending: Pending | null = null;
  #served = 0;
  #reusedForLast = false;
  #closed = false;
  // Parser state of the answer in progress.
  #state = State.Head;
  #carry: Buffer | null = null;
  #status = 0;
  #headers: Record<string, string> = {};
  #keepAlive = true;
  #left = 0;
  #body: Buffer[] = [];
  #bodyBytes = 0;
  #got = 0;

  constructor(client: Http1Client, host: string, port: number) {
    this.#client = client;
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Uint8Array) => this.#onRead(buf as Buffer, n) },
    } as net.NetConnectOpts);
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.#fail(err.message, err.code));
    this.socket.on('end', () => this.#onEnd());
    this.socket.on('close', () => this.#fail('the connection was closed'));
    this.socket.on('timeout', () => this.#fail('the request timed out', 'ETIMEDOUT'));
  }

  /** Whether the request in flight (or the last one) went out on a connection used before. */
  get wasReused(): boolean {
    return this.#reusedForLast;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Buffer[], timeoutMs: number, head: boolean): Promise<Http1Reply> {
    return new Promise((resolve, reject) => {
      this.#reusedForLast = this.#served > 0;
      this.#pending = { resolve, reject, head };
      this.#reset();
      this.socket.ref();
      this.socket.setTimeout(timeoutMs);
      if (data.length === 1) this.socket.write(data[0]);
      else if (data.reduce((n, d) => n + d.length, 0) <= SMALL_REQUEST) {
        // A trickle's request (head and a small body): one copy and one plain write, cheaper
        // than corking the stream for a writev of the parts.
        this.socket.write(Buffer.concat(data));
      } else {
        this.socket.cork();
        for (const d of data) this.socket.write(d);
        this.socket.uncork();
      }
    });
  }

  destroy(): void {
    this.socket.destroy();
    this.#fail('the connection was closed');
  }

  #reset(): void {
    this.#state = State.Head;
    this.#carry = null;
    this.#status = 0;
    this.#headers = {};
    this.#keepAlive = true;
    this.#left = 0;
    this.#body = [];
    this.#bodyBytes = 0;
    this.#got = 0;
  }

  #onRead(buf: Buffer, n: number): boolean {
    if (!this.#pending) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      this.destroy();
      return false;
    }
    this.#got += n;
    // The read buffer is reused for the next read: copy what must outlive this call.
    let data = buf.subarray(0, n);
    if (this.#carry) {
      data = Buffer.concat([this.#carry, data]);
      this.#carry = null;
    }
    try {
      this.#parse(data);
    } catch (err) {
      this.socket.destroy();
      this.#fail((err as Error).message, 'HPE_INVALID');
    }
    return true;
  }

  #parse(data: Buffer): void {
    let at = 0;
    while (at < data.length || this.#state === State.Done) {
      switch (this.#state) {
        case State.Head: {
          const end = data.indexOf('\r\n\r\n', at, 'latin1');
          if (end === -1) {
            if (data.length - at > MAX_HEAD) throw new Error('the answer\'s head is too large');
            this.#carry = Buffer.from(data.subarray(at));
            return;
          }
          this.#readHead(data.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case State.Length:
          at = this.#keepCounted(data, at, State.Done);
          break;
        case State.ChunkSize: {
          const end = data.indexOf('\r\n', at, 'latin1');
          if (end === -1) {
            if (data.length - at > 1024) throw new Error('a chunk size line is too long');
            this.#carry = Buffer.from(data.subarray(at));
            return;
          }
          const text = data.toString('latin1', at, end);
          const size = parseInt(text, 16);
          if (!/^[0-9a-fA-F]+/.test(text) || !Number.isFinite(size)) throw new Error(`a bad chunk size "${text.slice(0, 40)}"`);
          at = end + 2;
          this.#left = size;
          this.#state = size === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData:
          at = this.#keepCounted(data, at, State.ChunkDataEnd);
          break;
        case State.ChunkDataEnd: {
          if (data.length - at < 2) {
            this.#carry = Buffer.from(data.subarray(at));
            return;
          }
          if (data[at] !== 13 || data[at + 1] !== 10) throw new Error('a chunk does not end in CRLF');
          at += 2;
          this.#state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const end = data.indexOf('\r\n', at, 'latin1');
          if (end === -1) {
            if (data.length - at > MAX_HEAD) throw new Error('the answer\'s trailers are too large');
            this.#carry = Buffer.from(data.subarray(at));
            return;
          }
          // Each trailer line is skipped; the empty line ends the answer.
          if (end === at) this.#state = State.Done;
          at = end + 2;
          break;
        }
        case State.UntilClose:
          this.#keep(data, at, data.length);
          return;
        case State.Done: {
          if (at < data.length) {
            // More bytes after a whole answer to our one request: the connection is out of step.
            this.#keepAlive = false;
          }
          this.#complete();
          return;
        }
      }
    }
  }

  /** Keeps up to #left body bytes from `at`; once all are in, goes on to `then`. Returns the new position. */
  #keepCounted(data: Buffer, at: number, then: State): number {
    const take = Math.min(this.#left, data.length - at);
    this.#keep(data, at, at + take);
    this.#left -= take;
    if (this.#left === 0) this.#state = then;
    return at + take;
  }

  #readHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (!m) throw new Error(`not an HTTP/1.x answer: "${lines[0].slice(0, 80)}"`);
    const status = Number(m[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) throw new Error(`a bad header line "${lines[i].slice(0, 80)}"`);
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      if (!(name in headers)) headers[name] = lines[i].slice(colon + 1).trim();
    }
    if (status >= 100 && status < 200) {
      // 100 Continue and other interim answers: the real one follows.
      this.#state = State.Head;
      return;
    }
    this.#status = status;
    this.#headers = headers;
    const conn = (headers.connection ?? '').toLowerCase();
    this.#keepAlive = m[1] === '1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
    const te = (headers['transfer-encoding'] ?? '').toLowerCase();
    if (this.#pending?.head || status === 204 || status === 304) this.#state = State.Done;
    else if (te && te !== 'identity') {
      if (!/(^|,)\s*chunked\s*$/.test(te)) throw new Error(`an unsupported transfer coding "${te}"`);
      this.#state = State.ChunkSize;
    } else if (headers['content-length'] !== undefined) {
      if (!/^\d+$/.test(headers['content-length'])) throw new Error(`a bad Content-Length "${headers['content-length']}"`);
      this.#left = Number(headers['content-length']);
      this.#state = this.#left === 0 ? State.Done : State.Length;
    } else {
      this.#keepAlive = false;
      this.#state = State.UntilClose;
    }
  }

  #keep(data: Buffer, from: number, to: number): void {
    if (to <= from || this.#bodyBytes >= MAX_BODY) return;
    const end = Math.min(to, from + (MAX_BODY - this.#bodyBytes));
    this.#body.push(Buffer.from(data.subarray(from, end)));
    this.#bodyBytes += end - from;
  }

  #complete(): void {
    const p = this.#pending!;
    this.#pending = null;
    this.#served++;
    const reply: Http1Reply = { status: this.#status, headers: this.#headers, body: this.#body.length === 1 ? this.#body[0].toString('utf8') : Buffer.concat(this.#body).toString('utf8') };
    const keep = this.#keepAlive;
    this.#reset();
    this.socket.setTimeout(0);
    if (keep) {
      this.socket.unref();
      this.#client.release(this);
    } else {
      this.#closed = true;
      this.socket.destroy();
    }
    p.resolve(reply);
  }

  #onEnd(): void {
    if (this.#pending && this.#state === State.UntilClose) {
      this.#state = State.Done;
      this.#complete();
    }
    this.#closed = true;
    this.socket.destroy();
  }

  #fail(message: string, code?: string): void {
    this.#closed = true;
    this.#client.forget(this);
    const p = this.#pending;
    if (!p) return;
    this.#pending = null;
    this.socket.destroy();
    p.reject(new Http1Error(message, this.#got > 0, code));
  }
}

/** Where requests go: one origin (http://host:port), its connections kept alive between requests. */
export class Http1Client {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  /** Bumped by close(): requests it cut are not sent again. */
  #epoch = 0;
  /** Connections opened (for tests and metrics). */
  opened = 0;

  constructor(url: URL) {
    if (url.protocol !== 'http:') throw new Error(`Http1Client speaks plain http, not "${url.protocol}"`);
    this.#host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#port = Number(url.port || 80);
    this.#hostHeader = url.host;
  }

  /**
   * Sends one request and resolves to the whole answer. `headers` is a prebuilt block of
   * "name: value\r\n" lines (without Host and Content-Length). Rejects with an Http1Error.
   */
  async request(method: string, path: string, headers: string, body: Buffer[] | null, timeoutMs: number): Promise<Http1Reply> {
    let size = 0;
    if (body) for (const b of body) size += b.length;
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.#hostHeader}\r\n${headers}`;
    if (body || method === 'POST' || method === 'PUT') head += `content-length: ${size}\r\n`;
    head += '\r\n';
    let data: Buffer[];
    if (!body || size === 0) data = [Buffer.from(head, 'latin1')];
    else if (size < JOIN_BELOW) {
      const headBytes = Buffer.byteLength(head, 'latin1');
      const one = Buffer.allocUnsafe(headBytes + size);
      one.write(head, 0, 'latin1');
      let at = headBytes;
      for (const b of body) {
        one.set(b, at);
        at += b.length;
      }
      data = [one];
    } else data = [Buffer.from(head, 'latin1'), ...body];
    const conn = this.#take();
    const epoch = this.#epoch;
    try {
      return await conn.send(data, timeoutMs, method === 'HEAD');
    } catch (err) {
      // A kept-alive connection the server closed while it was idle (its keep-alive timeout
      // can strike just as we send): nothing of an answer came, so the request is sent once
      // more on a fresh connection. Anything else is the caller's to retry, and nothing is
      // sent again once close() cut the request (shutdown must not wait for a new one).
      const e = err as Http1Error;
      if (!conn.wasReused || e.answered || e.code === 'ETIMEDOUT' || epoch !== this.#epoch) throw err;
      return this.#open().send(data, timeoutMs, method === 'HEAD');
    }
  }

  /** Closes every connection; requests in flight reject. */
  close(): void {
    this.#epoch++;
    for (const c of [...this.#all]) c.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  /** Number of connections open now (idle or busy). */
  get connections(): number {
    return this.#all.size;
  }

  /** @internal A connection finished its answer and may be reused. */
  release(conn: Connection): void {
    if (!conn.closed) this.#idle.push(conn);
  }

  /** @internal A connection failed or closed. */
  forget(conn: Connection): void {
    this.#all.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i !== -1) this.#idle.splice(i, 1);
  }

  #take(): Connection {
    for (;;) {
      const c = this.#idle.pop();
      if (!c) return this.#open();
      if (!c.closed && !c.socket.destroyed) return c;
      this.#all.delete(c);
    }
  }

  #open(): Connection {
    const c = new Connection(this, this.#host, this.#port);
    this.#all.add(c);
    this.opened++;
    return c;
  }
}
