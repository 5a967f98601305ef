// Small fetch wrapper for end-to-end tests: status, headers and the body as JSON when it is JSON.
import type { LogRecord } from '../../src/shared/record.js';
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Uint8Array;
  /** Abort after the response headers when the response is an event stream (SSE never ends). */
  headersOnly?: boolean;
  timeoutMs?: number;
}

/** Sends one request and reads the whole response (or only its head with `headersOnly`). */
export async function http(url: string, opts: HttpOptions = {}): Promise<HttpResult> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), opts.timeoutMs ?? 15_000);
  try {
    // Typed loosely: TypeScript's BodyInit and Node's Uint8Array generics disagree across versions.
    const body: any = Buffer.isBuffer(opts.body) ? new Uint8Array(opts.body) : opts.body;
    const res = await fetch(url, { method: opts.method ?? (body !== undefined ? 'POST' : 'GET'), headers: opts.headers, body, signal: ctl.signal });
    if (opts.headersOnly && /event-stream/.test(res.headers.get('content-type') ?? '')) {
      ctl.abort();
      return { status: res.status, headers: res.headers, text: '', json: undefined };
    }
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  } finally {
    clearTimeout(timer);
  }
}

/** POSTs a JSON value (or a prepared string) with Content-Type application/json. */
export function postJson(url: string, value: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof value === 'string' ? value : JSON.stringify(value) });
}

/** The `Authorization: Bearer` header for a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The records of one source, oldest first (up to 1,000), through GET /api/v1/logs. */
export async function logsOf(baseUrl: string, source: string): Promise<LogRecord[]> {
  const res = await http(`${baseUrl}/api/v1/logs?source=${encodeURIComponent(source)}&order=asc&limit=1000`);
  if (res.status !== 200) throw new Error(`GET /api/v1/logs answered ${res.status}: ${res.text.slice(0, 200)}`);
  return (res.json as { logs: LogRecord[] }).logs;
}
