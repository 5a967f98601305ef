// Timestamps given on their own (a JSON field, an API record's `ts`, a query's `from`): epoch
// numbers of any common unit, and every textual form the line parser knows.
import { SCAN_DATE, scanned, scanTimestamp } from './timestamp.js';

// Epoch values are told apart by magnitude: seconds below 1e11 (year 5138), then ms, µs, ns.
// Anything below 1e8 seconds (1973) is more likely a count or a duration than a time.
const MIN_SECONDS = 1e8;

/** ms since epoch of an epoch number in s, ms, µs or ns (chosen by magnitude); undefined if implausible. */
export function epochToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n < MIN_SECONDS) return undefined;
  if (n < 1e11) return Math.floor(n * 1000 + 1e-3);
  if (n < 1e14) return Math.floor(n);
  if (n < 1e17) return Math.floor(n / 1e3);
  if (n < 1e20) return Math.floor(n / 1e6);
  return undefined;
}

/** Digits with an optional fraction ("1700000000", "1700000000.123456"), read without losing ns precision. */
function epochFromDigits(s: string): number | undefined {
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  if (int === '' || !/^\d+$/.test(int) || (dot >= 0 && !/^\d+$/.test(frac))) return undefined;
  const digits = int.replace(/^0+(?=\d)/, '');
  const k = digits.length;
  if (k <= 11) {
    const seconds = Number(digits);
    if (seconds < MIN_SECONDS) return undefined;
    return seconds * 1000 + Number((frac + '000').slice(0, 3));
  }
  if (k <= 14) return Number(digits);
  if (k <= 17) return Number(digits.slice(0, k - 3));
  if (k <= 20) return Number(digits.slice(0, k - 6));
  return undefined;
}

/**
 * ms since epoch of a timestamp given as a string: ISO-8601/RFC 3339 (zone-less = local time),
 * the seed's `YYYY-MM-DD HH:MM:SS.mmm`, syslog, CLF, Apache, epoch s/ms/µs/ns digits, RFC 2822.
 * `now` (ms) places year-less forms. Undefined when the text is not a timestamp.
 */
export function parseTimestamp(text: string, now?: number): number | undefined {
  const s = text.trim();
  if (s === '' || s.length > 100) return undefined;
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const last = s.charCodeAt(s.length - 1);
    if (last >= 48 && last <= 57 && /^\d+(\.\d+)?$/.test(s)) return epochFromDigits(s);
  }
  if (scanTimestamp(s, 0, now, SCAN_DATE) && scanned.end === s.length) return scanned.ts;
  // RFC 2822 and JavaScript's Date#toString ("Tue, 15 Nov 1994 08:12:31 GMT"): left to Date,
  // but only when the text has a four-digit year and a time, since Date.parse accepts nonsense.
  if (((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) && /\b\d{4}\b/.test(s) && /\d:\d\d/.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
