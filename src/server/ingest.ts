// The one ingest pipeline every door uses (native, seed, OTLP, Loki): validate and normalize
// each record, commit the batch atomically, then publish it to the live tail and count it.
// Nothing is stored differently because of the door it came in.
import { lineCheck } from '../shared/stream-check.js';
import { LogpipeError } from '../shared/errors.js';
import { isLevel, normalizeLevel, type Level } from '../shared/levels.js';
import { parseLine, parseTimestamp } from '../shared/parse/index.js';
import type { IngestRecord, NormalizedRecord } from '../shared/record.js';
import type { Limits } from './config.js';
import type { LiveHub } from './live/hub.js';
import type { ServerMetrics } from './metrics.js';
import { SourceParsing } from './source-parsing.js';
import type { Store } from './storage/store.js';

export type Door = 'native' | 'seed' | 'otlp' | 'loki';

export interface IngestContext {
  door: Door;
  /** Used when a record names no host (the client's address). */
  host?: string;
  /** Used when a record names no source. */
  source?: string;
  /** Request body size as received, for metrics. */
  bytes?: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

export interface LenientResult extends IngestResult {
  rejected: { index: number; reason: string }[];
}

/** Latest ts we accept: year 9999. Earliest: the epoch. */
const MAX_TS = 253_402_300_799_999;
const MAX_NAME = 256;
const MAX_STREAM = 512;

class RecordError extends Error {}

function depthOf(v: unknown, limit: number, depth = 1): number {
  if (depth > limit || v === null || typeof v !== 'object') return depth;
  let max = depth;
  for (const x of Array.isArray(v) ? v : Object.values(v as object)) {
    if (x !== null && typeof x === 'object') {
      max = Math.max(max, depthOf(x, limit, depth + 1));
      if (max > limit) return max;
    }
  }
  return max;
}

/** Cuts a message longer than `maxBytes` (UTF-8) and appends a marker saying how much was cut. */
export function truncateMessage(message: string, maxBytes: number): string {
  // A string of n UTF-16 units is at most 3n UTF-8 bytes: most lines skip the byte count.
  if (message.length * 3 <= maxBytes) return message;
  const bytes = Buffer.byteLength(message);
  if (bytes <= maxBytes) return message;
  const buf = Buffer.from(message);
  let end = maxBytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--; // do not split a UTF-8 sequence
  return `${buf.subarray(0, end).toString()}… [truncated ${bytes - end} bytes]`;
}

function normalizeTs(v: unknown, now: number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RecordError('ts must be a finite number of ms since the epoch');
    let ms = v;
    // Accept seconds, µs and ns by magnitude, as shippers send all of them.
    if (ms > 0 && ms < 1e11) ms *= 1000;
    else if (ms >= 1e17) ms /= 1e6;
    else if (ms >= 1e14) ms /= 1e3;
    ms = Math.floor(ms);
    if (ms < 0 || ms > MAX_TS) throw new RecordError(`ts ${v} is out of range (0 to year 9999)`);
    return ms;
  }
  if (typeof v === 'string') {
    const ms = parseTimestamp(v, now);
    if (ms === undefined || !Number.isFinite(ms)) throw new RecordError(`ts "${v.slice(0, 40)}" is not a timestamp (use ms since the epoch or ISO-8601)`);
    if (ms < 0 || ms > MAX_TS) throw new RecordError(`ts "${v.slice(0, 40)}" is out of range (0 to year 9999)`);
    return ms;
  }
  throw new RecordError('ts must be a number (ms since the epoch) or an ISO-8601 string');
}

/**
 * Validates one record and turns it into what the store keeps. Throws RecordError with a
 * reason that names the field.
 */
