// A small in-test HTTP sink that speaks the ingest contract of POST /api/v1/logs (gzip NDJSON,
// per-stream committed offsets, {accepted, duplicates}), for collector tests that need to
// inject faults the real server does not produce (413, 400, 503 with Retry-After). Delivery
// tests that must hold against the real thing use test/helpers/server.ts instead.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface SinkRecord {
  message: string;
  source: string;
  host: string;
  stream: string;
  offset: number;
}

/** What the sink answers next; consumed one per request when set. */
export type Fault = { status: number; body?: string; headers?: Record<string, string> } | 'destroy';

export interface Sink {
  url: string;
  records: SinkRecord[];
  requests: { status: number; lines: number; at: number; auth?: string }[];
  committed: Map<string, number>;
  faults: Fault[];
  /** Reject requests with more than this many records with a 413. */
  maxRecords: number;
  /** Resolves when `records.length >= n` or rejects after the timeout. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the sink on 127.0.0.1 and a free port. */
export async function startSink(): Promise<Sink> {
  const sink: Sink = {
    url: '',
    records: [],
    requests: [],
    committed: new Map(),
    faults: [],
    maxRecords: Infinity,
    waitFor: async () => {},
    close: async () => {},
  };
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/v1/logs') {
        res.writeHead(404).end();
        return;
      }
      const fault = sink.faults.shift();
      if (fault === 'destroy') {
        sink.requests.push({ status: 0, lines: 0, at: Date.now() });
        req.socket.destroy();
        return;
      }
      let body: Buffer;
      try {
        body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(parts)) : Buffer.concat(parts);
      } catch {
        // As the real server: a body that is not valid gzip (a CRC that does not match) is a 400.
        sink.requests.push({ status: 400, lines: 0, at: Date.now(), auth: req.headers.authorization });
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"LP_ERR_INVALID_ENCODING","message":"The body is not valid gzip."}');
        return;
      }
      const lines = body.toString('utf8').split('\n').filter(Boolean);
      if (fault) {
        sink.requests.push({ status: fault.status, lines: lines.length, at: Date.now(), auth: req.headers.authorization });
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body ?? '{"error":"LP_ERR_TEST","message":"Injected."}');
        return;
      }
      if (lines.length > sink.maxRecords) {
        sink.requests.push({ status: 413, lines: lines.length, at: Date.now(), auth: req.headers.authorization });
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"LP_ERR_TOO_MANY_RECORDS","message":"Too many."}');
        return;
      }
      let accepted = 0;
      let duplicates = 0;
      const recs = lines.map((l) => JSON.parse(l) as SinkRecord);
      for (const r of recs) {
        const c = sink.committed.get(r.stream) ?? -1;
        if (r.offset <= c) {
          duplicates++;
          continue;
        }
        sink.committed.set(r.stream, r.offset);
        sink.records.push(r);
        accepted++;
      }
      sink.requests.push({ status: 200, lines: lines.length, at: Date.now(), auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted, duplicates }));
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (sink.records.length >= waiters[i].n) {
          waiters[i].resolve();
          waiters.splice(i, 1);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.waitFor = (n, timeoutMs = 60_000) => // an upper bound only: generous for a loaded machine
    new Promise<void>((resolve, reject) => {
      if (sink.records.length >= n) return resolve();
      const t = setTimeout(() => reject(new Error(`sink has ${sink.records.length} of ${n} records after ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  sink.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return sink;
}
