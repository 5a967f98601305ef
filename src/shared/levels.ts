// The level vocabulary shared by every part: stored as a small integer, shown as a name.

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'] as const;
export type Level = (typeof LEVELS)[number];

/** Numeric code stored in the database (column `level`); order follows severity, unknown last. */
export const LEVEL_CODE: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, unknown: 6 };

const LEVEL_BY_CODE: Level[] = [];
for (const l of LEVELS) LEVEL_BY_CODE[LEVEL_CODE[l]] = l;

/** The level stored as `code` (LEVEL_CODE); unknown for a code we do not know. */
export function levelFromCode(code: number): Level {
  return LEVEL_BY_CODE[code] ?? 'unknown';
}

export function isLevel(x: unknown): x is Level {
  return typeof x === 'string' && (LEVELS as readonly string[]).includes(x);
}

const ALIASES: Record<string, Level> = {
  trace: 'trace', trc: 'trace', finest: 'trace', finer: 'trace', verbose: 'trace', v: 'trace',
  debug: 'debug', dbg: 'debug', fine: 'debug', d: 'debug',
  info: 'info', inf: 'info', information: 'info', informational: 'info', notice: 'info', i: 'info',
  warn: 'warn', warning: 'warn', wrn: 'warn', w: 'warn',
  error: 'error', err: 'error', eror: 'error', severe: 'error', e: 'error',
  fatal: 'fatal', ftl: 'fatal', crit: 'fatal', critical: 'fatal', alert: 'fatal', emerg: 'fatal', emergency: 'fatal', panic: 'fatal', f: 'fatal', a: 'fatal',
};

/**
 * Maps a level word as found in logs or fields ("WARNING", "err", "E", "Critical") to our level.
 * Single letters are accepted only when `allowLetter` is set (logcat and glog columns), since a
 * lone letter elsewhere is rarely a level.
 */
export function normalizeLevel(word: string | undefined | null, allowLetter = false): Level | undefined {
  if (!word) return undefined;
  const w = word.trim().toLowerCase();
  if (w.length === 1 && !allowLetter) return undefined;
  return ALIASES[w];
}

/** Maps a pino/bunyan number (10 trace … 60 fatal); for syslog severities see levelFromSyslogSeverity. */
export function levelFromNumber(n: number): Level | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (n >= 10 && n <= 60 && n % 10 === 0) return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as Level[])[n / 10 - 1];
  return undefined;
}

const SYSLOG_SEVERITY: readonly Level[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];

/** Maps a syslog severity (PRI & 7: 0 emerg, 1 alert, 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug). */
export function levelFromSyslogSeverity(n: number): Level | undefined {
  return Number.isInteger(n) && n >= 0 && n <= 7 ? SYSLOG_SEVERITY[n] : undefined;
}

/** Parses the `level=` query parameter: one name or a comma list; returns the invalid names too. */
export function parseLevelList(text: string): { levels: Level[]; invalid: string[] } {
  const levels: Level[] = [];
  const invalid: string[] = [];
  for (const part of text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const l = isLevel(part) ? part : normalizeLevel(part);
    if (l) {
      if (!levels.includes(l)) levels.push(l);
    } else invalid.push(part);
  }
  return { levels, invalid };
}
