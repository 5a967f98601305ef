// Calendar arithmetic for the parser's hot path: turning date fields into ms since epoch
// without building a Date per line. Zoned times are pure arithmetic; zone-less (local) times
// use the midnight of their day, cached, because `new Date(y, m, d, …)` costs about as much
// as the rest of a line's parsing together.

const DAY_MS = 86_400_000;

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1-12); Howard Hinnant's days_from_civil. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Number of days in a month (1-12) of a Gregorian year. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True when the fields name a real date and time (seconds up to 60 for a leap second). */
export function isValidDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

/** ms since epoch of a time written with a UTC offset in minutes (east positive). */
export function zonedTime(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): number {
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi - offsetMin) * 60 + s) * 1000 + ms;
}

// Midnight of recently seen local days. A day whose length is not 24 h (a DST change) is stored
// as NaN so its times go through Date, which knows where in the day the clock jumped. Two slots
// sit in front of the map because a batch often alternates between two sources' days.
let slotKeyA = -1;
let slotStartA = 0;
let slotKeyB = -1;
let slotStartB = 0;
const dayStarts = new Map<number, number>();

function localDayStart(y: number, mo: number, d: number): number {
  const key = (y * 16 + mo) * 32 + d;
  if (key === slotKeyA) return slotStartA;
  if (key === slotKeyB) {
    // Swap so the most recent day is checked first.
    const start = slotStartB;
    slotKeyB = slotKeyA;
    slotStartB = slotStartA;
    slotKeyA = key;
    slotStartA = start;
    return start;
  }
  let start = dayStarts.get(key);
  if (start === undefined) {
    const midnight = newLocalDate(y, mo, d, 0, 0, 0, 0);
    const next = newLocalDate(y, mo, d + 1, 0, 0, 0, 0);
    const regular = next - midnight === DAY_MS && new Date(midnight).getHours() === 0;
    start = regular ? midnight : NaN;
    // Bounded: logs move forward in time, so old days are rarely needed again.
    if (dayStarts.size >= 4096) dayStarts.clear();
    dayStarts.set(key, start);
  }
  slotKeyB = slotKeyA;
  slotStartB = slotStartA;
  slotKeyA = key;
  slotStartA = start;
  return start;
}

function newLocalDate(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  // The Date constructor maps years 0-99 to 1900-1999; set the year explicitly for those.
  if (y >= 0 && y < 100) date.setFullYear(y);
  return date.getTime();
}

/** ms since epoch of a zone-less time, read as local time of this process (as `new Date(y, m, d, …)`). */
export function localTime(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const start = localDayStart(y, mo, d);
  if (start !== start) return newLocalDate(y, mo, d, h, mi, s, ms);
  return start + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

// The local year that contains a given instant, cached by the bounds of that year.
let yearFrom = 0;
let yearTo = -1;
let yearValue = 0;

/** The local calendar year containing the instant `now` (ms). */
export function localYearOf(now: number): number {
  if (now >= yearFrom && now < yearTo) return yearValue;
  const y = new Date(now).getFullYear();
  yearValue = y;
  yearFrom = newLocalDate(y, 1, 1, 0, 0, 0, 0);
  yearTo = newLocalDate(y + 1, 1, 1, 0, 0, 0, 0);
  return y;
}

/**
 * ms since epoch of a local time written without a year (syslog, logcat, glog): the year of
 * `now`, or the year before when that would put the line more than a day in the future
 * (a December line read in January).
 */
export function yearlessLocalTime(mo: number, d: number, h: number, mi: number, s: number, ms: number, now: number): number | undefined {
  const y = localYearOf(now);
  if (isValidDateTime(y, mo, d, h, mi, s)) {
    const t = localTime(y, mo, d, h, mi, s, ms);
    if (t <= now + DAY_MS) return t;
  }
  if (isValidDateTime(y - 1, mo, d, h, mi, s)) return localTime(y - 1, mo, d, h, mi, s, ms);
  return undefined;
}

/** Forgets the cached midnights and year bounds; call after changing process.env.TZ at run time. */
export function resetLocalTimeCache(): void {
  slotKeyA = slotKeyB = -1;
  dayStarts.clear();
  yearFrom = 0;
  yearTo = -1;
}
