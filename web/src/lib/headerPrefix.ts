// What a row shows of a message: plain and logfmt lines often begin with the time and level
// the server already parsed out of them ("2026-11-29 22:44:32.366 - [DEBUG]: …",
// "17/06/09 20:10:40 INFO …", "[Sun Dec 04 04:47:44 2005] [error] …", "time=… level=debug …"),
// which the row shows in its own columns. The row leaves that prefix out; the details and the
// exports keep the original line.
//
// Plain lines: the header is a timestamp (any layout the parser knows, src/shared/parse) and a
// level word, each at most once, in either order, at the very start of the line, with only
// blanks and a separator (` - `, `|`, `:`) between them. A line whose time was already cut off
// by its shipper may begin with the level word alone. Nothing past the first token that is
// neither is touched: a level word further on is the message's (and so are hosts, programs,
// pids and thread names), and so is a level word other than the record's.
import type { Level } from '../../../src/shared/levels.js';
import { levelToken, levelTokenAt } from '../../../src/shared/parse/level.js';
import { dateOrder, scanned, scanTimestamp } from '../../../src/shared/parse/timestamp.js';

// Blanks, then a separator that stands alone (` - `, ` : `, `-- `) or a `|` column break, then blanks.
const SEPARATOR = /^[ \t]*(?:[-:|]+(?=[ \t]|$)|\|)?[ \t]*/;

// Leading logfmt time and level pairs, in either order.
const LOGFMT = /^\s*(?:(?:time|ts|timestamp|t)=("[^"]*"|\S+)\s+)?(?:(?:level|lvl|severity)=("?)(\w+)\2\s+)?(?:(?:time|ts|timestamp|t)=("[^"]*"|\S+)\s+)?/i;

const LEVEL_OF: Record<string, Level> = { trace: 'trace', debug: 'debug', info: 'info', notice: 'info', warn: 'warn', warning: 'warn', error: 'error', err: 'error', fatal: 'fatal', critical: 'fatal', crit: 'fatal' };

function skipSeparator(line: string, p: number): number {
  return p + (SEPARATOR.exec(line.slice(p))?.[0].length ?? 0);
}

/**
 * Where the text after a plain line's leading time and level begins: 0 when the line starts
 * with neither, -1 when its level word is not the record's (then the header is content).
 */
function plainHeaderEnd(line: string, level: Level): number {
  let p = 0;
  while (line.charCodeAt(p) === 32 || line.charCodeAt(p) === 9) p++;
  let time = false;
  let word = false;
  for (let k = 0; k < 2; k++) {
    // Numeric dates read as for a source not seen before (no layout remembered here).
    dateOrder.hint = 0;
    // A date and a time (no date or time alone, no epoch number: those may as well be content).
    if (!time && scanTimestamp(line, p, undefined, 0)) {
      time = true;
      p = scanned.end;
    } else {
      const found = word ? undefined : levelTokenAt(line, p);
      if (found === undefined) break;
      if (found !== level) return -1;
      word = true;
      p = levelToken.end;
    }
    p = skipSeparator(line, p);
  }
  return time || word ? p : 0;
}

/** The first line of a message without a leading time and level that match the record's. */
export function withoutParsedHeader(line: string, level: Level): string {
  const end = plainHeaderEnd(line, level);
  if (end < 0) return line;
  if (end > 0) {
    const rest = line.slice(end);
    return rest.trim() ? rest : line;
  }
  const f = LOGFMT.exec(line);
  if (f && f[0].length && (f[1] || f[4])) {
    if (f[3] && LEVEL_OF[f[3].toLowerCase()] !== level) return line;
    const rest = line.slice(f[0].length);
    // "msg=…" first: show its text as the message.
    const msg = /^(?:msg|message)=(?:"((?:[^"\\]|\\.)*)"|(\S+))\s*/.exec(rest);
    if (msg) {
      const text = msg[1] !== undefined ? msg[1].replace(/\\(.)/g, '$1') : msg[2];
      const after = rest.slice(msg[0].length);
      return after ? `${text}  ${after}` : text;
    }
    return rest.trim() ? rest : line;
  }
  return line;
}
