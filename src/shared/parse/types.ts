// The shapes of the parser's API, apart from the code so every parser module can use them.
import type { Level } from '../levels.js';

/** What parseLine found in one line: the columns of a stored record. */
export interface ParsedLine {
  /** ms since epoch; undefined if the line has no timestamp we recognise. */
  ts: number | undefined;
  /** 'unknown' when the line names no level where loggers put one. */
  level: Level;
  /** The text to store: the whole line for plain and logfmt lines (ANSI escapes and a final CR removed); msg/message for JSON lines. */
  message: string;
  /** JSON: every field not moved to a column (and source/host fields too); logfmt: all key=value pairs; plain text: fields read from the text. */
  attrs: Record<string, unknown> | undefined;
  /** From a JSON/logfmt field that clearly names the source (service, service.name, app). */
  source?: string;
  /** From a JSON/logfmt field host or hostname. */
  host?: string;
  /**
   * Plain lines: offset in `message` where the text after the header (timestamp, level and the
   * separators after them) begins; 0 when the line has no header we recognise. Absent for JSON.
   */
  headerEnd?: number;
}

/**
 * What the parser remembers about one source's lines (create with newLayout(), keep one per
 * source): where its timestamp stands and of which kind, and whether its numeric dates put the
 * day or the month first. Lines are read faster and consistently; a line that disagrees is
 * detected afresh and updates it.
 */
export interface Layout {
  /** Offset of the timestamp in the last line that had one (-1: search). */
  tsAt: number;
  /** Its kind (timestamp.ts KIND_*). */
  tsKind: number;
  /** 1: dates are day first (`28/11/2026`), 2: month first (`11/28/2026`), 0: not known yet. */
  order: number;
}

/** Options of parseLine. */
export interface ParseOptions {
  /** The current time in ms, to infer the year of timestamps written without one (default Date.now()). */
  now?: number;
  /** The source's layout, kept by the caller between lines of the same source. */
  layout?: Layout;
  /** A per-source override (override.ts), applied before the heuristics. */
  override?: import('./override.js').LineOverride;
}
