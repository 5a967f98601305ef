// What a row shows of a message: plain and logfmt lines often begin with the time and level
// the server already parsed out of them ("2026-11-29 22:44:32.366 - [DEBUG]: …",
// "time=… level=debug …"), which the row shows in its own columns. The row leaves that prefix
// out; the details and the exports keep the original line.
import type { Level } from '../../../src/shared/levels.js';

const TIME = String.raw`\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?\]?`;
const LEVEL = String.raw`\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT)\]?`;
// "<time> [- ]<LEVEL>[:| -] " with either part optional but the time required.
const PLAIN = new RegExp(String.raw`^\s*${TIME}(?:\s*[-|]?\s*${LEVEL})?\s*(?:[:|-]\s*)?`, 'i');
// Leading logfmt time and level pairs, in either order.
const LOGFMT = /^\s*(?:(?:time|ts|timestamp|t)=("[^"]*"|\S+)\s+)?(?:(?:level|lvl|severity)=("?)(\w+)\2\s+)?(?:(?:time|ts|timestamp|t)=("[^"]*"|\S+)\s+)?/i;

const LEVEL_OF: Record<string, Level> = { trace: 'trace', debug: 'debug', info: 'info', notice: 'info', warn: 'warn', warning: 'warn', error: 'error', err: 'error', fatal: 'fatal', critical: 'fatal', crit: 'fatal' };

/** The first line of a message without a leading time and level that match the record's. */
export function withoutParsedHeader(line: string, level: Level): string {
  const m = PLAIN.exec(line);
  if (m && m[0].length) {
    // A level word that is not the record's level is content, not a header: keep it.
    if (m[1] && LEVEL_OF[m[1].toLowerCase()] !== level) return line;
    const rest = line.slice(m[0].length);
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
