// Plain text lines: the timestamp is looked for by its shape in the first tokens of the line's
// header (wherever a prefix puts it), the level in the header tokens around it (level.ts), and
// fields (key=value, `key: value` runs, access-log fields, request ids) in the text (textfields.ts).
// The message is the whole line as written; `headerEnd` says where the text after the time and
// level begins.
//
// A source's layout (where its timestamp was, of which kind, and which order its numeric dates
// use) is remembered in a Layout the caller keeps per source: the next line is tried at the same
// place first, and a line that disagrees is detected afresh (and becomes the layout).
import { levelFromSyslogSeverity, type Level } from '../levels.js';
import { letterLevel, levelToken, scanLevel } from './level.js';
import { readTextFields, textFields } from './textfields.js';
import {
  adoptYear, dateOrder, KIND_DATE, KIND_EPOCH, KIND_GENERAL, KIND_LOGCAT, KIND_SYSLOG, KIND_TIME,
  SCAN_DATE, SCAN_EPOCH, SCAN_TIME, scanGlog, scanned, scanTimestamp,
} from './timestamp.js';
import type { Layout, ParsedLine } from './types.js';

/** How far into a line its header may reach: timestamps and levels are looked for only before this. */
export const HEADER_CHARS = 120;
/** How many tokens of the header may precede the timestamp. */
const MAX_TS_TOKENS = 6;

/** A fresh layout for a source whose lines have not been seen yet. */
export function newLayout(): Layout {
  return { tsAt: -1, tsKind: 0, order: 0 };
}

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

function skipToSpace(s: string, p: number): number {
  const n = s.length;
  while (p < n && s.charCodeAt(p) !== 32 && s.charCodeAt(p) !== 9) p++;
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
  levelToken.end = q + 1;
  return letterLevel(s.charCodeAt(q));
}

/** syslog after the time: ` host prog[pid]: …` — a level only in the strict form right after `prog:`. */
function syslogLevel(s: string, p: number, limit: number): Level | undefined {
  let q = skipSpaces(s, p);
  q = skipToSpace(s, q); // host
  q = skipSpaces(s, q);
  const prog = q;
  q = skipToSpace(s, q);
  if (q === prog || s.charCodeAt(q - 1) !== 58) return undefined;
  levelToken.end = q;
  return scanLevel(s, q, limit, true);
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
  let ts: number | undefined;
  let headerEnd = q;
  if (scanTimestamp(line, q, now, 0)) {
    ts = scanned.ts;
    headerEnd = skipSpaces(line, scanned.end);
  }
  return { ts, level, message: line, attrs: readTextFields(line, headerEnd), source: undefined, host: undefined, headerEnd };
}

// What the timestamp search found besides the first full date and time.
let epochTs = 0;
let dateTs = 0;

/**
 * Finds the first date-and-time in the header (tokens from p, within HEADER_CHARS). An epoch
 * number, a date alone or (first token only) a time alone count when no date-and-time follows:
 * a calendar stamp is what people read, while a 10-digit number may as well be an id. A year-less
 * stamp takes its year from a date or epoch elsewhere in the header. Returns where the stamp
 * starts (scanned holds it) or -1.
 */
