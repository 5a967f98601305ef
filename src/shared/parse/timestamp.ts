// Recognises the timestamp at a position of a log line, reading char codes only (no regex, no
// substring), so a line costs a few dozen comparisons. The first character picks the candidate
// forms; each form either matches completely or is rejected without backtracking.
import { isValidDateTime, localTime, yearlessLocalTime, zonedTime } from './calendar.js';

/** No timestamp form matched. */
export const KIND_NONE = 0;
/** A form where a level may follow the timestamp (ISO, the seed's, Spark, Apache, nginx, CLF, Tomcat …). */
export const KIND_GENERAL = 1;
/** BSD syslog `Nov 28 03:29:09`: host and program follow before the message. */
export const KIND_SYSLOG = 2;
/** Android logcat `03-17 16:13:38.811`: pid, tid and a one-letter level column follow. */
export const KIND_LOGCAT = 3;

/** The result of the last successful scan; one shared instance, since parsing is synchronous. */
export const scanned = { ts: 0, end: 0, kind: KIND_NONE };

// Fields of the time of day read by readTime (module state avoids allocating a result per line).
let tH = 0;
let tMi = 0;
let tS = 0;
let tMs = 0;
// Offset in minutes read by readZone, or NO_ZONE.
const NO_ZONE = 1e9;
let zoneMin = NO_ZONE;

