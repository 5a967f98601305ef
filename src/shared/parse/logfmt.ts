// logfmt lines (`ts=… level=warn msg="disk almost full" user=x`, as written by Go's slog,
// logrus, Heroku): every pair goes to attrs as a string; level and time come from their keys.
// The message stays the whole line, as written.
import { normalizeLevel, type Level } from '../levels.js';
import { parseTimestamp } from './epoch.js';
import { setField } from './json.js';
import type { ParsedLine } from './types.js';

// Longest key accepted when deciding whether a line is logfmt at all.
const MAX_KEY = 64;

function isKeyStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 64;
}

function isKeyChar(c: number): boolean {
  return isKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

/** Does the line start (at p) with `key=`? That is what makes it logfmt rather than free text. */
export function startsWithLogfmtKey(line: string, p: number): boolean {
  if (!isKeyStart(line.charCodeAt(p))) return false;
  const limit = Math.min(line.length, p + MAX_KEY);
  for (let q = p + 1; q < limit; q++) {
    const c = line.charCodeAt(q);
    if (c === 61) return true;
    if (!isKeyChar(c)) return false;
  }
  return false;
}

/** Reads the logfmt pairs of a line into an object (values are strings; a bare key gets ""). */
export function readLogfmtPairs(line: string, p: number): Record<string, unknown> {
  const pairs: Record<string, unknown> = {};
  const n = line.length;
  while (p < n) {
    let c = line.charCodeAt(p);
    while (c === 32 || c === 9 || c === 13) c = line.charCodeAt(++p);
    if (p >= n) break;
    const keyStart = p;
    while (p < n && (c = line.charCodeAt(p)) !== 61 && c !== 32 && c !== 9 && c !== 13) p++;
    const key = line.slice(keyStart, p);
    if (c !== 61 || p >= n) {
      setField(pairs, key, '');
      continue;
    }
    p++;
    let value: string;
    if (line.charCodeAt(p) === 34) {
      // A quoted value: runs to the next unescaped quote; escapes are JSON's.
      const start = ++p;
      let escaped = false;
      while (p < n && (c = line.charCodeAt(p)) !== 34) {
        if (c === 92) {
          escaped = true;
          p++;
        }
        p++;
      }
      value = escaped ? unescape(line.slice(start, Math.min(p, n))) : line.slice(start, p);
      p++;
    } else {
      const start = p;
      while (p < n && (c = line.charCodeAt(p)) !== 32 && c !== 9 && c !== 13) p++;
      value = line.slice(start, p);
    }
    setField(pairs, key, value);
  }
  return pairs;
}

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'u': return e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e;
      default: return e;
    }
  });
}

const LEVEL_KEYS = ['level', 'lvl', 'severity', 'loglevel', 'log.level'];
const TIME_KEYS = ['ts', 'time', 'timestamp', '@timestamp', 't', 'date'];
const SOURCE_KEYS = ['service', 'service.name', 'app'];
const HOST_KEYS = ['host', 'hostname'];

function firstString(pairs: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = pairs[k];
    if (typeof v === 'string' && v !== '' && Object.hasOwn(pairs, k)) return v;
  }
  return undefined;
}

/** Parses a logfmt line starting at p (see startsWithLogfmtKey). */
export function parseLogfmtLine(line: string, p: number, now: number | undefined): ParsedLine {
  const attrs = readLogfmtPairs(line, p);
  let level: Level | undefined;
  for (const k of LEVEL_KEYS) {
    const v = attrs[k];
    if (typeof v === 'string' && Object.hasOwn(attrs, k) && (level = normalizeLevel(v, true)) !== undefined) break;
  }
  let ts: number | undefined;
  for (const k of TIME_KEYS) {
    const v = attrs[k];
    if (typeof v === 'string' && Object.hasOwn(attrs, k) && (ts = parseTimestamp(v, now)) !== undefined) break;
  }
  return { ts, level: level ?? 'unknown', message: line, attrs, source: firstString(attrs, SOURCE_KEYS), host: firstString(attrs, HOST_KEYS) };
}
