// Maps a Loki push (protobuf PushRequest after snappy, or the JSON form) to the records of our
// one ingest pipeline. Pure: no I/O, so it is unit-tested on hand-built messages.
import { isLevel, normalizeLevel, type Level } from '../../shared/levels.js';
import type { IngestRecord } from '../../shared/record.js';
import { LogpipeError } from '../../shared/errors.js';
import { int64Value, numberNanosToMillis, textOf, type Message } from './any-value.js';
import { parseLabels } from './loki-labels.js';

/** Labels that name the application, in the order we prefer them (Loki's own service_name discovery puts service_name first). */
const SOURCE_LABELS = ['service_name', 'service', 'app', 'application', 'job'];
const HOST_LABELS = ['host', 'hostname', 'instance'];
const LEVEL_LABELS = ['level', 'detected_level'];

/** What a stream's labels say about every entry in it. */
export interface StreamFields {
  source?: string;
  host?: string;
  level?: Level;
  /** The remaining labels. */
  attrs: Record<string, string>;
}

function levelOf(word: string | undefined): Level | undefined {
  if (word === undefined) return undefined;
  const w = word.toLowerCase();
  return isLevel(w) && w !== 'unknown' ? w : normalizeLevel(w);
}

/** Splits stream labels into source, host, level and the rest (attrs). */
export function streamFields(labels: Record<string, string>): StreamFields {
  const attrs: Record<string, string> = { ...labels };
  const fields: StreamFields = { attrs };
  for (const name of SOURCE_LABELS) {
    const v = attrs[name];
    if (typeof v === 'string' && v !== '') {
      fields.source = v;
      delete attrs[name];
      break;
    }
  }
  for (const name of HOST_LABELS) {
    const v = attrs[name];
    if (typeof v === 'string' && v !== '') {
      fields.host = v;
      delete attrs[name];
      break;
    }
  }
  for (const name of LEVEL_LABELS) {
    const level = levelOf(attrs[name]);
    if (level !== undefined) {
      fields.level = level;
      delete attrs[name];
      break;
    }
  }
  return fields;
}

function makeRecord(fields: StreamFields, line: string, ts: number | string | undefined, metadata: Record<string, string> | undefined): IngestRecord {
  const rec: IngestRecord = { message: line };
  if (ts !== undefined) rec.ts = ts;
  let level = fields.level;
  let attrs: Record<string, string> | undefined;
  if (metadata !== undefined) {
    attrs = { ...fields.attrs, ...metadata };
    if (level === undefined) {
      for (const name of LEVEL_LABELS) {
        level = levelOf(metadata[name]);
        if (level !== undefined) {
          delete attrs[name];
          break;
        }
      }
    }
  } else {
    attrs = { ...fields.attrs };
  }
  // Without a level label the pipeline parses the level from the line, as for native records.
  if (level !== undefined) rec.level = level;
  if (fields.source !== undefined) rec.source = fields.source;
  if (fields.host !== undefined) rec.host = fields.host;
  for (const _ in attrs) {
    rec.attrs = attrs;
    break;
  }
  return rec;
}

/** ms since epoch from a google.protobuf.Timestamp; undefined when unset (the pipeline then uses the line or arrival time). */
function timestampMillis(t: Message | null | undefined): number | undefined {
  if (t == null) return undefined;
  const seconds = Number(int64Value(t.seconds));
  const ms = seconds * 1000 + Math.floor((Number(t.nanos) || 0) / 1e6);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Converts every entry of a decoded protobuf PushRequest, stream by stream, in order. */
export function mapPushRequest(req: Message): IngestRecord[] {
  const out: IngestRecord[] = [];
  const streams: Message[] = req.streams ?? [];
  const cache = new Map<string, StreamFields>();
  for (let s = 0; s < streams.length; s++) {
    const stream = streams[s];
    const labelText: string = stream.labels;
    let fields = cache.get(labelText);
    if (fields === undefined) {
      fields = streamFields(parseLabels(labelText));
      cache.set(labelText, fields);
    }
    const entries: Message[] = stream.entries ?? [];
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e];
      const sm: Message[] | undefined = entry.structuredMetadata;
      let metadata: Record<string, string> | undefined;
      if (sm !== undefined && sm.length > 0) {
        metadata = {};
        for (const pair of sm) metadata[pair.name] = pair.value;
      }
      out.push(makeRecord(fields, entry.line, timestampMillis(entry.timestamp), metadata));
    }
  }
  return out;
}

