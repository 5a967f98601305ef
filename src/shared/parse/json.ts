// JSON lines (pino, bunyan, winston, zap, logrus, slog, ECS, GCP): the well-known fields become
// columns and everything else stays in attrs, nested objects included. A field is moved only when
// its value is usable (a level we know, a time we can read), so nothing is ever silently dropped.
import { levelFromNumber, levelFromSyslogSeverity, normalizeLevel, type Level } from '../levels.js';
import { epochToMs, parseTimestamp } from './epoch.js';
import { cleanLine } from './clean.js';
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
      case 'Level':
      case 'LogLevel':
      case 'logLevel':
      case 'Severity':
      case '@l': // Serilog's compact JSON
        if (level === undefined && (level = levelFromValue(v)) !== undefined) continue;
        break;
      case 's':
        // MongoDB's structured log: "s":"I" (and D1…D5 for its debug verbosities).
        if (level === undefined && typeof v === 'string' && /^(?:[FEWID]|D[1-5])$/.test(v) && (level = normalizeLevel(v[0], true)) !== undefined) continue;
        break;
      case 'PRIORITY':
        // journald's JSON export: the syslog severity as a string.
        if (level === undefined && typeof v === 'string' && /^[0-7]$/.test(v) && (level = levelFromSyslogSeverity(Number(v))) !== undefined) continue;
        break;
      case 'msg':
      case 'message':
      case 'Message':
      case 'MESSAGE':
      case '@m':
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
      case 'Timestamp':
      case 'Time':
      case 'datetime':
      case 'asctime':
      case '@t':
        if (ts === undefined && (ts = timeFromValue(v, now)) !== undefined) continue;
        break;
      case 't':
        // MongoDB: "t":{"$date":"2026-11-28T03:29:09.123+00:00"}.
        if (ts === undefined && v !== null && typeof v === 'object' && typeof (v as { $date?: unknown }).$date === 'string' && (ts = timeFromValue((v as { $date: string }).$date, now)) !== undefined) continue;
        break;
      case '__REALTIME_TIMESTAMP':
        // journald: µs since the epoch, as a string.
        if (ts === undefined && typeof v === 'string' && /^\d{13,17}$/.test(v)) {
          ts = Math.floor(Number(v) / 1000);
          continue;
        }
        break;
      case 'log':
        // Docker's json-file driver: {"log":"<the line>\n","stream":"stdout","time":…}.
        if (inner === undefined && typeof v === 'string') {
          inner = v;
          continue;
        }
        break;
      // Source and host fields name a column but stay in attrs too: a record's own source (the
      // collector's file name) wins over them, and they must not disappear then.
      case 'service':
      case 'service.name':
      case 'app':
        if (source === undefined && typeof v === 'string' && v !== '') source = v;
        break;
      case 'host':
      case 'hostname':
      case '_HOSTNAME':
        if (host === undefined && typeof v === 'string' && v !== '') host = v;
        break;
    }
    setField((attrs ??= {}), key, v);
  }
  if (inner !== undefined) {
    if (message !== undefined) setField((attrs ??= {}), 'log', inner);
    else {
      // The wrapped line is the message; what it says itself (time, level, JSON fields) counts
      // wherever the wrapper says nothing.
      const text = cleanLine(inner.endsWith('\n') ? inner.slice(0, -1) : inner);
      const wrapped = (text.charCodeAt(0) === 123 ? parseJsonLine(text, now) : undefined) ?? parsePlainLine(text, 0, now);
      message = wrapped.message;
      ts ??= wrapped.ts;
      if (level === undefined && wrapped.level !== 'unknown') level = wrapped.level;
      source ??= wrapped.source;
      host ??= wrapped.host;
      if (wrapped.attrs !== undefined) attrs = attrs === undefined ? wrapped.attrs : { ...wrapped.attrs, ...attrs };
    }
  }
  return { ts, level: level ?? 'unknown', message: message === undefined ? line : cleanLine(message), attrs, source, host };
}
