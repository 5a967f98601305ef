// Request bodies: decompression with a bounded output (a gzip bomb stops after
// maxDecompressedBytes; each inflated chunk is reserved in the in-flight budget first; four
// bodies inflate at once), then JSON, NDJSON or plain text lines. Unknown content types and
// encodings get 415 through Fastify's own check.
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LogpipeError } from '../shared/errors.js';
import type { Limits } from './config.js';
import { reserveMore } from './inflight.js';

/** Output chunk of the inflaters: the budget is checked, and a bomb stopped, every this many bytes. */
const INFLATE_CHUNK = 64 * 1024;

type Inflater = zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress;

function makeInflater(enc: string): Inflater | undefined {
  const opts = { chunkSize: INFLATE_CHUNK };
  if (enc === 'gzip' || enc === 'x-gzip') return zlib.createGunzip(opts);
  if (enc === 'deflate') return zlib.createInflate(opts);
  if (enc === 'br') return zlib.createBrotliDecompress(opts);
  const zstd = (zlib as unknown as { createZstdDecompress?: (o: object) => Inflater }).createZstdDecompress;
  if (enc === 'zstd' && zstd) return zstd(opts);
  return undefined;
}

/**
 * Returns the body as sent, decompressed according to Content-Encoding, never larger than the
 * limit, and counts the decompressed bytes against the in-flight budget as they are produced.
 *
 * Why chunk by chunk: inflating in one call and reserving the result afterwards let every
 * request in flight hold up to --max-decompressed-bytes before the budget was asked (128
 * concurrent 260 KB gzip bombs took the server to 2.2 GiB). Streaming through zlib, each
 * 64 KiB of output is reserved before it is kept, so the bodies held at once never exceed the
 * budget, and a request is stopped (413 past the per-request limit, 503 past the budget) the
 * moment it crosses either, having inflated at most one chunk more.
 */
export async function decodeBody(req: FastifyRequest, body: Buffer, limits: Limits): Promise<Buffer> {
  const enc = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') {
    if (body.length > limits.maxDecompressedBytes) throw tooLarge(limits);
    return body;
  }
  await inflateGate.acquire();
  try {
    return await inflateBody(enc, body, limits, (bytes) => reserveMore(req.raw, bytes));
  } finally {
    inflateGate.release();
  }
}

/**
 * At most this many bodies inflate at once; the rest wait their turn. zlib runs on libuv's
 * thread pool (four threads), so more at once would not finish sooner, and each inflation in
 * progress holds up to --max-decompressed-bytes: with 128 bombs in flight, the inflated bytes
 * the budget admits plus the garbage of those already refused took RSS to 430 MiB; in turn,
 * four at a time, they stay near the memory of four.
 */
export const INFLATE_CONCURRENCY = 4;

class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(n: number) {
    this.#free = n;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

const inflateGate = new Gate(INFLATE_CONCURRENCY);

/** Inflates `body`, calling `reserve` for each chunk of output before keeping it (it throws to stop). */
export function inflateBody(enc: string, body: Buffer, limits: Limits, reserve: (bytes: number) => void): Promise<Buffer> {
  const inflater = makeInflater(enc);
  if (!inflater) {
    return Promise.reject(new LogpipeError('LP_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${enc.slice(0, 40)}" is not supported; use gzip, deflate, br or identity.`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      chunks = []; // let the inflated bytes go now, not when the request ends
      inflater.destroy();
      reject(err);
    };
    inflater.on('data', (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > limits.maxDecompressedBytes) return fail(tooLarge(limits));
      try {
        reserve(chunk.length);
      } catch (err) {
        return fail(err);
      }
      chunks.push(chunk);
    });
    inflater.on('error', (err) => fail(new LogpipeError('LP_ERR_INVALID_ENCODING', `The body could not be decoded as ${enc}: ${err.message}.`)));
    inflater.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    });
    inflater.end(body);
  });
}

function tooLarge(limits: Limits): LogpipeError {
  return new LogpipeError('LP_ERR_TOO_LARGE', `The body is larger than ${limits.maxDecompressedBytes} bytes once decompressed.`, { limit: limits.maxDecompressedBytes });
}

/**
 * Why a body is held to a number of objects: parsing builds one JavaScript object per JSON object
 * or array (or protobuf message), and an empty one costs about 60 bytes of memory for 2 or 3 bytes
 * of body. 16 MiB of `[{},{},…]` — 16 KB gzipped — took the server from 90 MiB to 620 MiB while
 * JSON.parse ran, OTLP/JSON of empty log records to 1 GiB, all before the record count was
 * looked at. Real bodies spend far more than 8 bytes an object (`{"message":"ok"}` is 16), so a
 * body may hold one object per BYTES_PER_OBJECT of its size, at least MIN_OBJECTS; past that it
 * is refused (413) by a scan that allocates nothing, before it is parsed.
 */
export const BYTES_PER_OBJECT = 8;
/** Objects any body may hold, however small. */
export const MIN_OBJECTS = 4096;

/** How many objects a body of `bytes` may parse into. */
export function objectBudget(bytes: number): number {
  return Math.max(MIN_OBJECTS, Math.floor(bytes / BYTES_PER_OBJECT));
}

/** The 413 for a body with more objects than objectBudget allows. */
export function tooManyObjects(bytes: number, what: string): LogpipeError {
  const max = objectBudget(bytes);
  return new LogpipeError('LP_ERR_TOO_LARGE', `The body holds more than ${max} ${what} in ${bytes} bytes (one per ${BYTES_PER_OBJECT} bytes at most): parsed, it would take many times its size in memory.`, { limit: max });
}