function searchTimestamp(s: string, p: number, now: number | undefined): number {
  const limit = Math.min(s.length, p + HEADER_CHARS);
  let epochAt = -1;
  let dateAt = -1;
  let timeAt = -1;
  let timeTs = 0;
  let timeEnd = 0;
  let epochEnd = 0;
  let dateEnd = 0;
  let q = p;
  for (let t = 0; t < MAX_TS_TOKENS && q < limit; t++) {
    let at = q;
    let c = s.charCodeAt(at);
    // `time="…"`, `@2026-…`: look past a key or a sign glued to the stamp.
    if (c === 34 || c === 39 || c === 64 || c === 61 || c === 123) c = s.charCodeAt(++at);
    else if (((c >= 97 && c <= 122) || c === 95) && at < limit) {
      let e = at;
      while (e < limit && e - at < 24 && s.charCodeAt(e) !== 61 && s.charCodeAt(e) !== 32) e++;
      if (s.charCodeAt(e) === 61) {
        at = e + 1;
        if (s.charCodeAt(at) === 34) at++;
        c = s.charCodeAt(at);
      }
    }
    if (((c >= 48 && c <= 57) || c === 91 || c === 40 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) && scanTimestamp(s, at, now, SCAN_DATE | SCAN_EPOCH | (t === 0 ? SCAN_TIME : 0))) {
      const kind = scanned.kind;
      if (kind === KIND_GENERAL || kind === KIND_SYSLOG || kind === KIND_LOGCAT) {
        if (scanned.yearless && (dateAt >= 0 || epochAt >= 0)) nearestYear(dateAt >= 0 ? dateTs : epochTs);
        return at;
      }
      if (kind === KIND_EPOCH && epochAt < 0) {
        epochAt = at;
        epochTs = scanned.ts;
        epochEnd = scanned.end;
      } else if (kind === KIND_DATE && dateAt < 0) {
        dateAt = at;
        dateTs = scanned.ts;
        dateEnd = scanned.end;
      } else if (kind === KIND_TIME) {
        timeAt = at;
        timeTs = scanned.ts;
        timeEnd = scanned.end;
      }
      q = scanned.end;
    }
    q = skipToSpace(s, q);
    q = skipSpaces(s, q);
  }
  if (epochAt >= 0) return restore(epochAt, epochTs, epochEnd, KIND_EPOCH);
  if (dateAt >= 0) return restore(dateAt, dateTs, dateEnd, KIND_DATE);
  if (timeAt >= 0) return restore(timeAt, timeTs, timeEnd, KIND_TIME);
  return -1;
}

function restore(at: number, ts: number, end: number, kind: number): number {
  scanned.ts = ts;
  scanned.end = end;
  scanned.kind = kind;
  scanned.yearless = false;
  return at;
}

/** Gives the year-less stamp in `scanned` the year that puts it nearest to `ref`. */
function nearestYear(ref: number): void {
  const y = new Date(ref).getFullYear();
  let best = 0;
  let bestTs = 0;
  let bestDist = Infinity;
  for (const cand of [y - 1, y, y + 1]) {
    adoptYear(cand);
    const dist = Math.abs(scanned.ts - ref);
    if (!scanned.yearless && dist < bestDist) {
      best = cand;
      bestTs = scanned.ts;
      bestDist = dist;
    }
    scanned.yearless = true;
  }
  if (best !== 0) {
    scanned.ts = bestTs;
    scanned.y = best;
  }
  scanned.yearless = false;
}

/** Finds the timestamp, using and updating the source's layout. Returns where it starts or -1. */
function findTimestamp(s: string, p: number, now: number | undefined, layout: Layout | undefined): number {
  if (layout === undefined) {
    dateOrder.hint = 0;
    return searchTimestamp(s, p, now);
  }
  dateOrder.hint = layout.order;
  const at = layout.tsAt;
  if (at >= p && (layout.tsKind === KIND_GENERAL || layout.tsKind === KIND_LOGCAT || (layout.tsKind === KIND_SYSLOG && at === p))) {
    const prev = s.charCodeAt(at - 1);
    // The remembered place must still start a token, so the answer is the one a search would give.
    if ((at === p || prev === 32 || prev === 9 || prev === 34 || prev === 61) && scanTimestamp(s, at, now, 0) && scanned.kind === layout.tsKind) {
      if (scanned.order !== 0) layout.order = scanned.order;
      return at;
    }
  }
  const found = searchTimestamp(s, p, now);
  if (found >= 0) {
    if (scanned.order !== 0) layout.order = scanned.order;
    // Only a stamp found on its own merits is worth trying first next time.
    layout.tsAt = scanned.kind === KIND_GENERAL || scanned.kind === KIND_LOGCAT || scanned.kind === KIND_SYSLOG ? found : -1;
    layout.tsKind = scanned.kind;
  }
  return found;
}

/**
 * Redis writes `pid:role dd Mon yyyy HH:mm:ss.mmm <symbol> message`, the symbol being its level:
 * `.` debug, `-` verbose, `*` notice, `#` warning.
 */
function redisLevel(s: string, p: number, at: number, end: number): Level | undefined {
  const q = skipDigits(s, p);
  if (q === p || s.charCodeAt(q) !== 58 || q + 3 !== at || s.charCodeAt(q + 2) !== 32) return undefined;
  if (s.charCodeAt(end) !== 32 || s.charCodeAt(end + 2) !== 32) return undefined;
  levelToken.end = end + 2;
  switch (s.charCodeAt(end + 1)) {
    case 46: return 'debug';
    case 45: return 'debug';
    case 42: return 'info';
    case 35: return 'warn';
    default: return undefined;
  }
}

