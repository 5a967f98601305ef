// The shapes of the parser's API, apart from the code so every parser module can use them.
import type { Level } from '../levels.js';

/** What parseLine found in one line: the columns of a stored record. */
export interface ParsedLine {
  /** ms since epoch; undefined if the line has no timestamp we recognise. */
  ts: number | undefined;
  /** 'unknown' when the line names no level where loggers put one. */
  level: Level;
  /** The text to store: the whole line for plain and logfmt lines; msg/message for JSON lines. */
  message: string;
  /** JSON: every field not moved to a column; logfmt: all key=value pairs. */
  attrs: Record<string, unknown> | undefined;
  /** From a JSON/logfmt field that clearly names the source (service, service.name, app). */
  source?: string;
  /** From a JSON/logfmt field host or hostname. */
  host?: string;
}

/** Options of parseLine. */
export interface ParseOptions {
  /** The current time in ms, to infer the year of timestamps written without one (default Date.now()). */
  now?: number;
}
