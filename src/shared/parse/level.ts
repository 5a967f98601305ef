// Finds the level of a plain line by its shape: a level word standing as its own token in the
// line's header — any case, bracketed or not, with or without a colon — never a word of the
// free-text message ("user clicked the ERROR report button", "no errors found", "error_count=0",
// "/api/error" and "ErrorBoundary" say nothing about the line's level).
//
// Where does the header end? Headers are made of timestamps, bracketed groups (`[main]`,
// `{file.py:12}`), numbers (pids, thread ids), separators (`-`, `|`, `--`, `:`), identifiers
// with punctuation (`web-1`, `o.e.n.Node`, `QuorumPeer@123`), a few capitalised columns
// (`RAS KERNEL INFO`) and at most one lowercase word set off as a column (`- payments -`).
// The first token that reads as prose — a capitalised word, a lowercase word followed by a
// single blank, a quote — ends it; so does a `program:` token, after which only the strictest
// forms (`ERROR:`, `[warn]`, `level=warn`) count.
import { normalizeLevel, type Level } from '../levels.js';

/** Tokens of a header walked when looking for its level. */
export const MAX_HEADER_TOKENS = 8;

/** Where the token holding the last level found by scanLevel ended (the message starts after it). */
export const levelToken = { end: 0 };

/** A word only counts when bracketed, or (LOG) in capitals with a colon. */
const WEAK = 1;
/** A word that may stand alone in capitals (`ERROR`); other cases need a mark (brackets, colon, column break). */
const STRONG = 0;

interface Word {
  text: string;
  level: Level;
  kind: number;
}

// The vocabulary: the names loggers write for their levels (JUL's FINE…, syslog's NOTICE…,
// .NET's dbug/trce/fail/crit, Serilog's INF/WRN, PostgreSQL's LOG, MySQL's Note/System).
const VOCABULARY: [string, Level, number][] = [
  ['trace', 'trace', STRONG], ['trc', 'trace', STRONG], ['trce', 'trace', STRONG], ['finest', 'trace', STRONG], ['finer', 'trace', STRONG], ['verbose', 'trace', STRONG], ['vrb', 'trace', STRONG],
  ['debug', 'debug', STRONG], ['dbg', 'debug', STRONG], ['dbug', 'debug', STRONG], ['fine', 'debug', STRONG], ['config', 'debug', WEAK],
  ['info', 'info', STRONG], ['inf', 'info', STRONG], ['information', 'info', STRONG], ['informational', 'info', STRONG], ['notice', 'info', STRONG], ['ntc', 'info', STRONG],
  ['log', 'info', WEAK], ['note', 'info', WEAK], ['system', 'info', WEAK],
  ['warn', 'warn', STRONG], ['warning', 'warn', STRONG], ['wrn', 'warn', STRONG], ['wrng', 'warn', STRONG],
  ['error', 'error', STRONG], ['err', 'error', STRONG], ['eror', 'error', STRONG], ['erro', 'error', STRONG], ['severe', 'error', STRONG], ['fail', 'error', STRONG], ['failure', 'error', STRONG],
  ['crit', 'fatal', STRONG], ['critical', 'fatal', STRONG], ['crt', 'fatal', STRONG], ['alert', 'fatal', STRONG], ['emerg', 'fatal', STRONG], ['emergency', 'fatal', STRONG],
  ['fatal', 'fatal', STRONG], ['ftl', 'fatal', STRONG], ['panic', 'fatal', STRONG], ['pnc', 'fatal', STRONG],
];

// Level words grouped by length and first letter (lowercase), so a token is compared only with
// the one or two words that could match it: every header token goes through here.
const MAX_WORD = 13;
const WORDS_BY_SHAPE: (Word[] | undefined)[] = [];
for (const [text, level, kind] of VOCABULARY) (WORDS_BY_SHAPE[text.length * 32 + (text.charCodeAt(0) & 31)] ??= []).push({ text, level, kind });

/** Matches s[start, end) (ASCII letters) against the level words, ignoring case. */
function wordAt(s: string, start: number, end: number): Word | undefined {
  const n = end - start;
  if (n > MAX_WORD || n < 3) return undefined;
  const candidates = WORDS_BY_SHAPE[n * 32 + (s.charCodeAt(start) & 31)];
  if (candidates === undefined) return undefined;
  outer: for (let j = 0; j < candidates.length; j++) {
    const w = candidates[j];
    for (let i = 0; i < n; i++) {
      if ((s.charCodeAt(start + i) | 0x20) !== w.text.charCodeAt(i)) continue outer;
    }
    return w;
  }
  return undefined;
}

/** The level named by a word (any case, the whole vocabulary above); for overrides and fields. */
export function levelFromWord(text: string): Level | undefined {
  const t = text.trim();
  const w = wordAt(t, 0, t.length);
  return w?.level ?? normalizeLevel(t, true);
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

function isLowerRun(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 97 || c > 122) return false;
  }
  return true;
}

