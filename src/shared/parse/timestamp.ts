// Recognises the timestamp at a position of a log line by its shape, reading char codes only
// (no regex, no substring), so a position costs a few comparisons. The first characters pick the
// candidate shapes; each shape either matches completely or is rejected without backtracking.
//
// Shapes (any of them may be bracketed): a date — `yyyy-MM-dd`, `yyyy/MM/dd`, `yyyy.MM.dd`,
// `yyyyMMdd`, `yyMMdd`, `dd/MM/yyyy` or `MM/dd/yyyy` (see DAY_FIRST), `dd.MM.yyyy`, `dd-MM-yyyy`,
// `dd Mon yyyy`, `dd-Mon-yyyy`, `dd/Mon/yyyy`, `Mon dd[,] yyyy`, `yy/MM/dd` (log4j's Spark
// layout), `MM-dd` (logcat) or `Mon dd` (syslog) without a year — then a time next to it
// (`HH:mm[:ss]`, an unpadded hour, `HHmmss`, DB2's `HH.mm.ss`, a `.`/`,`/`:` fraction, AM/PM),
// then a zone (`Z`, `±hh[:mm]`, ` UTC`). Also ctime `Sun Dec 04 04:47:44 2005`, RFC 2822,
// HealthApp's `yyyyMMdd-H:m:s:SSS`, epoch numbers (s, ms, µs, ns within 2000–2100), a date
// alone and a time alone (the caller says which of those it accepts).
import { isValidDateTime, localTime, yearlessLocalTime, zonedTime } from './calendar.js';

/** No timestamp shape matched. */
export const KIND_NONE = 0;
/** A date and a time: a level may follow. */
export const KIND_GENERAL = 1;
/** BSD syslog `Nov 28 03:29:09`: host and program follow before the message. */
export const KIND_SYSLOG = 2;
/** Android logcat `03-17 16:13:38.811`: pid, tid and a one-letter level column follow. */
export const KIND_LOGCAT = 3;
/** A date without a time (midnight local); only with SCAN_DATE. */
export const KIND_DATE = 4;
/** An epoch number; only with SCAN_EPOCH. */
export const KIND_EPOCH = 5;
/** A time of day without a date (placed on the day of `now`); only with SCAN_TIME. */
export const KIND_TIME = 6;

/** Accept a date alone (KIND_DATE). */
export const SCAN_DATE = 1;
/** Accept an epoch number (KIND_EPOCH). */
export const SCAN_EPOCH = 2;
/** Accept a time alone (KIND_TIME). */
export const SCAN_TIME = 4;

/**
 * The result of the last successful scan; one shared instance, since parsing is synchronous.
 * `y…ms` and `zone` are the fields read (for giving a year-less stamp the year found elsewhere);
 * `order` is what a numeric date said about day and month order: 1 day first, 2 month first, 0 nothing.
 */
export const scanned = { ts: 0, end: 0, kind: KIND_NONE, yearless: false, order: 0, y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0, ms: 0, zone: 0 };

/**
 * How to read an ambiguous numeric date such as `03/04/2026`: 1 day first, 2 month first,
 * 0 by its separator (`/` month first as in the US, `.` and `-` day first as in Europe).
 * The caller sets it from the source's layout (what its earlier, unambiguous dates said).
 */
export const dateOrder = { hint: 0 };

// Fields of the time of day read by readTime (module state avoids allocating a result per line).
let tH = 0;
let tMi = 0;
let tS = 0;
let tMs = 0;
// Offset in minutes read by readZone, or NO_ZONE.
export const NO_ZONE = 1e9;
let zoneMin = NO_ZONE;

