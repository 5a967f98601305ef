// JSON lines (pino, bunyan, winston, zap, logrus, slog, ECS, GCP): the well-known fields become
// columns and everything else stays in attrs, nested objects included. A field is moved only when
// its value is usable (a level we know, a time we can read), so nothing is ever silently dropped.
import { levelFromNumber, normalizeLevel, type Level } from '../levels.js';
import { epochToMs, parseTimestamp } from './epoch.js';
import { parsePlainLine } from './plain.js';
import type { ParsedLine } from './types.js';

/** The level named by a JSON value: a word ("warn", "W", "WARNING") or a pino/bunyan number. */
export function levelFromValue(v: unknown): Level | undefined {
  if (typeof v === 'string') {
    const l = normalizeLevel(v, true);
    if (l !== undefined) return l;
    const n = Number(v);
    return v !== '' && Number.isInteger(n) ? levelFromNumber(n) : undefined;
  }
  if (typeof v === 'number') return levelFromNumber(v);
  return undefined;
}

/** The time named by a JSON value: epoch number (s/ms/µs/ns), timestamp string, or {seconds, nanos}. */
export function timeFromValue(v: unknown, now: number | undefined): number | undefined {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v === 'string') return parseTimestamp(v, now);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const seconds = typeof o.seconds === 'string' ? Number(o.seconds) : o.seconds;
    const nanos = typeof o.nanos === 'number' ? o.nanos : 0;
    // Protobuf's Timestamp as JSON (GCP, OTel): whole seconds since the epoch plus nanoseconds.
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 1e8 && seconds < 1e11) return Math.floor(seconds * 1000 + Math.floor(nanos / 1e6));
  }
  return undefined;
}

/** Sets a field on a plain object; a key "__proto__" becomes an own field instead of a prototype change. */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Parses a line that starts with `{`; undefined when it is not a JSON object (then it is plain text). */
export function parseJsonLine(line: string, now: number | undefined): ParsedLine | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const fields = obj as Record<string, unknown>;
  let ts: number | undefined;
  let level: Level | undefined;
  let message: string | undefined;
  let source: string | undefined;
  let host: string | undefined;
  let attrs: Record<string, unknown> | undefined;
  let inner: string | undefined;
  for (const key in fields) {
    const v = fields[key];
    switch (key) {
      case 'level':
      case 'lvl':
      case 'severity':
      case 'severity_text':
      case 'severityText':
      case 'loglevel':
      case 'log.level':
      case 'levelname':
        if (level === undefined && (level = levelFromValue(v)) !== undefined) continue;
        break;
      case 'msg':
      case 'message':
        if (message === undefined && typeof v === 'string') {
          message = v;
          continue;
        }
        break;
      case 'time':
      case 'ts':
      case 'timestamp':
      case '@timestamp':
      case 'date':
        if (ts === undefined && (ts = timeFromValue(v, now)) !== undefined) continue;
        break;
      case 'log':
        // Docker's json-file driver: {"log":"<the line>\n","stream":"stdout","time":…}.
        if (inner === undefined && typeof v === 'string') {
          inner = v;
          continue;
        }
        break;
      case 'service':
      case 'service.name':
      case 'app':
        if (source === undefined && typeof v === 'string' && v !== '') {
          source = v;
          continue;
        }
        break;
      case 'host':
      case 'hostname':
        if (host === undefined && typeof v === 'string' && v !== '') {
          host = v;
          continue;
        }
        break;
    }
    setField((attrs ??= {}), key, v);
  }
  if (inner !== undefined) {
    if (message !== undefined) setField((attrs ??= {}), 'log', inner);
    else {
      // The wrapped line is the message; what it says itself (time, level, JSON fields) counts
      // wherever the wrapper says nothing.
      const text = inner.endsWith('\n') ? inner.slice(0, inner.endsWith('\r\n') ? -2 : -1) : inner;
      const wrapped = (text.charCodeAt(0) === 123 ? parseJsonLine(text, now) : undefined) ?? parsePlainLine(text, 0, now);
      message = wrapped.message;
      ts ??= wrapped.ts;
      if (level === undefined && wrapped.level !== 'unknown') level = wrapped.level;
      source ??= wrapped.source;
      host ??= wrapped.host;
      if (wrapped.attrs !== undefined) attrs = attrs === undefined ? wrapped.attrs : { ...wrapped.attrs, ...attrs };
    }
  }
  return { ts, level: level ?? 'unknown', message: message ?? line, attrs, source, host };
}
