// The line parser shared by the server's ingest path and the collector: finds a line's
// timestamp, level and fields. The first non-blank character picks the format, so each line
// is looked at once: `{` → JSON, `key=` → logfmt, anything else → plain text.
//
// Plain timestamps (timestamp.ts): ISO-8601/RFC 3339 (T or space, `.`/`,` fraction, Z/±hh:mm),
// the seed's `YYYY-MM-DD HH:MM:SS.mmm`, `YYYY/MM/DD` (nginx), BSD syslog and `<PRI>` RFC 5424/3164,
// Apache/ctime, CLF `[10/Oct/2000:13:55:36 -0700]` (also later in the line), Tomcat
// `28-Nov-2026 …`, Spark `yy/MM/dd`, logcat `MM-DD`, HealthApp `YYYYMMDD-H:m:s:S`, glog `E1128 …`.
// Container wrappers: Docker's json-file `{"log": …}` (json.ts) and Kubernetes CRI (cri.ts).
// Zone-less times are local; year-less ones take the year of `now` (or the one before).
// Levels (level.ts) are read only where loggers write them, never from the free text.
import { criPrefix, readCriPrefix } from './cri.js';
import { parseJsonLine } from './json.js';
import { parseLogfmtLine, startsWithLogfmtKey } from './logfmt.js';
import { parsePlainLine } from './plain.js';
import type { ParsedLine, ParseOptions } from './types.js';

export type { ParsedLine, ParseOptions } from './types.js';
export { parseTimestamp, epochToMs } from './epoch.js';
export { levelFromValue } from './json.js';

/** Finds timestamp, level, message, attrs (and source/host of JSON lines) in one log line. */
export function parseLine(line: string, opts?: ParseOptions): ParsedLine {
  const now = opts?.now;
  let p = 0;
  let c = line.charCodeAt(0);
  // Blanks and a byte-order mark (the first line of some files) do not decide the format.
  while (c === 32 || c === 9 || c === 0xfeff) c = line.charCodeAt(++p);
  if (c === 123) {
    // JSON.parse skips blanks but not a byte-order mark.
    const json = parseJsonLine(line.charCodeAt(0) === 0xfeff ? line.slice(p) : line, now);
    if (json !== undefined) return json;
  } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 64) {
    if (startsWithLogfmtKey(line, p)) return parseLogfmtLine(line, p, now);
  } else if (c >= 48 && c <= 57 && readCriPrefix(line, p, now)) {
    return parseCriLine(line, now);
  }
  return parsePlainLine(line, p, now);
}

/** A CRI line: the runtime's time and stream, and whatever the container's own line says. */
function parseCriLine(line: string, now: number | undefined): ParsedLine {
  const ts = criPrefix.ts;
  const stream = criPrefix.stream;
  const inner = parseLine(line.slice(criPrefix.body), { now });
  const attrs = inner.attrs === undefined ? { stream } : { ...inner.attrs, stream };
  return { ts, level: inner.level, message: inner.message, attrs, source: inner.source, host: inner.host };
}