// Epoch seconds accepted in text: 2000-01-01 to 2100-01-01 (a larger or smaller number is an id).
const EPOCH_MIN_S = 946_684_800;
const EPOCH_MAX_S = 4_102_444_800;

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

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAlnum(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57);
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

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** End of the month name at p (3 letters, the full English name, or `Sept`), plus an optional dot; -1 if not a month. */
function monthEnd(s: string, p: number, mo: number): number {
  let e = p + 3;
  if (isLetter(s.charCodeAt(e))) {
    const full = MONTH_NAMES[mo - 1];
    let i = 3;
    while (i < full.length && (s.charCodeAt(p + i) | 0x20) === full.charCodeAt(i)) i++;
    if (i === full.length) e = p + i;
    else if (mo === 9 && (s.charCodeAt(p + 3) | 0x20) === 0x74) e = p + 4; // Sept
    else return -1;
    if (isLetter(s.charCodeAt(e))) return -1;
  }
  if (s.charCodeAt(e) === 46) e++;
  return e;
}

function isDayNameAt(s: string, p: number): boolean {
  const k = ((s.charCodeAt(p) | 0x20) << 16) | ((s.charCodeAt(p + 1) | 0x20) << 8) | (s.charCodeAt(p + 2) | 0x20);
  // mon tue wed thu fri sat sun
  return k === 0x6d6f6e || k === 0x747565 || k === 0x776564 || k === 0x746875 || k === 0x667269 || k === 0x736174 || k === 0x73756e;
}

/**
 * Reads `H[H]:MM[:SS][(.|,)fraction][ AM|PM]` at p into tH/tMi/tS/tMs; returns the end or -1.
 * Seconds are required unless `secondsOptional` (ISO allows `T12:30`) or AM/PM follows
 * (`3:29PM`). A one-digit hour only with `oneDigitHour`. The fraction is cut to ms.
 */
