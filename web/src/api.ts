// The dashboard's only door to the server: JSON fetches of the query API, the live tail as a
// fetch() stream (so it can carry the read token), export links, and the read token itself.
import type { ContextResponse, FieldsResponse, HistogramResponse, LogsPage, SourcesResponse } from '../../src/shared/api.js';
import type { LogRecord } from '../../src/shared/record.js';

const TOKEN_KEY = 'logpipe.readToken';

/** An HTTP or network failure with the server's stable error code when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The server's `details` (for LP_ERR_QUERY: `column`, `start`, `end`). */
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Calls `fn` whenever a request is refused for want of a (valid) read token. */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** The read token for this browser tab (sessionStorage: gone when the tab closes). */
export function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Remembers (or forgets, with null) the read token for this tab. */
export function saveToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled; the token then lasts until reload, which is still usable.
  }
}

/** Request headers with the read token, never the URL: URLs end up in logs and histories. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = readToken();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = `The server answered ${res.status} ${res.statusText}.`;
  let details: Record<string, unknown> | undefined;
  try {
    const body = (await res.json()) as { error?: string; message?: string; details?: Record<string, unknown> };
    if (body.error) code = body.error;
    if (body.message) message = body.message;
    if (body.details && typeof body.details === 'object') details = body.details;
  } catch {
    // Not JSON: keep the status line.
  }
  if (res.status === 401) for (const fn of unauthorizedListeners) fn();
  return new ApiError(res.status, code, message, details);
}

async function getJson<T>(path: string, params: URLSearchParams | undefined, signal?: AbortSignal): Promise<T> {
  const url = params && [...params.keys()].length ? `${path}?${params}` : path;
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders({ Accept: 'application/json' }), signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached.');
  }
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as T;
}

/** GET /api/v1/logs with the given parameters (filters, cursor, limit, order). */
export function fetchLogs(params: URLSearchParams, signal?: AbortSignal): Promise<LogsPage> {
  return getJson<LogsPage>('/api/v1/logs', params, signal);
}

/** GET /healthz: the id of the newest record committed (ids grow with commits, not with ts). */
export async function fetchLastId(signal?: AbortSignal): Promise<number> {
  return (await getJson<{ lastId?: number }>('/healthz', undefined, signal)).lastId ?? 0;
}

/** GET /api/v1/logs/:id: one record. */
export function fetchRecord(id: number, signal?: AbortSignal): Promise<LogRecord> {
  return getJson<LogRecord>(`/api/v1/logs/${id}`, undefined, signal);
}

/** GET /api/v1/logs/:id/context: neighbours of a record from the same source. */
export function fetchContext(id: number, before = 20, after = 20, signal?: AbortSignal): Promise<ContextResponse> {
  return getJson<ContextResponse>(`/api/v1/logs/${id}/context`, new URLSearchParams({ before: String(before), after: String(after) }), signal);
}

/** GET /api/v1/histogram. */
export function fetchHistogram(params: URLSearchParams, signal?: AbortSignal): Promise<HistogramResponse> {
  return getJson<HistogramResponse>('/api/v1/histogram', params, signal);
}

/** GET /api/v1/fields: fields of the matching records with their top values (maybe sampled). */
export function fetchFields(params: URLSearchParams, signal?: AbortSignal): Promise<FieldsResponse> {
  return getJson<FieldsResponse>('/api/v1/fields', params, signal);
}

/** GET /api/v1/sources. */
export function fetchSources(signal?: AbortSignal): Promise<SourcesResponse> {
  return getJson<SourcesResponse>('/api/v1/sources', undefined, signal);
}

/**
 * Opens the live tail (GET /api/v1/tail) as a streamed response. `afterId` resumes strictly
 * after that record, sent both as `?after=` and as Last-Event-ID, as EventSource would on a
 * reconnect.
 */
export async function openTail(params: URLSearchParams, afterId: number | null, signal: AbortSignal): Promise<Response> {
  const p = new URLSearchParams(params);
  const headers = authHeaders({ Accept: 'text/event-stream' });
  if (afterId !== null) {
    p.set('after', String(afterId));
    headers['Last-Event-ID'] = String(afterId);
  }
  const qs = p.toString();
  const res = await fetch(qs ? `/api/v1/tail?${qs}` : '/api/v1/tail', { headers, signal, cache: 'no-store' });
  if (!res.ok) throw await errorFrom(res);
  if (!res.body) throw new ApiError(0, 'NO_STREAM', 'The browser did not expose the live stream.');
  return res;
}

/** Link to GET /api/v1/logs/export for the current filters, streamed by the server to a file. */
export function exportHref(params: URLSearchParams, format: 'ndjson' | 'csv'): string {
  const p = new URLSearchParams(params);
  p.set('format', format);
  return `/api/v1/logs/export?${p}`;
}

/**
 * Downloads an export when a read token is needed (a plain link cannot send the header):
 * streamed to a file picked by the user where the browser can, else through a Blob.
 */
export async function downloadWithToken(href: string, filename: string): Promise<void> {
  const res = await fetch(href, { headers: authHeaders() });
  if (!res.ok) throw await errorFrom(res);
  const picker = (window as unknown as { showSaveFilePicker?: (o: { suggestedName: string }) => Promise<FileSystemFileHandle> }).showSaveFilePicker;
  if (picker && res.body) {
    const handle = await picker({ suggestedName: filename });
    const writable = await (handle as unknown as { createWritable(): Promise<WritableStream<Uint8Array>> }).createWritable();
    await res.body.pipeTo(writable);
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