function bad(where: string, why: string): LogpipeError {
  return new LogpipeError('LP_ERR_BAD_REQUEST', `The Loki push is malformed: ${where} ${why}.`);
}

/** ms since epoch from a Loki JSON timestamp: a string of ns since epoch (numbers are accepted too). */
function jsonTimestampMillis(v: unknown, where: string): number | undefined {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    // Dropping the last 6 digits keeps the exact ms without float rounding.
    const ms = v.length > 6 ? Number(v.slice(0, -6)) : 0;
    return ms > 0 ? ms : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) {
    const ms = numberNanosToMillis(v);
    return ms > 0 ? ms : undefined;
  }
  throw bad(where, 'has a timestamp that is not a string of nanoseconds since the epoch');
}

function jsonMetadata(v: unknown, where: string): Record<string, string> | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(where, 'has structured metadata that is not an object');
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, val] of Object.entries(v)) {
    out[k] = typeof val === 'string' ? val : JSON.stringify(val);
    any = true;
  }
  return any ? out : undefined;
}

/** Converts every entry of a JSON push body ({streams:[{stream:{labels}, values:[[ns, line, metadata?]]}]}), in order. */
export function mapPushJson(body: unknown): IngestRecord[] {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) throw bad('the body', 'is not an object with "streams"');
  const streams = (body as Message).streams;
  if (streams == null) return [];
  if (!Array.isArray(streams)) throw bad('"streams"', 'is not an array');
  const out: IngestRecord[] = [];
  for (let s = 0; s < streams.length; s++) {
    const stream = streams[s];
    const where = `streams[${s}]`;
    if (stream == null || typeof stream !== 'object') throw bad(where, 'is not an object');
    let labels: Record<string, string>;
    if (stream.stream != null) {
      if (typeof stream.stream !== 'object' || Array.isArray(stream.stream)) throw bad(`${where}.stream`, 'is not an object of labels');
      labels = {};
      for (const [k, v] of Object.entries(stream.stream)) labels[k] = textOf(v);
    } else if (typeof stream.labels === 'string') {
      // The legacy push format: labels as text, entries as {ts, line}.
      labels = parseLabels(stream.labels);
    } else {
      labels = {};
    }
    const fields = streamFields(labels);
    if (Array.isArray(stream.values)) {
      const values: unknown[] = stream.values;
      for (let e = 0; e < values.length; e++) {
        const v = values[e];
        const at = `${where}.values[${e}]`;
        if (!Array.isArray(v) || v.length < 2 || v.length > 3) throw bad(at, 'is not [timestamp, line] or [timestamp, line, metadata]');
        if (typeof v[1] !== 'string') throw bad(at, 'has a line that is not a string');
        out.push(makeRecord(fields, v[1], jsonTimestampMillis(v[0], at), jsonMetadata(v[2], at)));
      }
    } else if (Array.isArray(stream.entries)) {
      const entries: unknown[] = stream.entries;
      for (let e = 0; e < entries.length; e++) {
        const entry = entries[e] as Message;
        const at = `${where}.entries[${e}]`;
        if (entry == null || typeof entry !== 'object' || typeof entry.line !== 'string') throw bad(at, 'is not {ts, line}');
        const ts = entry.ts ?? entry.timestamp;
        out.push(makeRecord(fields, entry.line, typeof ts === 'string' && !/^\d+$/.test(ts) ? ts : jsonTimestampMillis(ts ?? '0', at), jsonMetadata(entry.structuredMetadata, at)));
      }
    } else if (stream.values != null) {
      throw bad(`${where}.values`, 'is not an array');
    }
  }
  return out;
}