function readTime(s: string, p: number, secondsOptional: boolean, oneDigitHour: boolean): number {
  let h = d2(s, p);
  if (h >= 0) p += 2;
  else if (oneDigitHour && digit(s, p) >= 0) {
    h = digit(s, p);
    p += 1;
  } else return -1;
  if (s.charCodeAt(p) !== 58) return -1;
  const mi = d2(s, p + 1);
  if (mi < 0) return -1;
  p += 3;
  let sec = 0;
  let hasSeconds = false;
  if (s.charCodeAt(p) === 58 && d2(s, p + 1) >= 0) {
    sec = d2(s, p + 1);
    p += 3;
    hasSeconds = true;
  }
  if (digit(s, p) >= 0) return -1;
  let ms = 0;
  const sep = s.charCodeAt(p);
  if (hasSeconds && (sep === 46 || sep === 44) && digit(s, p + 1) >= 0) {
    p++;
    let scale = 100;
    for (let v = digit(s, p); v >= 0; v = digit(s, ++p)) {
      ms += v * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  // AM/PM, glued or after one space: `3:29:09 PM`, `3:29AM`.
  const sp = s.charCodeAt(p) === 32 ? p + 1 : p;
  const a = s.charCodeAt(sp) | 0x20;
  if ((a === 0x61 || a === 0x70) && (s.charCodeAt(sp + 1) | 0x20) === 0x6d && !isAlnum(s.charCodeAt(sp + 2))) {
    if (h < 1 || h > 12) return -1;
    h = (h % 12) + (a === 0x70 ? 12 : 0);
    p = sp + 2;
  } else if (!hasSeconds && !secondsOptional) return -1;
  tH = h;
  tMi = mi;
  tS = sec;
  tMs = ms;
  return p;
}

/** DB2's `HH.mm.ss[.ffffff]` (after `yyyy-MM-dd-`); returns the end or -1. */
function readDottedTime(s: string, p: number): number {
  const h = d2(s, p);
  const mi = d2(s, p + 3);
  const sec = d2(s, p + 6);
  if (h < 0 || mi < 0 || sec < 0 || s.charCodeAt(p + 2) !== 46 || s.charCodeAt(p + 5) !== 46) return -1;
  p += 8;
  let ms = 0;
  if (s.charCodeAt(p) === 46 && digit(s, p + 1) >= 0) {
    p++;
    let scale = 100;
    for (let v = digit(s, p); v >= 0; v = digit(s, ++p)) {
      ms += v * scale;
      scale /= 10;
    }
  }
  if (isAlnum(s.charCodeAt(p))) return -1;
  tH = h;
  tMi = mi;
  tS = sec;
  tMs = Math.floor(ms);
  return p;
}

/** `HHmmss[.fff]` (compact time after a compact date); returns the end or -1. */
function readCompactTime(s: string, p: number): number {
  const h = d2(s, p);
  const mi = d2(s, p + 2);
  const sec = d2(s, p + 4);
  if (h < 0 || mi < 0 || sec < 0) return -1;
  p += 6;
  let ms = 0;
  const c = s.charCodeAt(p);
  if ((c === 46 || c === 44) && digit(s, p + 1) >= 0) {
    p++;
    let scale = 100;
    for (let v = digit(s, p); v >= 0; v = digit(s, ++p)) {
      ms += v * scale;
      scale /= 10;
    }
  }
  if (digit(s, p) >= 0) return -1;
  tH = h;
  tMi = mi;
  tS = sec;
  tMs = Math.floor(ms);
  return p;
}

/** `UTC` or `GMT` (capitals) at p; compared by char code, as this runs after every time read. */
function isUtcName(s: string, p: number): boolean {
  const a = s.charCodeAt(p);
  if (a === 85) return s.charCodeAt(p + 1) === 84 && s.charCodeAt(p + 2) === 67;
  return a === 71 && s.charCodeAt(p + 1) === 77 && s.charCodeAt(p + 2) === 84;
}

/**
 * Reads a UTC offset right after a time: `Z`, `±HH:MM`, `±HHMM`, `±HH`, or ` ±HH[:]MM` (CLF, Go,
 * Serilog) or ` UTC`/` GMT` followed by a blank, `]`, `)`, `,` or the end. Sets zoneMin (NO_ZONE if
 * none); returns the end.
 */
function readZone(s: string, p: number): number {
  zoneMin = NO_ZONE;
  let c = s.charCodeAt(p);
  if ((c === 90 || c === 122) && !isAlnum(s.charCodeAt(p + 1))) {
    zoneMin = 0;
    return p + 1;
  }
  if (c === 32 && isUtcName(s, p + 1)) {
    const after = s.charCodeAt(p + 4);
    if (p + 4 === s.length || after === 32 || after === 93 || after === 41 || after === 44 || after === 9) {
      zoneMin = 0;
      return p + 4;
    }
    if (after === 43 || after === 45) {
      // `GMT+2`, `UTC-05:00`
      const q = readZone(s, p + 4);
      if (zoneMin !== NO_ZONE) return q;
    }
  }
  if ((c === 85 || c === 71) && isUtcName(s, p)) {
    if (!isAlnum(s.charCodeAt(p + 3))) {
      zoneMin = 0;
      return p + 3;
    }
  }
  let q = p;
  let spaced = false;
  if (c === 32 && (s.charCodeAt(p + 1) === 43 || s.charCodeAt(p + 1) === 45) && digit(s, p + 2) >= 0) {
    q = p + 1;
    c = s.charCodeAt(q);
    spaced = true;
  }
  if (c !== 43 && c !== 45) return p;
  const hh = d2(s, q + 1);
  if (hh < 0 || hh > 23) return p;
  let mm = 0;
  let end = q + 3;
  if (s.charCodeAt(end) === 58 && d2(s, end + 1) >= 0) {
    mm = d2(s, end + 1);
    end += 3;
  } else if (d2(s, end) >= 0) {
    mm = d2(s, end);
    end += 2;
  } else if (spaced) return p;
  if (mm > 59 || digit(s, end) >= 0) return p;
  if (spaced) {
    const after = s.charCodeAt(end);
    if (end < s.length && after !== 32 && after !== 93 && after !== 9 && after !== 41) return p;
  }
  zoneMin = (c === 45 ? -1 : 1) * (hh * 60 + mm);
  return end;
}

function finish(y: number, mo: number, d: number, end: number, kind: number): boolean {
  if (!isValidDateTime(y, mo, d, tH, tMi, tS)) return false;
  scanned.ts = zoneMin === NO_ZONE ? localTime(y, mo, d, tH, tMi, tS, tMs) : zonedTime(y, mo, d, tH, tMi, tS, tMs, zoneMin);
  scanned.end = end;
  scanned.kind = kind;
  scanned.yearless = false;
  scanned.y = y;
  scanned.mo = mo;
  scanned.d = d;
  scanned.h = tH;
  scanned.mi = tMi;
  scanned.s = tS;
  scanned.ms = tMs;
  scanned.zone = zoneMin;
  return true;
}

function finishYearless(mo: number, d: number, end: number, kind: number, now: number | undefined): boolean {
  const t = yearlessLocalTime(mo, d, tH, tMi, tS, tMs, now ?? Date.now());
  if (t === undefined) return false;
  scanned.ts = t;
  scanned.end = end;
  scanned.kind = kind;
  scanned.yearless = true;
  scanned.y = 0;
  scanned.mo = mo;
  scanned.d = d;
  scanned.h = tH;
  scanned.mi = tMi;
  scanned.s = tS;
  scanned.ms = tMs;
  scanned.zone = NO_ZONE;
  return true;
}

const DAY_MS = 86_400_000;
// A time of day alone is placed on the day of `now`, or the day before when that would put it
// more than this far in the future (a line written just before midnight, read just after).
const TIME_ONLY_SLACK_MS = 10 * 60_000;

function finishTimeOnly(end: number, now: number | undefined): boolean {
  const n = now ?? Date.now();
  const today = new Date(n);
  let y = today.getFullYear();
  let mo = today.getMonth() + 1;
  let d = today.getDate();
  let t = localTime(y, mo, d, tH, tMi, tS, tMs);
  if (t > n + TIME_ONLY_SLACK_MS) {
    const y2 = new Date(n - DAY_MS);
    y = y2.getFullYear();
    mo = y2.getMonth() + 1;
    d = y2.getDate();
    t = localTime(y, mo, d, tH, tMi, tS, tMs);
  }
  if (!isValidDateTime(y, mo, d, tH, tMi, tS)) return false;
  zoneMin = NO_ZONE;
  if (!finish(y, mo, d, end, KIND_TIME)) return false;
  scanned.yearless = false;
  return true;
}

function isDateTimeSep(c: number): boolean {
  // blank, T, t, -, _, :, |, [, ], ",", ;, @
  return c === 32 || c === 9 || c === 84 || c === 116 || c === 45 || c === 95 || c === 58 || c === 124 || c === 91 || c === 93 || c === 44 || c === 59 || c === 64;
}

/**
 * A date (y, mo, d) ended at q: looks for a time next to it (after up to three separators) and
 * finishes the stamp; a date alone finishes as KIND_DATE only with SCAN_DATE.
 */
function dateTail(s: string, q: number, y: number, mo: number, d: number, flags: number): boolean {
  let r = q;
  let k = 0;
  while (k < 3 && isDateTimeSep(s.charCodeAt(r))) {
    r++;
    k++;
  }
  if (k > 0) {
    const t = s.charCodeAt(q);
    const afterBlank = s.charCodeAt(r - 1) === 32;
    let e = readTime(s, r, t === 84 || t === 116, afterBlank);
    if (e < 0 && t === 45 && k === 1) e = readDottedTime(s, r);
    if (e >= 0) return finish(y, mo, d, readZone(s, e), KIND_GENERAL);
  }
  if ((flags & SCAN_DATE) === 0 || isAlnum(s.charCodeAt(q))) return false;
  tH = tMi = tS = tMs = 0;
  zoneMin = NO_ZONE;
  return finish(y, mo, d, q, KIND_DATE);
}

/** Reads 1 or 2 digits at p into `num`; returns the end, or -1. */
let num = 0;
function read12(s: string, p: number): number {
  const a = digit(s, p);
  if (a < 0) return -1;
  const b = digit(s, p + 1);
  if (b < 0) {
    num = a;
    return p + 1;
  }
  if (digit(s, p + 2) >= 0) return -1;
  num = a * 10 + b;
  return p + 2;
}

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

/** `yyyy-MM-dd`, `yyyy/M/d`, `yyyy.MM.dd`, `yyyy-Mon-dd` at p (4 digits read), then dateTail. */
function scanYearFirst(s: string, p: number, flags: number): boolean {
  const y = d4(s, p);
  const sep = s.charCodeAt(p + 4);
  // The common case first, at fixed places: `yyyy-MM-dd[T ]HH:mm:ss…`.
  const mo2 = d2(s, p + 5);
  const d2v = d2(s, p + 8);
  if (mo2 >= 0 && d2v >= 0 && s.charCodeAt(p + 7) === sep && digit(s, p + 10) < 0) {
    const t = s.charCodeAt(p + 10);
    if (t === 84 || t === 32 || t === 116) {
      const e = readTime(s, p + 11, t !== 32, false);
      if (e >= 0) return finish(y, mo2, d2v, readZone(s, e), KIND_GENERAL);
    }
    return dateTail(s, p + 10, y, mo2, d2v, flags);
  }
  let mo: number;
  let q: number;
  const m = monthAt(s, p + 5);
  if (m > 0 && sep === 45) {
    mo = m;
    q = p + 8;
  } else {
    q = read12(s, p + 5);
    if (q < 0) return false;
    mo = num;
  }
  if (s.charCodeAt(q) !== sep) return false;
  q = read12(s, q + 1);
  if (q < 0) return false;
  return dateTail(s, q, y, mo, num, flags);
}

/**
 * HealthApp `yyyyMMdd-H:M:S:mmm`, written by Java's `H:m:s:S`: every field of the time may be
 * unpadded (`22:16:0:119`) and the milliseconds are an integer (`:11` is 11 ms).
 */
function scanHealthApp(s: string, p: number, y: number, mo: number, d: number): boolean {
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

/** `yyyyMMdd` or `yyMMdd` (n digits at p), then `HHmmss` or a time with colons. */
function scanCompactDate(s: string, p: number, n: number, flags: number): boolean {
  const y = n === 8 ? d4(s, p) : 2000 + d2(s, p);
  const o = n - 4;
  const mo = d2(s, p + o);
  const d = d2(s, p + o + 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 2199) return false;
  const q = p + n;
  const sep = s.charCodeAt(q);
  // `20171223-22:15:29:606` (HealthApp: unpadded fields, integer milliseconds after a colon).
  if (n === 8 && sep === 45 && scanHealthApp(s, p, y, mo, d)) return true;
  if (sep === 32 || sep === 84 || sep === 45 || sep === 95) {
    let r = q + 1;
    if (sep === 32 && s.charCodeAt(r) === 32) r++;
    let e = readCompactTime(s, r);
    if (e >= 0) return finish(y, mo, d, readZone(s, e), KIND_GENERAL);
    e = readTime(s, r, false, sep === 32);
    if (e >= 0) return finish(y, mo, d, readZone(s, e), KIND_GENERAL);
  }
  if (n === 8) return dateTail(s, q, y, mo, d, flags);
  return false;
}

/** An epoch number of n digits at p (s with an optional fraction, ms, µs, ns), within 2000–2100. */
function scanEpoch(s: string, p: number, n: number): boolean {
  let sec = 0;
  for (let i = 0; i < 10; i++) sec = sec * 10 + (s.charCodeAt(p + i) - 48);
  if (sec < EPOCH_MIN_S || sec >= EPOCH_MAX_S) return false;
  let ms = 0;
  let end = p + n;
  if (n === 10) {
    if (s.charCodeAt(end) === 46 && digit(s, end + 1) >= 0) {
      let scale = 100;
      end++;
      for (let v = digit(s, end); v >= 0; v = digit(s, ++end)) {
        ms += v * scale;
        scale /= 10;
      }
    }
  } else {
    // The three digits after the seconds are the milliseconds whatever the unit.
    ms = d2(s, p + 10) * 10 + digit(s, p + 12);
  }
  const after = s.charCodeAt(end);
  // A colon ends the stamp only as a separator (mosquitto's `1796055646: message`); `…:456`
  // or `…:x` glues the number to something else (an id, a port).
  if (after === 58) {
    const next = s.charCodeAt(end + 1);
    if (end + 1 < s.length && next !== 32 && next !== 9) return false;
  } else if (isAlnum(after) || after === 45 || after === 47 || after === 46) return false;
  scanned.ts = sec * 1000 + Math.floor(ms);
  scanned.end = end;
  scanned.kind = KIND_EPOCH;
  scanned.yearless = false;
  scanned.y = new Date(scanned.ts).getUTCFullYear();
  scanned.zone = 0;
  scanned.order = 0;
  return true;
}

/**
 * `a/b/yyyy`, `a.b.yyyy`, `a-b-yyyy` (numbers of 1-2 digits): day and month order from the values
 * when one is over 12, else from dateOrder.hint, else from the separator.
 */
function scanNumericDate(s: string, p: number, a: number, q: number, sep: number, flags: number, now: number | undefined): boolean {
  q = read12(s, q + 1);
  if (q < 0) return false;
  const b = num;
  if (s.charCodeAt(q) === 32 && sep !== 45) {
    // `10.30 16:49:06`, `11/28 03:29:09`: month and day without a year, then a time.
    const end = readTime(s, q + 1, false, false);
    if (end < 0) return false;
    const dayFirst = a > 12 ? true : b > 12 ? false : dateOrder.hint !== 0 ? dateOrder.hint === 1 : false;
    return finishYearless(dayFirst ? b : a, dayFirst ? a : b, end, KIND_GENERAL, now);
  }
  if (s.charCodeAt(q) !== sep) return false;
  const y = d4(s, q + 1);
  if (y < 1970 || digit(s, q + 5) >= 0) return false;
  let dayFirst: boolean;
  let order = 0;
  if (a > 12 && b <= 12) {
    dayFirst = true;
    order = 1;
  } else if (b > 12 && a <= 12) {
    dayFirst = false;
    order = 2;
  } else if (dateOrder.hint !== 0) dayFirst = dateOrder.hint === 1;
  else dayFirst = sep !== 47;
  if (!dateTail(s, q + 5, y, dayFirst ? b : a, dayFirst ? a : b, flags)) return false;
  scanned.order = order;
  return true;
}

/** `dd Mon yyyy`, `dd-Mon-yyyy`, `dd/Mon/yyyy` (CLF, with `:` before the time), Erlang `dd-Mon-yyyy::`. */
function scanDayMonthName(s: string, p: number, d: number, q: number, flags: number): boolean {
  const sep = s.charCodeAt(q);
  const mo = monthAt(s, q + 1);
  if (mo === 0) return false;
  const e = monthEnd(s, q + 1, mo);
  if (e < 0 || s.charCodeAt(e) !== sep) return false;
  const y = d4(s, e + 1);
  if (y < 0 || digit(s, e + 5) >= 0) return false;
  return dateTail(s, e + 5, y, mo, d, flags);
}

/** Timestamps starting with a digit. */
function scanDigits(s: string, p: number, now: number | undefined, flags: number): boolean {
  let q = p;
  while (q - p < 20 && digit(s, q) >= 0) q++;
  const n = q - p;
  const sep = s.charCodeAt(q);
  if (n === 4) {
    if (sep === 45 || sep === 47 || sep === 46) return scanYearFirst(s, p, flags);
    return false;
  }
  if (n === 8 || n === 6) {
    if (scanCompactDate(s, p, n, flags)) return true;
    return false;
  }
  if (n === 10 || n === 13 || n === 16 || n === 19) return (flags & SCAN_EPOCH) !== 0 && scanEpoch(s, p, n);
  if (n !== 1 && n !== 2) return false;
  const a = n === 2 ? d2(s, p) : digit(s, p);
  if (sep === 47) {
    // yy/MM/dd HH:mm:ss (log4j's `%d{yy/MM/dd HH:mm:ss}`, Spark)
    if (n === 2 && d2(s, q + 1) >= 0 && s.charCodeAt(q + 3) === 47 && d2(s, q + 4) >= 0 && s.charCodeAt(q + 6) === 32) {
      const mo = d2(s, q + 1);
      const d = d2(s, q + 4);
      const end = readTime(s, q + 7, false, false);
      if (end < 0) return false;
      return finish(2000 + a, mo, d, readZone(s, end), KIND_GENERAL);
    }
    if (isLetter(s.charCodeAt(q + 1))) return scanDayMonthName(s, p, a, q, flags);
    return scanNumericDate(s, p, a, q, sep, flags, now);
  }
  if (sep === 45) {
    // logcat `MM-dd HH:mm:ss.SSS`
    if (n === 2 && d2(s, q + 1) >= 0 && s.charCodeAt(q + 3) === 32) {
      const d = d2(s, q + 1);
      const end = readTime(s, q + 4, false, false);
      if (end < 0) return false;
      return finishYearless(a, d, end, KIND_LOGCAT, now);
    }
    if (isLetter(s.charCodeAt(q + 1))) return scanDayMonthName(s, p, a, q, flags);
    return scanNumericDate(s, p, a, q, sep, flags, now);
  }
  if (sep === 46) return scanNumericDate(s, p, a, q, sep, flags, now);
  if (sep === 32) {
    if (isLetter(s.charCodeAt(q + 1))) return scanDayMonthName(s, p, a, q, flags);
    return false;
  }
  if (sep === 58 && (flags & SCAN_TIME) !== 0) {
    const end = readTime(s, p, false, true);
    if (end < 0) return false;
    readZone(s, end);
    return finishTimeOnly(end, now);
  }
  return false;
}

/** Day of month written as `dd`, ` d` or `d` followed by a blank or comma; returns the end (value in num) or -1. */
function dayAt(s: string, p: number): number {
  if (s.charCodeAt(p) === 32) p++;
  const e = read12(s, p);
  if (e < 0 || num < 1) return -1;
  return e;
}

/** `Mon dd HH:mm:ss` (syslog, no year; or with the year after the time), `Mon dd[,] yyyy[,] time`. */
function scanMonthFirst(s: string, p: number, mo: number, now: number | undefined, flags: number): boolean {
  const e = monthEnd(s, p, mo);
  if (e < 0 || s.charCodeAt(e) !== 32) return false;
  let q = dayAt(s, e + 1);
  if (q < 0) return false;
  const d = num;
  if (s.charCodeAt(q) === 44) q++;
  if (s.charCodeAt(q) !== 32) return false;
  q++;
  const y = d4(s, q);
  if (y >= 1970 && !isAlnum(s.charCodeAt(q + 4)) && s.charCodeAt(q + 4) !== 58) {
    let r = q + 4;
    if (s.charCodeAt(r) === 44) r++;
    return dateTail(s, r, y, mo, d, flags);
  }
  const end = readTime(s, q, false, true);
  if (end < 0) return false;
  // Some daemons add the year after the time (`Nov 28 03:29:09 2026 …`): use it when present.
  if (s.charCodeAt(end) === 32) {
    const yy = d4(s, end + 1);
    const after = s.charCodeAt(end + 5);
    if (yy >= 1970 && (end + 5 === s.length || after === 32 || after === 58)) {
      zoneMin = NO_ZONE;
      return finish(yy, mo, d, end + 5, KIND_SYSLOG);
    }
  }
  return finishYearless(mo, d, end, KIND_SYSLOG, now);
}

/** ctime `Sun Dec 04 04:47:44[.uuuuuu] [UTC ]2005`; RFC 2822 `Tue, 15 Nov 1994 08:12:31 GMT`. */
function scanDayName(s: string, p: number, flags: number): boolean {
  let q = p + 3;
  while (isLetter(s.charCodeAt(q)) && q - p < 10) q++;
  if (s.charCodeAt(q) === 44) q++;
  if (s.charCodeAt(q) !== 32) return false;
  q++;
  if (digit(s, q) >= 0) {
    const e = read12(s, q);
    if (e < 0 || s.charCodeAt(e) !== 32) return false;
    return scanDayMonthName(s, q, num, e, flags);
  }
  const mo = monthAt(s, q);
  if (mo === 0) return false;
  const me = monthEnd(s, q, mo);
  if (me < 0 || s.charCodeAt(me) !== 32) return false;
  const de = dayAt(s, me + 1);
  if (de < 0 || s.charCodeAt(de) !== 32) return false;
  const d = num;
  const end = readTime(s, de + 1, false, true);
  if (end < 0 || s.charCodeAt(end) !== 32) return false;
  let r = end + 1;
  // date(1) puts the zone name before the year: `Sat Nov 28 03:29:09 UTC 2026`.
  let utc = false;
  if (s.startsWith('UTC ', r) || s.startsWith('GMT ', r)) {
    utc = true;
    r += 4;
  }
  const y = d4(s, r);
  if (y < 0 || digit(s, r + 4) >= 0) return false;
  zoneMin = utc ? 0 : NO_ZONE;
  return finish(y, mo, d, r + 4, KIND_GENERAL);
}

/**
 * Tries every timestamp shape at p. On success fills `scanned` and returns true. `flags` says
 * whether a date alone (SCAN_DATE), an epoch number (SCAN_EPOCH) or a time alone (SCAN_TIME) count.
 */
export function scanTimestamp(s: string, p: number, now: number | undefined, f: number): boolean {
  scanned.order = 0;
  const c = s.charCodeAt(p);
  if (c >= 48 && c <= 57) return scanDigits(s, p, now, f);
  if (c === 91 || c === 40) {
    // A bracketed timestamp: `[2024-01-01 12:00:00]`, Apache's `[Sun Dec 04 …]`, CLF's `[10/Oct/2000:…]`.
    const n = s.charCodeAt(p + 1);
    if (n === 91 || n === 40 || !scanTimestamp(s, p + 1, now, f)) return false;
    const close = c === 91 ? 93 : 41;
    if (s.charCodeAt(scanned.end) === close) scanned.end++;
    return true;
  }
  if (isLetter(c)) {
    const mo = monthAt(s, p);
    if (mo > 0) return scanMonthFirst(s, p, mo, now, f);
    if (isDayNameAt(s, p)) return scanDayName(s, p, f);
  }
  return false;
}

/** Gives a year-less stamp in `scanned` the year y (found elsewhere in the line), keeping it within a year before `ref`. */
export function adoptYear(y: number): void {
  if (!isValidDateTime(y, scanned.mo, scanned.d, scanned.h, scanned.mi, scanned.s)) return;
  scanned.ts = localTime(y, scanned.mo, scanned.d, scanned.h, scanned.mi, scanned.s, scanned.ms);
  scanned.y = y;
  scanned.yearless = false;
}

/** glog/klog `Lmmdd hh:mm:ss.uuuuuu` at p, where s[p] is the level letter (the caller reads it). */
export function scanGlog(s: string, p: number, now: number | undefined): boolean {
  const mo = d2(s, p + 1);
  const d = d2(s, p + 3);
  if (mo < 0 || d < 0 || s.charCodeAt(p + 5) !== 32) return false;
  const end = readTime(s, p + 6, false, false);
  if (end < 0) return false;
  return finishYearless(mo, d, end, KIND_GENERAL, now);
}

/** Fills `scanned` from fields read by someone else (a --timestamp-format): local unless zone is given. */
export function finishFields(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number, zone: number, now: number | undefined): boolean {
  tH = h;
  tMi = mi;
  tS = sec;
  tMs = ms;
  zoneMin = zone;
  if (y < 0) return finishYearless(mo, d, 0, KIND_GENERAL, now);
  return finish(y, mo, d, 0, KIND_GENERAL);
}
