// Write side: the native batch API and the prototype's POST /logs, both through the one
// ingest pipeline.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IngestResponse } from '../../shared/api.js';
import { LogpipeError } from '../../shared/errors.js';
import type { IngestPipeline } from '../ingest.js';
import { queryString } from './schema.js';

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

  // For a collector that starts without its state file: what the server holds under some
  // stream ids (committed offset, and a check of the line at it), so it can tell its file's
  // content from another that had the same id (docs/collector-identity.md).
  app.get<{ Querystring: { ids?: string } }>('/api/v1/streams', {
    ...ingest,
    schema: { querystring: queryString({ ids: { type: 'string', description: 'stream ids given once, as ids=a,b,c' } }) },
  }, async (req) => {
    const raw = req.query.ids;
    if (raw === undefined) return { streams: {} };
    const ids = raw.split(',');
    if (ids.length > 64) throw new LogpipeError('LP_ERR_BAD_REQUEST', `At most 64 stream ids per request (got ${ids.length}).`);
    if (ids.some((id) => id === '' || id.length > 256)) throw new LogpipeError('LP_ERR_BAD_REQUEST', 'Each stream id must be 1 to 256 characters.');
    const known = await pipeline.streamChecks(ids);
    return { streams: Object.fromEntries(known) };
  });

  // The prototype's contract, byte for byte: [{"message": …}] → {"status":"success","inserted":N}.
  app.post('/logs', ingest, async (req) => {
    const res = await pipeline.ingest(recordsOf(req.body), { door: 'seed', host: req.ip, bytes: bodyBytes(req) });
    return { status: 'success', inserted: res.accepted };
  });
}