function skipLetters(s: string, p: number): number {
  while (isLetter(s.charCodeAt(p))) p++;
  return p;
}

function skipBlanks(s: string, p: number): number {
  while (s.charCodeAt(p) === 32) p++;
  return p;
}

function skipToSpace(s: string, p: number, limit: number): number {
  while (p < limit) {
    const c = s.charCodeAt(p);
    if (c === 32 || c === 9) break;
    p++;
  }
  return p;
}

/** Is s[start, end) one of the keys that name a level in `key=value` text? */
function isLevelKey(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n === 5) return isLowerWord(s, start, 'level');
  if (n === 3) return isLowerWord(s, start, 'lvl');
  if (n === 8) return isLowerWord(s, start, 'severity') || isLowerWord(s, start, 'loglevel');
  return false;
}

/** Is s at p the lowercase ASCII word w, in any case? (No substring: this runs on header tokens.) */
function isLowerWord(s: string, p: number, w: string): boolean {
  for (let i = 0; i < w.length; i++) if ((s.charCodeAt(p + i) | 0x20) !== w.charCodeAt(i)) return false;
  return true;
}

/**
 * The inside of `[level]`, `[ level ]`, `[INFO ]`, `[module:level]` (Apache 2.4), `(level)`,
 * `<level>`, `{level}` at p (the opening bracket), any case; the level or undefined.
 */
