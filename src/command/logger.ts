// The logger of the collector, the generator and the demo: pino, as the server's (Fastify's)
// is, with the same levels and JSON lines, so one log pipeline reads them all.
import { pino, type Logger } from 'pino';

/** What the parts of a command need to log: a whole sentence at a level. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Decisions worth seeing when something went wrong (`--log-level debug`). */
  debug?(message: string): void;
}

/** The levels --log-level takes, as the server's. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * A command's logger: JSON lines on stderr (stdout may carry the command's own output, as the
 * generator's lines), named `logpipe <command>`. Written synchronously, so that the lines
 * just before an exit (a summary, a fatal problem) are not lost with the process.
 */
export function createLogger(command: string, level: string = 'info'): Logger {
  return pino({ name: `logpipe ${command}`, level }, pino.destination({ dest: 2, sync: true }));
}

/** A Log that drops everything (tests and library use without a command around them). */
export const SILENT: Log = { info() {}, warn() {}, error() {} };

/** A Log that keeps each message as "<level>: <message>" in `into` (tests). */
export function logInto(into: string[]): Log {
  return { info: (m) => void into.push(`info: ${m}`), warn: (m) => void into.push(`warn: ${m}`), error: (m) => void into.push(`error: ${m}`) };
}