function normalizeOne(raw: unknown, limits: Limits, ctx: IngestContext, now: number, parsing: SourceParsing): NormalizedRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RecordError('must be a JSON object');
  const r = raw as IngestRecord & Record<string, unknown>;
  if (typeof r.message !== 'string') {
    throw new RecordError(r.message === undefined ? 'message is missing' : 'message must be a string');
  }
  let text = r.message;
  if (text.includes('\u0000')) text = text.replace(/\u0000/g, '\ufffd');
  text = truncateMessage(text, limits.maxLineBytes);

  // The source the record names (or the door's) picks the remembered layout and any override.
  const named = typeof r.source === 'string' ? r.source : ctx.source ?? 'default';
  const parsed = parseLine(text, { now, layout: parsing.layout(named), override: parsing.override(named) });
  let level: Level = parsed.level;
  if (r.level !== undefined && r.level !== null) {
    if (typeof r.level !== 'string') throw new RecordError('level must be a string');
    const l = isLevel(r.level) ? r.level : normalizeLevel(r.level, true);
    if (!l) throw new RecordError(`level "${r.level.slice(0, 40)}" is not one of trace, debug, info, warn, error, fatal, unknown`);
    level = l;
  }
  const ts = r.ts !== undefined && r.ts !== null ? normalizeTs(r.ts, now) : parsed.ts !== undefined && parsed.ts >= 0 && parsed.ts <= MAX_TS ? parsed.ts : now;

  let source = ctx.source ?? 'default';
  if (r.source !== undefined && r.source !== null) {
    if (typeof r.source !== 'string') throw new RecordError('source must be a string');
    if (r.source.length > MAX_NAME) throw new RecordError(`source is longer than ${MAX_NAME} characters`);
    source = r.source;
  } else if (parsed.source) source = parsed.source.slice(0, MAX_NAME);
  let host = ctx.host ?? '';
  if (r.host !== undefined && r.host !== null) {
    if (typeof r.host !== 'string') throw new RecordError('host must be a string');
    if (r.host.length > MAX_NAME) throw new RecordError(`host is longer than ${MAX_NAME} characters`);
    host = r.host;
  } else if (parsed.host) host = parsed.host.slice(0, MAX_NAME);

  let explicit: Record<string, unknown> | undefined;
  if (r.attrs !== undefined && r.attrs !== null) {
    if (typeof r.attrs !== 'object' || Array.isArray(r.attrs)) throw new RecordError('attrs must be a JSON object');
    explicit = r.attrs as Record<string, unknown>;
  }
  let message = parsed.message === text ? text : parsed.message;
  let encoded = encodeAttrs(parsed.attrs && explicit ? { ...parsed.attrs, ...explicit } : explicit ?? parsed.attrs, limits);
  if (encoded !== null && typeof encoded === 'object' && parsed.attrs) {
    // Fields parsed out of a JSON or logfmt line are a convenience: when they are too deep or
    // too large to keep, the whole line is stored as the message without them, rather than
    // rejecting it (a collector would dead-letter its whole batch for one odd line). attrs a
    // client sends itself are its own choice, and over a limit they are a 400.
    message = text;
    encoded = encodeAttrs(explicit, limits);
  }
  if (encoded !== null && typeof encoded === 'object') throw new RecordError(encoded.problem);
  const attrsText = encoded;

  let stream: string | null = null;
  let offset: number | null = null;
  if (r.stream !== undefined && r.stream !== null) {
    if (typeof r.stream !== 'string' || !r.stream || r.stream.length > MAX_STREAM) throw new RecordError(`stream must be a non-empty string of at most ${MAX_STREAM} characters`);
    if (typeof r.offset !== 'number' || !Number.isSafeInteger(r.offset) || r.offset < 0) throw new RecordError('offset must be a non-negative integer when stream is given');
    stream = r.stream;
    offset = r.offset;
  } else if (r.offset !== undefined && r.offset !== null) {
    throw new RecordError('offset needs a stream');
  }
  return { ts, level, source, host, message, attrs: attrsText, stream, offset };
}

/** JSON text of attrs within the depth and size limits (null when there are none), or the limit they break. */
function encodeAttrs(attrs: Record<string, unknown> | undefined, limits: Limits): string | null | { problem: string } {
  if (!attrs) return null;
  let any = false;
  for (const _ in attrs) {
    any = true;
    break;
  }
  if (!any) return null;
  if (depthOf(attrs, limits.maxJsonDepth) > limits.maxJsonDepth) return { problem: `attrs are nested deeper than ${limits.maxJsonDepth} levels` };
  const text = JSON.stringify(attrs);
  if (text.length > limits.maxAttrsBytes) return { problem: `attrs are larger than ${limits.maxAttrsBytes} bytes` };
  return text;
}

/** Validates, stores and publishes batches of records. */
/**
 * Puts a lineCheck() of the message as sent on the record with the highest offset of each
 * stream: the store keeps it beside the stream's committed offset (see stream-check.ts).
 */
function markChecks(raw: unknown[], out: NormalizedRecord[]): void {
  let last: Map<string, number> | null = null;
  for (let i = 0; i < out.length; i++) {
    const r = out[i];
    if (r.stream === null || r.offset === null) continue;
    last ??= new Map();
    const j = last.get(r.stream);
    if (j === undefined || (out[j].offset as number) < r.offset) last.set(r.stream, i);
  }
  if (!last) return;
  for (const i of last.values()) {
    const message = (raw[i] as { message?: unknown }).message;
    if (typeof message === 'string') out[i].check = lineCheck(message);
  }
}

