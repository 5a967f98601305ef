// The one catalogue of errors: stable code, HTTP status, and what it means. Every error body
// the server sends carries one of these codes; docs/errors.md documents each (a test checks).

export interface ErrorDef {
  status: number;
  message: string;
}

export const ERRORS = {
  LP_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  LP_ERR_INVALID_JSON: { status: 400, message: 'The body is not valid JSON.' },
  LP_ERR_INVALID_RECORD: { status: 400, message: 'A record in the batch is invalid.' },
  LP_ERR_INVALID_QUERY: { status: 400, message: 'A query parameter is invalid.' },
  LP_ERR_QUERY: { status: 400, message: 'The query cannot be parsed.' },
  LP_ERR_INVALID_CURSOR: { status: 400, message: 'The cursor was not issued by this server or is damaged.' },
  LP_ERR_INVALID_ENCODING: { status: 400, message: 'The body could not be decompressed.' },
  LP_ERR_UNAUTHORIZED: { status: 401, message: 'A valid token is required.' },
  LP_ERR_FORBIDDEN: { status: 403, message: 'This token may not do that.' },
  LP_ERR_NOT_FOUND: { status: 404, message: 'Nothing is here.' },
  LP_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time.' },
  LP_ERR_TOO_LARGE: { status: 413, message: 'The request is too large.' },
  LP_ERR_TOO_MANY_RECORDS: { status: 413, message: 'The request holds too many records.' },
  LP_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type or encoding is not supported.' },
  LP_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  LP_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  LP_ERR_TOO_MANY_SUBSCRIBERS: { status: 429, message: 'Too many live-tail subscribers; retry later.' },
  LP_ERR_OVERLOADED: { status: 503, message: 'The server holds too many request bodies at once; retry shortly.' },
  LP_ERR_STORE_FULL: { status: 503, message: 'The store is full; retry later.' },
  LP_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The store cannot write right now; retry later.' },
  LP_ERR_STORE_OPEN: { status: 503, message: 'The store could not be opened.' },
  LP_ERR_STORE_CORRUPT: { status: 503, message: 'The database file is damaged or is not a logpipe database.' },
  LP_ERR_INTERNAL: { status: 500, message: 'An internal error occurred.' },
  LP_ERR_DATA_DIR: { status: 500, message: 'The data directory cannot be created or written (server start-up).' },
  LP_ERR_PORT_IN_USE: { status: 500, message: 'The port is already in use (server start-up).' },
  LP_ERR_BAD_HOST: { status: 500, message: 'The address to listen on is not a local address (server start-up).' },
  LP_ERR_PORT_DENIED: { status: 500, message: 'Listening on the port is not allowed (server start-up).' },
  LP_ERR_MISSING_MODULE: { status: 500, message: 'A package the server needs is not installed (server start-up).' },
  LP_ERR_USAGE: { status: 400, message: 'The command line is invalid (unknown or bad options, missing arguments).' },
  LP_ERR_OUTPUT_FILE: { status: 500, message: 'The generator cannot write its --out file.' },
  LP_ERR_DEMO_BUSY: { status: 500, message: 'Another demo is using the data directory.' },
  LP_ERR_COLLECTOR_CONFIG: { status: 400, message: 'The collector options are invalid (URL, paths or limits).' },
  LP_ERR_STATE_FILE: { status: 500, message: 'The collector state file is unreadable, damaged or from another version.' },
  LP_ERR_FILE_UNREADABLE: { status: 500, message: 'A log file named on the command line cannot be read.' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An error with a catalogue code: the server's error handler turns it into a JSON response, the
 * CLI (src/cli/main.ts) into `logpipe <command>: [<code>] <message>` and exit status 1.
 */
export class LogpipeError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;
  /** Seconds, for 429 and 503 responses. */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message?: string, details?: unknown, retryAfter?: number) {
    super(message ?? ERRORS[code].message);
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}