/**
 * Throws 413 when a JSON text (as bytes) holds more objects and arrays than objectBudget allows.
 * One pass that allocates nothing: outside strings each `{` and `[` is counted; a string is
 * skipped to its closing quote with indexOf (a quote after an odd run of backslashes is escaped).
 * Invalid JSON is left for JSON.parse to name.
 */
export function checkJsonObjects(buf: Buffer): void {
  const max = objectBudget(buf.length);
  // Each object or array takes at least one byte: a body no longer than the budget is within it.
  if (buf.length <= max) return;
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x22) {
      let j = i;
      for (;;) {
        j = buf.indexOf(0x22, j + 1);
        if (j < 0) return;
        let k = j - 1;
        while (buf[k] === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++n > max) throw tooManyObjects(buf.length, 'JSON objects and arrays');
    }
  }
}

/**
 * Throws 413 LP_ERR_TOO_MANY_RECORDS when a text/plain body has more lines than a request may
 * have records, before it is split (16 MiB of two-letter lines made 5.6 million strings first).
 */
export function checkTextLines(text: string, maxRecords: number): void {
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) {
    if (++lines >= maxRecords) {
      throw new LogpipeError('LP_ERR_TOO_MANY_RECORDS', `The request holds more than ${maxRecords} lines; the limit is ${maxRecords} records.`, { limit: maxRecords });
    }
  }
}

function jsonError(err: unknown, where: string): LogpipeError {
  const msg = err instanceof RangeError ? 'it is nested too deeply' : (err as Error).message;
  return new LogpipeError('LP_ERR_INVALID_JSON', `${where} is not valid JSON: ${msg}.`);
}

/**
 * `text` without its trailing CR and LF characters. A loop, not `replace(/\r?\n+$/, '')`: that
 * regex retries the run of newlines from each of its characters, quadratic in the run's length
 * (1 MB of blank lines took over a minute).
 */
export function trimTrailingNewlines(text: string): string {
  let end = text.length;
  for (let c = text.charCodeAt(end - 1); c === 10 || c === 13; c = text.charCodeAt(end - 1)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Whether a JSON body that did not parse looks like NDJSON: a `}` and a `{` with only
 * whitespace between them, including a newline. One pass: each run of whitespace is read once
 * (the regex `/\}\s*\r?\n\s*\{/` backtracks through the run, quadratic in its length).
 */
export function looksLikeNdjson(text: string): boolean {
  let i = text.indexOf('}');
  while (i >= 0) {
    let j = i + 1;
    let newline = false;
    for (let c = text.charCodeAt(j); c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12; c = text.charCodeAt(++j)) {
      if (c === 10) newline = true;
    }
    if (newline && text.charCodeAt(j) === 123) return true;
    i = text.indexOf('}', j);
  }
  return false;
}

/** Parses NDJSON (one JSON value per line; blank lines skipped) into an array. */
export function parseNdjson(text: string): unknown[] {
  const body = trimTrailingNewlines(text).replace(/^\uFEFF/, '');
  if (!body) return [];
  // Fast path: one JSON.parse over the lines joined as an array. Raw newlines cannot occur
  // inside JSON strings, so the join is exact; any failure falls back to a line-by-line
  // parse that names the bad line.
  if (!body.includes('\r') && !body.includes('\n\n')) {
    try {
      const v = JSON.parse(`[${body.replaceAll('\n', ',')}]`);
      if (Array.isArray(v)) return v;
    } catch {
      /* fall through to find the bad line */
    }
  }
  // Line by line with indexOf, not split(): a body of blank lines would otherwise become an
  // array of a million empty strings before the first one is skipped.
  const out: unknown[] = [];
  for (let start = 0, lineNo = 1; start <= body.length; lineNo++) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    if (end > start) {
      const line = body.slice(start, end).trim();
      if (line) {
        try {
          out.push(JSON.parse(line));
        } catch (err) {
          throw jsonError(err, `Line ${lineNo} of the NDJSON body`);
        }
      }
    }
    start = end + 1;
  }
  return out;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // A JSON body that is really NDJSON (several objects, one per line) is accepted too.
    const t = text.trimStart();
    if (t.startsWith('{') && looksLikeNdjson(text)) return parseNdjson(text);
    throw jsonError(err, 'The body');
  }
}

/** The lines of a text/plain body (one record each); a final newline ends the last line rather than starting an empty one. */
export function splitTextLines(text: string): string[] {
  const body = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  return body ? body.split(/\r?\n/) : [];
}

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'];

/** Registers the JSON, NDJSON and text parsers (replacing Fastify's defaults) on an app. */
export function registerBodyParsers(app: FastifyInstance, limits: Limits): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (req: FastifyRequest, body: Buffer) => {
    const buf = await decodeBody(req, body, limits);
    checkJsonObjects(buf);
    return parseJson(buf.toString('utf8'));
  });
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'buffer' }, async (req: FastifyRequest, body: Buffer) => {
    const buf = await decodeBody(req, body, limits);
    checkJsonObjects(buf);
    return parseNdjson(buf.toString('utf8'));
  });
  // Plain text: one record per line (`curl --data-binary @app.log -H 'Content-Type: text/plain'`).
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, async (req: FastifyRequest, body: Buffer) => {
    const buf = await decodeBody(req, body, limits);
    const text = buf.toString('utf8');
    checkTextLines(text, limits.maxRecordsPerRequest);
    return { lines: splitTextLines(text) };
  });
}
