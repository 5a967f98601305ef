// Finds the level of a plain line where loggers put it — right after the timestamp, in
// brackets, as `level=` — never anywhere in the text: "no errors found", "error_count=0",
// "/api/error" or "ErrorBoundary" say nothing about the line's level.
import { normalizeLevel, type Level } from '../levels.js';

/** After a timestamp: a few tokens may precede the level (`[main]`, a logger name, a host). */
export const MODE_AFTER_TIME = 0;
/** At the start of a line with no timestamp: only the first token (`ERROR: …`, `[WARN] …`, `WARN …`). */
export const MODE_LINE_START = 1;
/** After a syslog `host prog[pid]:` header: only `[level]`, `level=x` or `ERROR:` (colon and capitals). */
export const MODE_STRICT = 2;

/** Where the token holding the last level found by scanLevel ended. */
export const levelToken = { end: 0 };

interface Word {
  text: string;
  level: Level;
  /** A strong word may stand alone in capitals (`ERROR`); a weak one (`ALERT`, `FINE`) needs brackets or a colon. */
  strong: boolean;
}

const STRONG = ['trace', 'trc', 'debug', 'dbg', 'info', 'inf', 'notice', 'warn', 'warning', 'wrn', 'error', 'err', 'eror', 'severe', 'crit', 'critical', 'fatal', 'ftl', 'panic', 'verbose'];
const WEAK = ['alert', 'emerg', 'emergency', 'information', 'informational', 'fine', 'finer', 'finest'];

// Level words grouped by length, lowercase, so a token is compared only with words of its size.
const WORDS_BY_LENGTH: Word[][] = [];
for (const [list, strong] of [[STRONG, true], [WEAK, false]] as const) {
  for (const text of list) {
    const level = normalizeLevel(text);
    if (!level) throw new Error(`The level word "${text}" has no level in levels.ts.`);
    (WORDS_BY_LENGTH[text.length] ??= []).push({ text, level, strong });
  }
}

/** Matches s[start, end) (ASCII letters) against the level words, ignoring case. */
function wordAt(s: string, start: number, end: number): Word | undefined {
  const candidates = WORDS_BY_LENGTH[end - start];
  if (candidates === undefined) return undefined;
  outer: for (const w of candidates) {
    for (let i = 0; i < w.text.length; i++) {
      if ((s.charCodeAt(start + i) | 0x20) !== w.text.charCodeAt(i)) continue outer;
    }
    return w;
  }
  return undefined;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isUpperRun(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 65 || c > 90) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function skipLetters(s: string, p: number): number {
  while (isLetter(s.charCodeAt(p))) p++;
  return p;
}

function skipToSpace(s: string, p: number): number {
  const n = s.length;
  while (p < n && !isSpace(s.charCodeAt(p))) p++;
  return p;
}

/** Is s[start, end) one of the keys that name a level in `key=value` text? */
function isLevelKey(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n !== 5 && n !== 3 && n !== 8) return false;
  const k = s.slice(start, end).toLowerCase();
  return k === 'level' || k === 'lvl' || k === 'severity' || k === 'loglevel';
}

/** `[level]`, `[ level ]`, `[module:level]` (Apache 2.4) at p, any case; the level or undefined. */
function bracketedLevel(s: string, p: number): Level | undefined {
  let q = p + 1;
  while (s.charCodeAt(q) === 32) q++;
  let start = q;
  let end = skipLetters(s, q);
  if (s.charCodeAt(end) === 58 && isLetter(s.charCodeAt(end + 1))) {
    start = end + 1;
    end = skipLetters(s, start);
  }
  q = end;
  while (s.charCodeAt(q) === 32) q++;
  if (end === start || s.charCodeAt(q) !== 93) return undefined;
  const w = wordAt(s, start, end);
  if (w === undefined) return undefined;
  levelToken.end = q + 1;
  return w.level;
}

const PHP_LEVELS: readonly [string, Level][] = [
  ['Fatal error:', 'fatal'],
  ['Parse error:', 'error'],
  ['Warning:', 'warn'],
  ['Notice:', 'info'],
  ['Deprecated:', 'warn'],
];

/** PHP's error log names the level after "PHP ": `PHP Warning:  …`, `PHP Fatal error:  …`. */
function phpLevel(s: string, p: number): Level | undefined {
  for (const [text, level] of PHP_LEVELS) {
    if (s.startsWith(text, p)) {
      levelToken.end = p + text.length;
      return level;
    }
  }
  return undefined;
}

/**
 * Looks for a level in the first tokens from p (how many and how strictly depends on the mode).
 * Returns the level, with levelToken.end set to the end of its token, or undefined.
 */
export function scanLevel(s: string, p: number, mode: number): Level | undefined {
  const n = s.length;
  const maxTokens = mode === MODE_AFTER_TIME ? 3 : 1;
  for (let t = 0; t < maxTokens; t++) {
    // Separators between a timestamp and the level: spaces, ` - `, `|`, `:`.
    let c = s.charCodeAt(p);
    while (c === 32 || c === 9 || c === 45 || c === 124 || c === 58) c = s.charCodeAt(++p);
    if (p >= n) return undefined;
    if (c === 91) {
      const level = bracketedLevel(s, p);
      if (level !== undefined) return level;
    } else if (isLetter(c)) {
      const end = skipLetters(s, p);
      const term = s.charCodeAt(end);
      if (term === 46 && t === 0 && isLetter(s.charCodeAt(end + 1))) {
        // Monolog/Laravel `production.ERROR:`: the level is the part after the channel's dot.
        const start = end + 1;
        const e = skipLetters(s, start);
        if (s.charCodeAt(e) === 58 && isUpperRun(s, start, e)) {
          const w = wordAt(s, start, e);
          if (w !== undefined) {
            levelToken.end = e + 1;
            return w.level;
          }
        }
      }
      if (t === 0 && term === 32 && end - p === 3 && s.startsWith('PHP', p)) {
        const level = phpLevel(s, end + 1);
        if (level !== undefined) return level;
      }
      if (term === 61 && isLevelKey(s, p, end)) {
        // level=warn, level="warn"
        let v = end + 1;
        if (s.charCodeAt(v) === 34) v++;
        const vEnd = skipLetters(s, v);
        const w = vEnd > v ? wordAt(s, v, vEnd) : undefined;
        if (w !== undefined) {
          levelToken.end = vEnd;
          return w.level;
        }
      } else if (end >= n || term === 32 || term === 9 || term === 58 || term === 124 || term === 13) {
        const w = wordAt(s, p, end);
        if (w !== undefined) {
          const caps = isUpperRun(s, p, end);
          // The seed's pattern allows blanks before the colon: `info : text`.
          let colonAt = end;
          while (s.charCodeAt(colonAt) === 32) colonAt++;
          const colon = s.charCodeAt(colonAt) === 58;
          const ok =
            mode === MODE_STRICT
              ? caps && colon
              : (caps && (w.strong || colon)) || (colon && t === 0 && w.strong);
          if (ok) {
            levelToken.end = colon ? colonAt + 1 : end;
            return w.level;
          }
        }
      }
    }
    p = skipToSpace(s, p);
  }
  return undefined;
}

/** The one-letter level column of Android logcat (`V D I W E F A`), read only at that column. */
export function letterLevel(c: number): Level | undefined {
  switch (c) {
    case 86: return 'trace';
    case 68: return 'debug';
    case 73: return 'info';
    case 87: return 'warn';
    case 69: return 'error';
    case 70:
    case 65: return 'fatal';
    default: return undefined;
  }
}