/** Levels that a line states by its opening words: tracebacks, panics, uncaught exceptions. */
function openingLevel(s: string, p: number): Level | undefined {
  const c = s.charCodeAt(p);
  if (c === 84 && s.startsWith('Traceback (most recent call last):', p)) return 'error';
  if (c === 102 && s.startsWith('fatal error: ', p)) return 'fatal';
  if (c === 103 && s.startsWith('goroutine ', p) && s.includes(' [running]:', p)) return 'fatal';
  if (c === 69 && s.startsWith('Exception in thread "', p)) return 'error';
  // logcat's brief format: `W/ActivityManager( 1234): …`.
  if (s.charCodeAt(p + 1) === 47 && letterLevel(c) !== undefined) {
    const paren = s.indexOf('(', p + 2);
    if (paren > p + 2 && paren < p + 80 && s.indexOf('): ', paren) > 0) {
      levelToken.end = p + 1;
      return letterLevel(c);
    }
  }
  // `ValueError: …`, `java.lang.IllegalStateException: …`, `TypeError: …` on a line of their own.
  let q = p;
  const n = Math.min(s.length, p + 100);
  while (q < n) {
    const d = s.charCodeAt(q);
    if (!((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 46 || d === 95 || d === 36)) break;
    q++;
  }
  if (q > p && s.charCodeAt(q) === 58 && (s.charCodeAt(q + 1) === 32 || q + 1 === s.length) && (s.endsWith('Error', q) || s.endsWith('Exception', q))) return 'error';
  return undefined;
}

/** Level from an access log's status, when the line has `"METHOD path HTTP/x" status`. */
function statusLevel(status: unknown): Level | undefined {
  if (typeof status !== 'string') return undefined;
  const n = Number(status);
  if (n >= 500 && n < 600) return 'error';
  if (n >= 400) return 'warn';
  if (n >= 100) return 'info';
  return undefined;
}

/** Parses a line that is neither JSON nor logfmt, starting at its first non-blank character p. */
export function parsePlainLine(line: string, p: number, now: number | undefined, layout?: Layout): ParsedLine {
  let ts: number | undefined;
  let level: Level | undefined;
  const c = line.charCodeAt(p);
  if (c === 60) {
    const pri = parsePri(line, p, now);
    if (pri !== undefined) return pri;
  }
  const limit = Math.min(line.length, p + HEADER_CHARS);
  let headerEnd = p;
  const at = findTimestamp(line, p, now, layout);
  if (at >= 0) {
    ts = scanned.ts;
    const kind = scanned.kind;
    const end = scanned.end;
    headerEnd = end;
    // A level before the stamp (`INFO  [main] 2026-…`), else after it where the kind puts it.
    if (at > p) level = scanLevel(line, p, at, false) ?? redisLevel(line, p, at, end);
    if (level !== undefined) headerEnd = Math.max(end, levelToken.end);
    else {
      level = kind === KIND_LOGCAT ? logcatLevel(line, end) : kind === KIND_SYSLOG ? syslogLevel(line, end, limit) : scanLevel(line, end, limit, false);
      if (level !== undefined || kind === KIND_SYSLOG) headerEnd = Math.max(end, levelToken.end);
    }
  } else if ((c === 73 || c === 87 || c === 69 || c === 70) && scanGlog(line, p, now)) {
    ts = scanned.ts;
    level = letterLevel(c);
    headerEnd = scanned.end;
  } else {
    level = openingLevel(line, p) ?? scanLevel(line, p, limit, false);
    if (level !== undefined) headerEnd = levelToken.end;
  }
  headerEnd = skipSeparators(line, headerEnd);
  const attrs = readTextFields(line, p);
  if (level === undefined && attrs !== undefined && textFields.access) level = statusLevel(attrs.status);
  return { ts, level: level ?? 'unknown', message: line, attrs, source: undefined, host: undefined, headerEnd };
}

/** Skips the blanks and separators (`-`, `:`, `|`, `]`) between a header and its message. */
function skipSeparators(s: string, p: number): number {
  let c = s.charCodeAt(p);
  while (c === 32 || c === 9 || c === 45 || c === 58 || c === 124 || c === 93) c = s.charCodeAt(++p);
  return p;
}
