// Sends batches to POST /api/v1/logs (gzip NDJSON) and does not give up: network errors, 5xx,
// 408 and 429 are retried forever with exponential backoff and full jitter (from 500 ms,
// capped at 30 s, at least what Retry-After asks); a 413 splits the batch in two. 401, 403
// and 404 say the collector or server is misconfigured (token, URL), not that the batch is
// bad: they are retried too, loudly, so fixing the server's tokens lets the data flow instead
// of every batch meanwhile landing in the dead-letter file behind an advanced checkpoint.
// Any other 4xx is a batch the server will never take, so it is written to the dead-letter
// file and reported loudly rather than retried forever or dropped silently.
import http from 'node:http';
import https from 'node:https';
import { appendFile } from 'node:fs/promises';
import { gzip } from 'node:zlib';
import { backoffDelay } from '../shared/backoff.js';
import { LogpipeError } from '../shared/errors.js';
import type { Batch } from './batcher.js';
import { Http1Client } from './http1.js';
import type { Metrics } from './metrics.js';
import type { Log } from '../command/logger.js';

/** 4xx answers about the request's context, not its content: retried like 5xx. */
const RETRIED_4XX = new Set([401, 403, 404, 408, 429]);

/** Options of the HTTP shipper. */
export interface ShipperOptions {
  url: string;
  token?: string;
  deadLetterPath: string;
  metrics: Metrics;
  log: Log;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  gzipLevel?: number;
}

/** Thrown when shipping stops because the collector is shutting down. */
export class ShipAborted extends Error {
  constructor() {
    super('Shipping was aborted by shutdown.');
  }
}

/** Resolves the ingest endpoint from a base URL (or a full /api/v1/logs URL). */
export function ingestUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LogpipeError('LP_ERR_COLLECTOR_CONFIG', `--url "${raw}" is not a valid URL (expected e.g. http://127.0.0.1:8000).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LogpipeError('LP_ERR_COLLECTOR_CONFIG', `--url "${raw}" must start with http:// or https://.`);
  }
  if (!/\/api\/v1\/logs\/?$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/?$/, '/api/v1/logs');
  return url;
}

/** Compresses a batch body with gzip on the libuv thread pool (off the main thread). */
export function gzipBody(body: Buffer, level = 1): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(body, { level }, (err, out) => (err ? reject(err) : resolve(out))));
}

interface Reply {
  status: number;
  body: string;
  retryAfterMs: number | null;
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Posts batches with retry, splitting and dead-lettering; one call per in-flight batch. */
export class Shipper {
  readonly #url: URL;
  readonly #opts: ShipperOptions;
  readonly #agent: http.Agent;
  readonly #mod: typeof http | typeof https;
  readonly #headers: Record<string, string>;
  /** Plain http: our own keep-alive client (http1.ts); https: Node's module. */
  readonly #http1: Http1Client | null;
  readonly #headBlock: string;
  #abort = new AbortController();

  constructor(opts: ShipperOptions) {
    this.#opts = opts;
    this.#url = ingestUrl(opts.url);
    this.#mod = this.#url.protocol === 'https:' ? https : http;
    this.#agent = new this.#mod.Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 10_000 });
    this.#headers = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', accept: 'application/json' };
    if (opts.token) this.#headers.authorization = `Bearer ${opts.token}`;
    if (opts.token !== undefined && !/^[\x21-\x7e]*$/.test(opts.token)) {
      throw new LogpipeError('LP_ERR_COLLECTOR_CONFIG', '--token may hold only visible ASCII characters (no spaces or line breaks).');
    }
    this.#http1 = this.#url.protocol === 'http:' ? new Http1Client(this.#url) : null;
    this.#headBlock = Object.entries(this.#headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
  }

  /** The endpoint batches go to. */
  get url(): string {
    return this.#url.href;
  }

  /** Stops retry waits and cuts requests in flight; pending ship() calls reject with ShipAborted. */
  abort(): void {
    this.#abort.abort();
    // A request to a hung server would otherwise hold shutdown for the whole request timeout.
    this.#agent.destroy();
    this.#http1?.close();
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
    this.#http1?.close();
  }