function bracketedLevel(s: string, p: number, close: number): Level | undefined {
  let q = p + 1;
  while (s.charCodeAt(q) === 32) q++;
  let start = q;
  let end = skipLetters(s, q);
  if (s.charCodeAt(end) !== 58 && s.charCodeAt(end) !== close) {
    // A module name with digits, `_` or `-` before the colon: `[mpm_event:notice]`, `[proxy_http2:error]`.
    let m = end;
    while (m - q < 40 && (isLetter(s.charCodeAt(m)) || (s.charCodeAt(m) >= 48 && s.charCodeAt(m) <= 57) || s.charCodeAt(m) === 95 || s.charCodeAt(m) === 45)) m++;
    if (s.charCodeAt(m) === 58) end = m;
  }
  if (s.charCodeAt(end) === 58 && isLetter(s.charCodeAt(end + 1))) {
    start = end + 1;
    end = skipLetters(s, start);
  }
  q = end;
  while (s.charCodeAt(q) === 32) q++;
  if (end === start || s.charCodeAt(q) !== close) return undefined;
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

const CLOSERS: Record<number, string> = { 93: ']', 41: ')', 125: '}', 62: '>' };

function closerOf(c: number): number {
  return c === 91 ? 93 : c === 40 ? 41 : c === 123 ? 125 : 62;
}

/**
 * Is the level word s[p, e) (terminated by `term`) written as a level? Capitals stand alone;
 * any case counts when marked: a colon (after optional blanks), a closing bracket, `|`, a tab,
 * two blanks or ` -` (a padded column), `/` (Celery's `INFO/MainProcess`), or the line's end.
 * Returns the end of the level's token (past a colon), or -1.
 */
function acceptWord(s: string, w: Word, p: number, e: number, term: number, strict: boolean): number {
  const caps = isUpperRun(s, p, e);
  let colonAt = e;
  while (s.charCodeAt(colonAt) === 32) colonAt++;
  const colon = s.charCodeAt(colonAt) === 58 && (colonAt === e || s.charCodeAt(colonAt + 1) === 32);
  if (w.kind === WEAK) return caps && term === 58 && w.text === 'log' ? e + 1 : -1;
  if (strict) return caps && term === 58 ? e + 1 : -1;
  if (colon) return colonAt + 1;
  const atEnd = e >= s.length || term === 13;
  const next = s.charCodeAt(e + 1);
  const marked = atEnd || term === 93 || term === 41 || term === 124 || term === 9 || (term === 47 && caps) || (term === 32 && (next === 32 || next === 45 || next === 124 || next === 9));
  if (marked) return e;
  if (caps && (term === 32 || term === 91)) return e;
  return -1;
}

/**
 * Looks for a level in the header tokens of s from p up to `limit` (see the top of this file).
 * `strict` (after a syslog `program:`): only capitals with a colon, a bracketed word or `level=`.
 * Returns the level, with levelToken.end set to the end of its token, or undefined.
 */
export function scanLevel(s: string, p: number, limit: number, strict: boolean): Level | undefined {
  let plainWords = 0;
  let capsWords = 0;
  for (let t = 0; t < MAX_HEADER_TOKENS; t++) {
    // Separators between header fields: blanks, ` - `, `|`, `:`, `,`, `>`.
    let c = s.charCodeAt(p);
    while (c === 32 || c === 9 || c === 45 || c === 124 || c === 58 || c === 44 || c === 62) c = s.charCodeAt(++p);
    if (p >= limit) return undefined;
    if (c === 91 || c === 40 || c === 123 || c === 60) {
      const close = closerOf(c);
      const level = bracketedLevel(s, p, close);
      if (level !== undefined) return level;
      if (strict) return undefined;
      // Skip the whole group (it may hold blanks: `[main thread]`), if it closes soon.
      const e = s.indexOf(CLOSERS[close], p + 1);
      p = e > 0 && e < p + 80 && e < limit ? e + 1 : skipToSpace(s, p, limit);
      continue;
    }
    if (c === 34 || c === 39) return undefined;
    if (isLetter(c)) {
      const e = skipLetters(s, p);
      const term = s.charCodeAt(e);
      const w = wordAt(s, p, e);
      if (w !== undefined) {
        const end = acceptWord(s, w, p, e, term, strict);
        if (end >= 0) {
          levelToken.end = end;
          return w.level;
        }
      }
      if (term === 61 && isLevelKey(s, p, e)) {
        // level=warn, level="warn"
        let v = e + 1;
        if (s.charCodeAt(v) === 34) v++;
        const vEnd = skipLetters(s, v);
        const lw = vEnd > v ? wordAt(s, v, vEnd) : undefined;
        if (lw !== undefined) {
          levelToken.end = vEnd;
          return lw.level;
        }
      }
      if (strict) return undefined;
      if (term === 46 && isLetter(s.charCodeAt(e + 1))) {
        // Monolog/Laravel `production.ERROR:`: the level is the part after the channel's dot.
        const start = e + 1;
        const e2 = skipLetters(s, start);
        if (s.charCodeAt(e2) === 58 && isUpperRun(s, start, e2)) {
          const lw = wordAt(s, start, e2);
          if (lw !== undefined) {
            levelToken.end = e2 + 1;
            return lw.level;
          }
        }
      }
      if (term === 32 && e - p === 3 && s.startsWith('PHP', p)) {
        const level = phpLevel(s, e + 1);
        if (level !== undefined) return level;
      }
      // s[p, e) is letters, so the token's end is looked for from e.
      const te = e < limit ? skipToSpace(s, e, limit) : limit;
      if (te === e + 1 && term === 58 && isLevelKey(s, p, e)) {
        // `LEVEL: Warning` (DB2), `severity: error`: a level key, a colon, the word.
        const v = skipBlanks(s, te);
        const vEnd = skipLetters(s, v);
        const lw = vEnd > v ? wordAt(s, v, vEnd) : undefined;
        if (lw !== undefined) {
          levelToken.end = vEnd;
          return lw.level;
        }
      }
      if (s.charCodeAt(te - 1) === 58 && s.charCodeAt(te - 2) !== 58) {
        // `prog[pid]:`, `logger:`: the message follows; only a strict level may still come.
        return scanLevel(s, te, limit, true);
      }
      if (te === e) {
        // A word of letters only: capitals may be columns (`RAS KERNEL`), a lowercase word set
        // off by a column break may be a logger or host name; anything else is prose.
        if (isUpperRun(s, p, e)) {
          if (++capsWords > 3) return undefined;
        } else if (isLowerRun(s, p, e)) {
          const next = s.charCodeAt(e + 1);
          const columnBreak = term === 9 || (term === 32 && (next === 32 || next === 45 || next === 124));
          if (!columnBreak || ++plainWords > 1) return undefined;
        } else return undefined;
      } else if (te === e + 1 && (term === 44 || term === 46 || term === 59 || term === 33 || term === 63)) {
        return undefined; // `word,` `word.`: prose punctuation
      }
      p = te;
      continue;
    }
    if (strict) return undefined;
    p = skipToSpace(s, p, limit);
  }
  return undefined;
}

/**
 * The level written by the token that starts at p — a bracketed level word or a level word
 * written as one (capitals, or marked by a colon, a bracket, a column break), as scanLevel
 * accepts it — with levelToken.end set to the token's end; undefined for any other token. For
 * callers that know where a header's level must stand (the dashboard, cutting a row's header).
 */
export function levelTokenAt(s: string, p: number): Level | undefined {
  const c = s.charCodeAt(p);
  if (c === 91 || c === 40 || c === 123 || c === 60) return bracketedLevel(s, p, closerOf(c));
  if (!isLetter(c)) return undefined;
  const e = skipLetters(s, p);
  const w = wordAt(s, p, e);
  if (w === undefined) return undefined;
  const end = acceptWord(s, w, p, e, s.charCodeAt(e), false);
  if (end < 0) return undefined;
  levelToken.end = end;
  return w.level;
}

/** The one-letter level column of Android logcat, glog/klog and Ruby's Logger (`V D I W E F A`). */
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
