// Plain text lines: a timestamp at the start (or bracketed a little later, as in access logs),
// then the level where the format puts it. The message is always the whole line as written.
import { levelFromSyslogSeverity, type Level } from '../levels.js';
import { letterLevel, levelToken, MODE_AFTER_TIME, MODE_LINE_START, MODE_STRICT, scanLevel } from './level.js';
import { KIND_LOGCAT, KIND_SYSLOG, scanGlog, scanned, scanTimestamp } from './timestamp.js';
import type { ParsedLine } from './types.js';

// How far into a line an access log's `[date]` may start (`host ident user [date]`).
const BRACKET_SEARCH_LIMIT = 160;

function skipSpaces(s: string, p: number): number {
  let c = s.charCodeAt(p);
  while (c === 32 || c === 9) c = s.charCodeAt(++p);
  return p;
}

function skipDigits(s: string, p: number): number {
  let c = s.charCodeAt(p);
  while (c >= 48 && c <= 57) c = s.charCodeAt(++p);
  return p;
}

/** logcat after the time: `  1702  2395 D Tag: …` — the letter after pid and tid. */
function logcatLevel(s: string, p: number): Level | undefined {
  let q = skipSpaces(s, p);
  const pid = q;
  q = skipDigits(s, q);
  if (q === pid) return undefined;
  q = skipSpaces(s, q);
  const tid = q;
  q = skipDigits(s, q);
  if (q === tid) return undefined;
  q = skipSpaces(s, q);
  const after = s.charCodeAt(q + 1);
  if (after !== 32 && after !== 47) return undefined;
  return letterLevel(s.charCodeAt(q));
}

/** syslog after the time: ` host prog[pid]: …` — a level only in the strict form right after `prog:`. */
function syslogLevel(s: string, p: number): Level | undefined {
  let q = skipSpaces(s, p);
  q = skipToSpace(s, q); // host
  q = skipSpaces(s, q);
  const prog = q;
  q = skipToSpace(s, q);
  if (q === prog || s.charCodeAt(q - 1) !== 58) return undefined;
  return scanLevel(s, q, MODE_STRICT);
}

function skipToSpace(s: string, p: number): number {
  const n = s.length;
  while (p < n && s.charCodeAt(p) !== 32 && s.charCodeAt(p) !== 9) p++;
  return p;
}

/** The level after a timestamp, by the kind of timestamp that was found. */
function levelAfterTime(s: string, p: number, kind: number): Level | undefined {
  if (kind === KIND_LOGCAT) return logcatLevel(s, p);
  if (kind === KIND_SYSLOG) return syslogLevel(s, p);
  return scanLevel(s, p, MODE_AFTER_TIME);
}

/** Syslog over the wire: `<PRI>1 TIMESTAMP …` (RFC 5424) or `<PRI>Mmm dd hh:mm:ss …` (RFC 3164). */
function parsePri(line: string, p: number, now: number | undefined): ParsedLine | undefined {
  let q = p + 1;
  let pri = 0;
  const start = q;
  for (let c = line.charCodeAt(q); c >= 48 && c <= 57 && q - start < 3; c = line.charCodeAt(++q)) pri = pri * 10 + c - 48;
  if (q === start || line.charCodeAt(q) !== 62 || pri > 191) return undefined;
  q++;
  const level = levelFromSyslogSeverity(pri & 7) ?? 'unknown';
  // RFC 5424: a version number and a space precede the timestamp, which may be "-" (none).
  const v = skipDigits(line, q);
  if (v > q && line.charCodeAt(v) === 32) q = v + 1;
  const ts = scanTimestamp(line, q, now, false) ? scanned.ts : undefined;
  return { ts, level, message: line, attrs: undefined, source: undefined, host: undefined };
}

/** Parses a line that is neither JSON nor logfmt, starting at its first non-blank character p. */
export function parsePlainLine(line: string, p: number, now: number | undefined): ParsedLine {
  let ts: number | undefined;
  let level: Level | undefined;
  const c = line.charCodeAt(p);
  if (c === 60) {
    const pri = parsePri(line, p, now);
    if (pri !== undefined) return pri;
  }
  if (scanTimestamp(line, p, now, false)) {
    ts = scanned.ts;
    level = levelAfterTime(line, scanned.end, scanned.kind);
  } else if ((c === 73 || c === 87 || c === 69 || c === 70) && scanGlog(line, p, now)) {
    ts = scanned.ts;
    level = letterLevel(c);
  } else {
    level = scanLevel(line, p, MODE_LINE_START);
    if (level !== undefined) {
      // `WARN 2024-05-01 10:00:00 …`: a level first, then the timestamp.
      const q = skipSpaces(line, levelToken.end);
      if (scanTimestamp(line, q, now, false)) ts = scanned.ts;
    } else {
      // Access logs: `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET …"`.
      const b = line.indexOf('[', p);
      if (b > p && b < p + BRACKET_SEARCH_LIMIT && line.charCodeAt(b - 1) === 32 && scanTimestamp(line, b, now, false)) {
        ts = scanned.ts;
        level = scanLevel(line, scanned.end, MODE_AFTER_TIME);
      }
    }
  }
  return { ts, level: level ?? 'unknown', message: line, attrs: undefined, source: undefined, host: undefined };
}