function digit(s: string, p: number): number {
  const c = s.charCodeAt(p) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function d2(s: string, p: number): number {
  const a = s.charCodeAt(p) - 48;
  const b = s.charCodeAt(p + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function d4(s: string, p: number): number {
  const a = d2(s, p);
  const b = d2(s, p + 2);
  return a >= 0 && b >= 0 ? a * 100 + b : -1;
}

/** Month number (1-12) of a three-letter English month name at p, any case; 0 if none. */
export function monthAt(s: string, p: number): number {
  const a = s.charCodeAt(p) | 0x20;
  const b = s.charCodeAt(p + 1) | 0x20;
  const c = s.charCodeAt(p + 2) | 0x20;
  switch (a) {
    case 0x6a: // j
      if (b === 0x61 && c === 0x6e) return 1;
      if (b === 0x75) return c === 0x6e ? 6 : c === 0x6c ? 7 : 0;
      return 0;
    case 0x66: return b === 0x65 && c === 0x62 ? 2 : 0; // feb
    case 0x6d: return b === 0x61 ? (c === 0x72 ? 3 : c === 0x79 ? 5 : 0) : 0; // mar, may
    case 0x61: // apr, aug
      if (b === 0x70 && c === 0x72) return 4;
      return b === 0x75 && c === 0x67 ? 8 : 0;
    case 0x73: return b === 0x65 && c === 0x70 ? 9 : 0; // sep
    case 0x6f: return b === 0x63 && c === 0x74 ? 10 : 0; // oct
    case 0x6e: return b === 0x6f && c === 0x76 ? 11 : 0; // nov
    case 0x64: return b === 0x65 && c === 0x63 ? 12 : 0; // dec
    default: return 0;
  }
}

function isDayNameAt(s: string, p: number): boolean {
  const k = ((s.charCodeAt(p) | 0x20) << 16) | ((s.charCodeAt(p + 1) | 0x20) << 8) | (s.charCodeAt(p + 2) | 0x20);
  // mon tue wed thu fri sat sun
  return k === 0x6d6f6e || k === 0x747565 || k === 0x776564 || k === 0x746875 || k === 0x667269 || k === 0x736174 || k === 0x73756e;
}

/**
 * Reads `HH:MM[:SS][(.|,)fraction]` at p into tH/tMi/tS/tMs; returns the end or -1.
 * Seconds are required unless `secondsOptional` (ISO allows `T12:30`). The fraction is cut to ms.
 */
function readTime(s: string, p: number, secondsOptional: boolean): number {
  const h = d2(s, p);
  if (h < 0 || s.charCodeAt(p + 2) !== 58) return -1;
  const mi = d2(s, p + 3);
  if (mi < 0) return -1;
  p += 5;
  let sec = 0;
  if (s.charCodeAt(p) === 58) {
    sec = d2(s, p + 1);
    if (sec < 0) return -1;
    p += 3;
  } else if (!secondsOptional) return -1;
  let ms = 0;
  const sep = s.charCodeAt(p);
  if ((sep === 46 || sep === 44) && digit(s, p + 1) >= 0) {
    p++;
    let scale = 100;
    for (let v = digit(s, p); v >= 0; v = digit(s, ++p)) {
      ms += v * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  tH = h;
  tMi = mi;
  tS = sec;
  tMs = ms;
  return p;
}

/**
 * Reads a UTC offset right after a time: `Z`, `±HH:MM`, `±HHMM`, `±HH`, or ` ±HHMM` (CLF, Go)
 * or ` UTC`/` GMT` followed by a space, `]` or the end. Sets zoneMin (NO_ZONE if none); returns the end.
 */
function readZone(s: string, p: number): number {
  zoneMin = NO_ZONE;
  let c = s.charCodeAt(p);
  if (c === 90 || c === 122) {
    zoneMin = 0;
    return p + 1;
  }
  if (c === 32 && (s.startsWith(' UTC', p) || s.startsWith(' GMT', p))) {
    // A zone name after the time (`… 03:29:09 UTC]`, PHP and some C loggers).
    const after = s.charCodeAt(p + 4);
    if (p + 4 === s.length || after === 32 || after === 93) {
      zoneMin = 0;
      return p + 4;
    }
  }
  let q = p;
  let spaced = false;
  if (c === 32 && (s.charCodeAt(p + 1) === 43 || s.charCodeAt(p + 1) === 45)) {
    q = p + 1;
    c = s.charCodeAt(q);
    spaced = true;
  }
  if (c !== 43 && c !== 45) return p;
  const hh = d2(s, q + 1);
  if (hh < 0 || hh > 23) return p;
  let mm = 0;
  let end = q + 3;
  if (s.charCodeAt(end) === 58) {
    mm = d2(s, end + 1);
    if (mm < 0) return p;
    end += 3;
  } else if (d2(s, end) >= 0) {
    mm = d2(s, end);
    end += 2;
  } else if (spaced) return p;
  if (mm > 59 || digit(s, end) >= 0) return p;
  if (spaced) {
    const after = s.charCodeAt(end);
    if (end < s.length && after !== 32 && after !== 93) return p;
  }
  zoneMin = (c === 45 ? -1 : 1) * (hh * 60 + mm);
  return end;
}

function finish(y: number, mo: number, d: number, end: number, kind: number): boolean {
  if (!isValidDateTime(y, mo, d, tH, tMi, tS)) return false;
  scanned.ts = zoneMin === NO_ZONE ? localTime(y, mo, d, tH, tMi, tS, tMs) : zonedTime(y, mo, d, tH, tMi, tS, tMs, zoneMin);
  scanned.end = end;
  scanned.kind = kind;
  return true;
}

function finishYearless(mo: number, d: number, end: number, kind: number, now: number | undefined): boolean {
  const t = yearlessLocalTime(mo, d, tH, tMi, tS, tMs, now ?? Date.now());
  if (t === undefined) return false;
  scanned.ts = t;
  scanned.end = end;
  scanned.kind = kind;
  return true;
}

/** `YYYY-MM-DD` or `YYYY/MM/DD`, then `T`/space and a time with optional zone (or nothing, if dateOnly). */
function scanIso(s: string, p: number, dateOnly: boolean): boolean {
  const y = d4(s, p);
  const sep = s.charCodeAt(p + 4);
  const mo = d2(s, p + 5);
  const d = d2(s, p + 8);
  if (y < 0 || mo < 0 || d < 0 || s.charCodeAt(p + 7) !== sep || digit(s, p + 10) >= 0) return false;
  const t = s.charCodeAt(p + 10);
  if (t === 84 || t === 116 || t === 32) {
    const end = readTime(s, p + 11, t !== 32);
    if (end >= 0) return finish(y, mo, d, readZone(s, end), KIND_GENERAL);
  }
  if (!dateOnly) return false;
  tH = tMi = tS = tMs = 0;
  zoneMin = NO_ZONE;
  return finish(y, mo, d, p + 10, KIND_GENERAL);
}

// The value read by readNumber.
let num = 0;

/** Reads 1 to `max` digits at p into `num`; returns the end, or -1 when there is no digit. */
function readNumber(s: string, p: number, max: number): number {
  let v = digit(s, p);
  if (v < 0) return -1;
  let n = 0;
  const start = p;
  do {
    n = n * 10 + v;
    v = digit(s, ++p);
  } while (v >= 0 && p - start < max);
  num = n;
  return p;
}

/**
 * HealthApp `YYYYMMDD-H:M:S:mmm`, written by Java's `H:m:s:S`: every field of the time may be
 * unpadded (`22:16:0:119`) and the milliseconds are an integer (`:11` is 11 ms).
 */
function scanCompact(s: string, p: number): boolean {
  const y = d4(s, p);
  const mo = d2(s, p + 4);
  const d = d2(s, p + 6);
  if (y < 0 || mo < 0 || d < 0) return false;
  let q = readNumber(s, p + 9, 2);
  if (q < 0 || s.charCodeAt(q) !== 58) return false;
  tH = num;
  q = readNumber(s, q + 1, 2);
  if (q < 0 || s.charCodeAt(q) !== 58) return false;
  tMi = num;
  q = readNumber(s, q + 1, 2);
  if (q < 0) return false;
  tS = num;
  tMs = 0;
  if (s.charCodeAt(q) === 58 || s.charCodeAt(q) === 46) {
    const e = readNumber(s, q + 1, 3);
    if (e > 0) {
      tMs = num;
      q = e;
    }
  }
  zoneMin = NO_ZONE;
  return finish(y, mo, d, q, KIND_GENERAL);
}

/** Spark/log4j `yy/MM/dd HH:mm:ss`: two-digit year in the 2000s. */
function scanShortYear(s: string, p: number): boolean {
  const y = d2(s, p);
  const mo = d2(s, p + 3);
  const d = d2(s, p + 6);
  if (y < 0 || mo < 0 || d < 0 || s.charCodeAt(p + 5) !== 47 || s.charCodeAt(p + 8) !== 32) return false;
  const end = readTime(s, p + 9, false);
  if (end < 0) return false;
  return finish(2000 + y, mo, d, readZone(s, end), KIND_GENERAL);
}

/** Android logcat `MM-DD HH:MM:SS.mmm` (no year). */
function scanMonthDay(s: string, p: number, now: number | undefined): boolean {
  const mo = d2(s, p);
  const d = d2(s, p + 3);
  if (d < 0 || s.charCodeAt(p + 5) !== 32) return false;
  const end = readTime(s, p + 6, false);
  if (end < 0) return false;
  return finishYearless(mo, d, end, KIND_LOGCAT, now);
}

/** CLF `DD/Mon/YYYY:HH:MM:SS -0700` and Tomcat `DD-Mon-YYYY HH:MM:SS.mmm`. */
function scanDayMonthName(s: string, p: number): boolean {
  const d = d2(s, p);
  const sep = s.charCodeAt(p + 2);
  const mo = monthAt(s, p + 3);
  const y = d4(s, p + 7);
  if (mo === 0 || y < 0 || s.charCodeAt(p + 6) !== sep) return false;
  const t = s.charCodeAt(p + 11);
  if (!((sep === 47 && t === 58) || (sep === 45 && t === 32))) return false;
  const end = readTime(s, p + 12, false);
  if (end < 0) return false;
  return finish(y, mo, d, readZone(s, end), KIND_GENERAL);
}

/** Day of month written as `dd` or ` d` (syslog, ctime); returns the value or -1. */
function dayAt(s: string, p: number): number {
  if (s.charCodeAt(p) === 32) return digit(s, p + 1) > 0 ? digit(s, p + 1) : -1;
  return d2(s, p);
}

/** BSD syslog `Mon dd HH:MM:SS` (no year). */
function scanSyslog(s: string, p: number, mo: number, now: number | undefined): boolean {
  if (s.charCodeAt(p + 3) !== 32) return false;
  let d = dayAt(s, p + 4);
  let timeAt = p + 7;
  if (d < 0 || s.charCodeAt(p + 6) !== 32) {
    // Some writers do not pad the day at all: `Nov 2 07:00:01`.
    d = digit(s, p + 4);
    if (d <= 0 || s.charCodeAt(p + 5) !== 32) return false;
    timeAt = p + 6;
  }
  const end = readTime(s, timeAt, false);
  if (end < 0) return false;
  // Some daemons add the year after the time (`Nov 28 03:29:09 2026 …`): use it when present.
  if (s.charCodeAt(end) === 32) {
    const y = d4(s, end + 1);
    const after = s.charCodeAt(end + 5);
    if (y >= 1970 && (end + 5 === s.length || after === 32 || after === 58)) {
      zoneMin = NO_ZONE;
      return finish(y, mo, d, end + 5, KIND_SYSLOG);
    }
  }
  return finishYearless(mo, d, end, KIND_SYSLOG, now);
}

/** ctime `Sun Dec 04 04:47:44[.uuuuuu] 2005` (Apache error log, C's asctime). */
function scanCtime(s: string, p: number): boolean {
  if (s.charCodeAt(p + 3) !== 32) return false;
  const mo = monthAt(s, p + 4);
  if (mo === 0 || s.charCodeAt(p + 7) !== 32) return false;
  const d = dayAt(s, p + 8);
  if (d < 0 || s.charCodeAt(p + 10) !== 32) return false;
  const end = readTime(s, p + 11, false);
  if (end < 0 || s.charCodeAt(end) !== 32) return false;
  const y = d4(s, end + 1);
  if (y < 0 || digit(s, end + 5) >= 0) return false;
  zoneMin = NO_ZONE;
  return finish(y, mo, d, end + 5, KIND_GENERAL);
}

/**
 * Tries every timestamp form at p. On success fills `scanned` (ts, end, kind) and returns true.
 * With `dateOnly`, a bare ISO date counts too (for whole-string timestamps, not for lines).
 */
export function scanTimestamp(s: string, p: number, now: number | undefined, dateOnly = false): boolean {
  const c = s.charCodeAt(p);
  if (c >= 48 && c <= 57) {
    const c2 = s.charCodeAt(p + 2);
    if (c2 >= 48 && c2 <= 57) {
      const c4 = s.charCodeAt(p + 4);
      if (c4 === 45 || c4 === 47) return scanIso(s, p, dateOnly);
      if (c4 >= 48 && c4 <= 57 && s.charCodeAt(p + 8) === 45) return scanCompact(s, p);
      return false;
    }
    if (c2 === 47) {
      if (digit(s, p + 4) >= 0) return scanShortYear(s, p);
      return scanDayMonthName(s, p);
    }
    if (c2 === 45) {
      if (digit(s, p + 3) >= 0) return scanMonthDay(s, p, now);
      return scanDayMonthName(s, p);
    }
    return false;
  }
  if (c === 91) {
    // A bracketed timestamp: `[2024-01-01 12:00:00]`, Apache's `[Sun Dec 04 …]`, CLF's `[10/Oct/2000:…]`.
    if (s.charCodeAt(p + 1) === 91 || !scanTimestamp(s, p + 1, now, false)) return false;
    if (s.charCodeAt(scanned.end) === 93) scanned.end++;
    return true;
  }
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
    const mo = monthAt(s, p);
    if (mo > 0) return scanSyslog(s, p, mo, now);
    if (isDayNameAt(s, p)) return scanCtime(s, p);
  }
  return false;
}

/** glog/klog `Lmmdd hh:mm:ss.uuuuuu` at p, where s[p] is the level letter (the caller reads it). */
export function scanGlog(s: string, p: number, now: number | undefined): boolean {
  const mo = d2(s, p + 1);
  const d = d2(s, p + 3);
  if (mo < 0 || d < 0 || s.charCodeAt(p + 5) !== 32) return false;
  const end = readTime(s, p + 6, false);
  if (end < 0) return false;
  return finishYearless(mo, d, end, KIND_GENERAL, now);
}
