// Maps an OTLP ExportLogsServiceRequest (protobuf-decoded or OTLP/JSON) to the records of our
// one ingest pipeline. Pure: no I/O, so it is unit-tested on hand-built messages.
import { normalizeLevel, type Level } from '../../shared/levels.js';
import type { IngestRecord } from '../../shared/record.js';
import { LogpipeError } from '../../shared/errors.js';
import { bodyText, idHex, nanosToMillis, plainObject, type Message } from './any-value.js';

const SEVERITY_LEVELS: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Maps an OTLP severity (number 1–24, or its enum name in JSON) and severity text to our level; undefined when neither says. */
export function levelFromSeverity(num: unknown, text: unknown): Level | undefined {
  let n = typeof num === 'number' ? num : 0;
  if (typeof num === 'string') {
    // OTLP/JSON requires the integer, but some producers send the enum name (SEVERITY_NUMBER_WARN2).
    const m = /^(?:SEVERITY_NUMBER_)?(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\d?$/.exec(num);
    if (m) return m[1].toLowerCase() as Level;
    n = Number(num) || 0;
  }
  if (n >= 1 && n <= 24) return SEVERITY_LEVELS[Math.floor((n - 1) / 4)];
  return typeof text === 'string' && text !== '' ? normalizeLevel(text) : undefined;
}

function asList(v: unknown, what: string): Message[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new LogpipeError('LP_ERR_BAD_REQUEST', `The OTLP request is malformed: ${what} must be an array.`);
  return v;
}

/** Converts every log record of an ExportLogsServiceRequest, in order. */
export function mapExportLogsRequest(req: Message): IngestRecord[] {
  if (req == null || typeof req !== 'object' || Array.isArray(req)) {
    throw new LogpipeError('LP_ERR_BAD_REQUEST', 'The OTLP request is malformed: the body must be an ExportLogsServiceRequest object.');
  }
  const out: IngestRecord[] = [];
  const resourceLogs = asList(req.resourceLogs, 'resourceLogs');
  for (let r = 0; r < resourceLogs.length; r++) {
    const rl = resourceLogs[r];
    if (rl == null || typeof rl !== 'object') throw new LogpipeError('LP_ERR_BAD_REQUEST', `The OTLP request is malformed: resourceLogs[${r}] is not an object.`);
    const resAttrs = plainObject(rl.resource?.attributes);
    const source = takeString(resAttrs, 'service.name');
    const host = takeString(resAttrs, 'host.name');
    const scopeLogs = asList(rl.scopeLogs, `resourceLogs[${r}].scopeLogs`);
    for (let s = 0; s < scopeLogs.length; s++) {
      const sl = scopeLogs[s];
      if (sl == null || typeof sl !== 'object') throw new LogpipeError('LP_ERR_BAD_REQUEST', `The OTLP request is malformed: resourceLogs[${r}].scopeLogs[${s}] is not an object.`);
      // Resource attributes, then scope, then the record's own attributes: the narrowest wins.
      const base: Record<string, unknown> = { ...resAttrs };
      const scope = sl.scope;
      if (scope != null) {
        if (typeof scope.name === 'string' && scope.name !== '') base['otel.scope.name'] = scope.name;
        if (typeof scope.version === 'string' && scope.version !== '') base['otel.scope.version'] = scope.version;
        plainObject(scope.attributes, 0, base);
      }
      const logRecords = asList(sl.logRecords, `resourceLogs[${r}].scopeLogs[${s}].logRecords`);
      for (let i = 0; i < logRecords.length; i++) {
        const lr = logRecords[i];
        if (lr == null || typeof lr !== 'object') {
          throw new LogpipeError('LP_ERR_BAD_REQUEST', `The OTLP request is malformed: resourceLogs[${r}].scopeLogs[${s}].logRecords[${i}] is not an object.`);
        }
        out.push(mapLogRecord(lr, base, source, host));
      }
    }
  }
  return out;
}

function takeString(attrs: Record<string, unknown>, key: string): string | undefined {
  const v = attrs[key];
  if (typeof v !== 'string' || v === '') return undefined;
  delete attrs[key];
  return v;
}

function mapLogRecord(lr: Message, base: Record<string, unknown>, source: string | undefined, host: string | undefined): IngestRecord {
  const eventName = typeof lr.eventName === 'string' && lr.eventName !== '' ? lr.eventName : undefined;
  const rec: IngestRecord = { message: bodyText(lr.body) ?? eventName ?? '' };
  const ts = nanosToMillis(lr.timeUnixNano) ?? nanosToMillis(lr.observedTimeUnixNano);
  if (ts !== undefined) rec.ts = ts;
  const level = levelFromSeverity(lr.severityNumber, lr.severityText);
  if (level !== undefined) rec.level = level;
  if (source !== undefined) rec.source = source;
  if (host !== undefined) rec.host = host;
  const attrs: Record<string, unknown> = { ...base };
  plainObject(lr.attributes, 0, attrs);
  if (eventName !== undefined) attrs['event.name'] = eventName;
  const traceId = idHex(lr.traceId);
  if (traceId !== undefined) attrs.trace_id = traceId;
  const spanId = idHex(lr.spanId);
  if (spanId !== undefined) attrs.span_id = spanId;
  for (const _ in attrs) {
    rec.attrs = attrs;
    break;
  }
  return rec;
}

/**
 * `_x` → `X` for every lowercase letter x (`time_unix_nano` → `timeUnixNano`). Split and join,
 * not `replace(/_([a-z])/g, fn)`: a callback per match slowed super-linearly on a 1 MiB key
 * (0.1 s at 256 KiB, 1.5 s at 1 MiB).
 */
function camelize(k: string): string {
  const parts = k.split('_');
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    const c = p.charCodeAt(0);
    out += c >= 97 && c <= 122 ? String.fromCharCode(c - 32) + p.slice(1) : `_${p}`;
  }
  return out;
}

/** Rewrites snake_case keys (accepted from lenient OTLP/JSON producers) to the lowerCamelCase that OTLP/JSON specifies. */
export function camelizeKeys(v: unknown, depth = 0): unknown {
  if (depth > 64 || v == null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = camelizeKeys(v[i], depth + 1);
    return v;
  }
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    // Attribute keys live in `key` values, never in property names, so renaming every property is safe.
    const key = k.includes('_') ? camelize(k) : k;
    // Keep a "__proto__" key as data: assigning it would swap the new object's prototype.
    Object.defineProperty(out, key, { value: camelizeKeys(val, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