  /**
   * Asks the server what it holds under some stream ids (GET /api/v1/streams): committed
   * offsets and a check of the line at each. One attempt, bounded in time; throws on failure.
   */
  lookupStreams(ids: string[], timeoutMs = 3000): Promise<Record<string, { offset: number; at: number | null; check: string | null }>> {
    const url = new URL(this.#url.href);
    url.pathname = url.pathname.replace(/\/logs\/?$/, '/streams');
    url.search = `ids=${ids.map(encodeURIComponent).join(',')}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#opts.token) headers.authorization = `Bearer ${this.#opts.token}`;
    type Known = Record<string, { offset: number; at: number | null; check: string | null }>;
    if (this.#http1) {
      const block = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      return this.#http1.request('GET', url.pathname + url.search, block, null, timeoutMs).then((r) => {
        if (r.status !== 200) throw new Error(`HTTP ${r.status} ${r.body.slice(0, 200)}`);
        return (JSON.parse(r.body) as { streams: Known }).streams ?? {};
      });
    }
    return new Promise((resolve, reject) => {
      const req = this.#mod.request(url, { method: 'GET', agent: this.#agent, headers, timeout: timeoutMs }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          try {
            resolve((JSON.parse(text) as { streams: Record<string, { offset: number; at: number | null; check: string | null }> }).streams ?? {});
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('the request timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends one batch until the server acknowledged it (or it was dead-lettered). */
  async ship(batch: Batch): Promise<void> {
    const body = await (batch.gzipped ?? gzipBody(batch.body, this.#opts.gzipLevel).then((b) => [b]));
    let size = 0;
    for (const piece of body) size += piece.length;
    const m = this.#opts.metrics;
    for (let attempt = 0; ; attempt++) {
      if (this.#abort.signal.aborted) throw new ShipAborted();
      let reply: Reply | null = null;
      let failure = '';
      try {
        reply = await this.#post(body, size);
      } catch (err) {
        failure = (err as Error).message;
      }
      if (reply && reply.status >= 200 && reply.status < 300) {
        m.batchesShipped++;
        m.linesShipped += batch.lines;
        m.bytesSent += size;
        try {
          const ack = JSON.parse(reply.body) as { accepted?: number; duplicates?: number };
          m.duplicates += ack.duplicates ?? 0;
        } catch {
          // A 2xx without the usual body still means the server took the batch.
        }
        return;
      }
      if (reply && reply.status === 413) {
        await this.#split(batch);
        return;
      }
      if (reply && reply.status >= 400 && reply.status < 500 && !RETRIED_4XX.has(reply.status)) {
        await this.#deadLetter(batch, `${reply.status} ${reply.body.slice(0, 500)}`);
        return;
      }
      const why = reply ? `HTTP ${reply.status}` : failure;
      let delay = backoffDelay(attempt, { baseMs: this.#opts.baseBackoffMs ?? 500, capMs: this.#opts.maxBackoffMs ?? 30_000 });
      if (reply?.retryAfterMs != null) delay = Math.max(delay, Math.min(reply.retryAfterMs, 5 * 60_000));
      m.retries++;
      m.lastError = why;
      if (reply && (reply.status === 401 || reply.status === 403 || reply.status === 404)) {
        if (attempt === 0 || attempt % 5 === 0) {
          this.#opts.log.error(`The server at "${this.#url.href}" answered ${reply.status} (${reply.body.slice(0, 200)}): check --url and --token; reading is paused and the batch is retried in ${Math.round(delay)} ms.`);
        }
      } else if (attempt === 0 || attempt % 5 === 0) {
        this.#opts.log.warn(`Sending a batch of ${batch.lines} lines to "${this.#url.href}" failed (${why}); retrying in ${Math.round(delay)} ms (attempt ${attempt + 1}).`);
      }
      await this.#sleep(delay);
    }
  }

  async #split(batch: Batch): Promise<void> {
    if (batch.lines <= 1) {
      await this.#deadLetter(batch, '413: a single record is larger than the server accepts');
      return;
    }
    const body = batch.body;
    // Cut at the newline nearest the middle so both halves hold whole records.
    let cut = body.indexOf(10, body.length >> 1);
    if (cut === -1 || cut === body.length - 1) cut = body.lastIndexOf(10, (body.length >> 1) - 1);
    const first = body.subarray(0, cut + 1);
    const second = body.subarray(cut + 1);
    const firstLines = countLines(first);
    this.#opts.metrics.splits++;
    this.#opts.log.warn(`The server refused a batch of ${batch.lines} lines as too large (413); sending it in two halves.`);
    await this.ship({ stream: batch.stream, body: first, lines: firstLines, lastOffset: -1 });
    await this.ship({ stream: batch.stream, body: second, lines: batch.lines - firstLines, lastOffset: batch.lastOffset });
  }

  async #deadLetter(batch: Batch, why: string): Promise<void> {
    const m = this.#opts.metrics;
    m.deadLetters += batch.lines;
    this.#opts.log.error(
      `The server rejected a batch of ${batch.lines} lines from stream "${batch.stream}" (${why}); it will not be retried and was appended to the dead-letter file "${this.#opts.deadLetterPath}".`,
    );
    await appendFile(this.#opts.deadLetterPath, batch.body);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.#abort.signal;
      if (signal.aborted) return reject(new ShipAborted());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new ShipAborted());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #post(body: Buffer[], size: number): Promise<Reply> {
    const timeoutMs = this.#opts.requestTimeoutMs ?? 30_000;
    if (this.#http1) {
      return this.#http1.request('POST', this.#url.pathname + this.#url.search, this.#headBlock, body, timeoutMs).then((r) => ({
        status: r.status,
        body: r.body,
        retryAfterMs: parseRetryAfter(r.headers['retry-after']),
      }));
    }
    return new Promise((resolve, reject) => {
      const req = this.#mod.request(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...this.#headers, 'content-length': String(size) },
          timeout: timeoutMs,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => {
            const ra = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(parts).toString('utf8'),
              retryAfterMs: parseRetryAfter(Array.isArray(ra) ? ra[0] : ra),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('the request timed out')));
      req.on('error', reject);
      for (let i = 0; i < body.length - 1; i++) req.write(body[i]);
      req.end(body[body.length - 1]);
    });
  }
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