export class IngestPipeline {
  #store: Store;
  #hub: LiveHub;
  #metrics: ServerMetrics;
  #limits: Limits;
  #parsing: SourceParsing;

  constructor(store: Store, hub: LiveHub, metrics: ServerMetrics, limits: Limits, parsing = new SourceParsing()) {
    this.#parsing = parsing;
    this.#store = store;
    this.#hub = hub;
    this.#metrics = metrics;
    this.#limits = limits;
  }

  #checkCount(records: unknown): asserts records is unknown[] {
    if (!Array.isArray(records)) throw new LogpipeError('LP_ERR_INVALID_RECORD', 'The body must be a JSON array of records (or NDJSON, one record per line).');
    if (records.length > this.#limits.maxRecordsPerRequest) {
      throw new LogpipeError('LP_ERR_TOO_MANY_RECORDS', `The request holds ${records.length} records; the limit is ${this.#limits.maxRecordsPerRequest}.`, { limit: this.#limits.maxRecordsPerRequest });
    }
  }

  /** Normalizes every record or throws a 400 naming the first bad one. */
  normalize(records: unknown, ctx: IngestContext): NormalizedRecord[] {
    this.#checkCount(records);
    const now = Date.now();
    const out = new Array<NormalizedRecord>(records.length);
    for (let i = 0; i < records.length; i++) {
      try {
        out[i] = normalizeOne(records[i], this.#limits, ctx, now, this.#parsing);
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        throw new LogpipeError('LP_ERR_INVALID_RECORD', `Record ${i}: ${err.message}.`, { index: i, reason: err.message });
      }
    }
    markChecks(records, out);
    return out;
  }

  /** What the store knows of some streams (committed offset and a check of one record's text). */
  streamChecks(streams: string[]): ReturnType<Store['streamChecks']> {
    return this.#store.streamChecks(streams);
  }

  /** Stores a batch atomically: all records or none. */
  async ingest(records: unknown, ctx: IngestContext): Promise<IngestResult> {
    const started = performance.now();
    let normalized: NormalizedRecord[];
    try {
      normalized = this.normalize(records, ctx);
    } catch (err) {
      this.#metrics.rejected.inc({ code: (err as LogpipeError).code ?? 'unknown' });
      throw err;
    }
    return this.#commit(normalized, ctx, started);
  }

  /** Stores the valid records and reports the invalid ones (OTLP partial success). */
  async ingestLenient(records: unknown, ctx: IngestContext): Promise<LenientResult> {
    const started = performance.now();
    this.#checkCount(records);
    const now = Date.now();
    const ok: NormalizedRecord[] = [];
    const rejected: { index: number; reason: string }[] = [];
    for (let i = 0; i < records.length; i++) {
      try {
        ok.push(normalizeOne(records[i], this.#limits, ctx, now, this.#parsing));
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        rejected.push({ index: i, reason: err.message });
      }
    }
    const res = ok.length ? await this.#commit(ok, ctx, started) : { accepted: 0, duplicates: 0 };
    return { ...res, rejected };
  }

  async #commit(normalized: NormalizedRecord[], ctx: IngestContext, started: number): Promise<IngestResult> {
    let res;
    try {
      res = await this.#store.insert(normalized);
    } catch (err) {
      this.#metrics.rejected.inc({ code: (err as LogpipeError).code ?? 'LP_ERR_STORE_UNAVAILABLE' });
      if (err instanceof LogpipeError) throw err;
      throw new LogpipeError('LP_ERR_STORE_UNAVAILABLE', `The store could not write: ${(err as Error).message}`, undefined, 1);
    }
    // Publish only after the commit: a live-tail reader never sees a record that could vanish.
    // With nobody listening, the store need not build the records at all (it does so lazily).
    if (this.#hub.size) {
      if (res.records.length) this.#hub.publish(res.records);
    } else if (res.lastId !== undefined) {
      this.#hub.lastId = res.lastId;
    }
    const door = { door: ctx.door };
    this.#metrics.ingestedLines.inc(door, res.accepted);
    if (res.duplicates) this.#metrics.duplicateLines.inc(door, res.duplicates);
    if (ctx.bytes) this.#metrics.ingestedBytes.inc(door, ctx.bytes);
    this.#metrics.batches.inc(door);
    this.#metrics.ingestSeconds.observe((performance.now() - started) / 1000);
    return { accepted: res.accepted, duplicates: res.duplicates };
  }
}
