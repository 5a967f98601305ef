// Write side: the native batch API and the prototype's POST /logs, both through the one
// ingest pipeline.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IngestResponse } from '../../shared/api.js';
import { LogpipeError } from '../../shared/errors.js';
import type { IngestPipeline } from '../ingest.js';

export interface IngestRoutesOptions {
  pipeline: IngestPipeline;
}

function bodyBytes(req: FastifyRequest): number {
  return Number(req.headers['content-length'] ?? 0) || 0;
}

/** Turns whatever the body parsers produced into a list of records. */
function recordsOf(body: unknown): unknown {
  if (body === undefined || body === null) {
    throw new LogpipeError('LP_ERR_BAD_REQUEST', 'The request has no body: send a JSON array or NDJSON of records.');
  }
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && Array.isArray((body as { lines?: unknown }).lines)) {
    return (body as { lines: string[] }).lines.map((message) => ({ message }));
  }
  // A single JSON object is a batch of one.
  if (typeof body === 'object') return [body];
  return body;
}

export default async function ingestRoutes(app: FastifyInstance, opts: IngestRoutesOptions): Promise<void> {
  const { pipeline } = opts;
  const ingest = { config: { access: 'ingest' as const } };

  app.post('/api/v1/logs', ingest, async (req): Promise<IngestResponse> => {
    return pipeline.ingest(recordsOf(req.body), { door: 'native', host: req.ip, bytes: bodyBytes(req) });
  });

  // The prototype's contract, byte for byte: [{"message": …}] → {"status":"success","inserted":N}.
  app.post('/logs', ingest, async (req) => {
    const res = await pipeline.ingest(recordsOf(req.body), { door: 'seed', host: req.ip, bytes: bodyBytes(req) });
    return { status: 'success', inserted: res.accepted };
  });
}
