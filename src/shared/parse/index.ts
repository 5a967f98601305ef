// The line parser shared by the server's ingest path and the collector: finds a line's
// timestamp, level and fields. The first non-blank character picks the format, so each line
// is looked at once: `{` → JSON, `key=` → logfmt, anything else → plain text.
//
// Plain lines (plain.ts) are read by shape, not by per-system rules: a timestamp of any common
// layout anywhere in the header's first tokens (timestamp.ts), a level word standing as a token
// of the header in any case (level.ts), fields from the text (textfields.ts). Container wrappers:
// Docker's json-file `{"log": …}` (json.ts) and Kubernetes CRI (cri.ts). ANSI colour codes and
// a CR before the line end are removed first, from the stored message too.
// Zone-less times are local time of the process (set TZ); year-less ones take the year that puts
// them nearest to `now` without being more than a day ahead of it.
import { cleanLine } from './clean.js';
import { criPrefix, readCriPrefix } from './cri.js';
import { parseJsonLine } from './json.js';
import { parseLogfmtLine, startsWithLogfmtKey } from './logfmt.js';
import { applyOverride } from './override.js';
import { parsePlainLine } from './plain.js';
import type { Layout, ParsedLine, ParseOptions } from './types.js';

export type { Layout, ParsedLine, ParseOptions } from './types.js';
export { parseTimestamp, epochToMs } from './epoch.js';
export { levelFromValue } from './json.js';
export { newLayout } from './plain.js';
export { cleanLine } from './clean.js';
export { compileOverride, applyOverride, type LineOverride, type OverrideSpec } from './override.js';

/** Finds timestamp, level, message, attrs (and source/host of JSON lines) in one log line. */
export function parseLine(raw: string, opts?: ParseOptions): ParsedLine {
  const line = cleanLine(raw);
  const now = opts?.now;
  const parsed = parseCleanLine(line, now, opts?.layout);
  const ov = opts?.override;
  if (ov === undefined) return parsed;
  const o = applyOverride(line, ov, now, parsed.attrs);
  if (o.ts !== undefined) parsed.ts = o.ts;
  if (o.level !== undefined) parsed.level = o.level;
  if (o.attrs !== undefined) parsed.attrs = parsed.attrs === undefined ? o.attrs : { ...parsed.attrs, ...o.attrs };
  if (o.headerEnd !== undefined && parsed.message === line) parsed.headerEnd = o.headerEnd;
  return parsed;
}

function parseCleanLine(line: string, now: number | undefined, layout: Layout | undefined): ParsedLine {
  let p = 0;
  let c = line.charCodeAt(0);
  // Blanks and a byte-order mark (the first line of some files) do not decide the format.
  while (c === 32 || c === 9 || c === 0xfeff) c = line.charCodeAt(++p);
  if (c === 123) {
    // JSON.parse skips blanks but not a byte-order mark.
    const json = parseJsonLine(line.charCodeAt(0) === 0xfeff ? line.slice(p) : line, now);
    if (json !== undefined) return json;
  } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 64) {
    if (startsWithLogfmtKey(line, p)) {
      const kv = parseLogfmtLine(line, p, now);
      if (kv.ts !== undefined && kv.level !== 'unknown') return kv;
      // Text that only starts with a pair (`pid=17 [28/Nov/2026:…] INFO …`): its header says the rest.
      const plain = parsePlainLine(line, p, now, layout);
      return { ...kv, ts: kv.ts ?? plain.ts, level: kv.level !== 'unknown' ? kv.level : plain.level, headerEnd: plain.headerEnd };
    }
  } else if (c >= 48 && c <= 57 && readCriPrefix(line, p, now)) {
    return parseCriLine(line, now, layout);
  }
  return parsePlainLine(line, p, now, layout);
}

/** A CRI line: the runtime's time and stream, and whatever the container's own line says. */
function parseCriLine(line: string, now: number | undefined, layout: Layout | undefined): ParsedLine {
  const ts = criPrefix.ts;
  const stream = criPrefix.stream;
  const body = criPrefix.body;
  const inner = parseCleanLine(line.slice(body), now, layout);
  const attrs = inner.attrs === undefined ? { stream } : { ...inner.attrs, stream };
  return { ts, level: inner.level, message: inner.message, attrs, source: inner.source, host: inner.host, headerEnd: inner.headerEnd };
}
