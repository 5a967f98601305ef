// Loki push: POST /loki/api/v1/push with a snappy-compressed protobuf PushRequest (Promtail,
// Grafana Alloy, Vector) or the JSON form (Fluent Bit, pino-loki, curl), through the one ingest
// pipeline, answered 204 as Loki does. Also the small read surface clients probe: GET /ready,
// /loki/api/v1/labels and /loki/api/v1/label/:name/values.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogpipeError } from '../../shared/errors.js';
import type { IngestRecord } from '../../shared/record.js';
import { checkJsonObjects, decodeBody } from '../body.js';
import { checkProtobufMessages } from '../interop/message-count.js';
import type { Limits } from '../config.js';
import type { IngestPipeline } from '../ingest.js';
import { mapPushJson, mapPushRequest } from '../interop/loki-map.js';
import { PushRequest } from '../interop/loki-schema.js';
import { uncompressSnappy } from '../interop/snappy-body.js';
import type { Store } from '../storage/store.js';
import { reserveMore } from '../inflight.js';

/** What the Loki door needs from the app: the ingest pipeline, the body limits and (for labels) the store. */
export interface LokiRoutesOptions {
  pipeline: IngestPipeline;
  limits: Limits;
  /** For the label endpoints; without it they answer with no labels. */
  store?: Pick<Store, 'sources' | 'query'>;
}

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];
/** Labels whose values are our sources, and those whose values are our hosts (see interop/loki-map.ts). */
const SOURCE_LABELS = ['service_name', 'job', 'app', 'application', 'service'];
const HOST_LABELS = ['host', 'hostname', 'instance'];
/** Hosts are listed from the newest records (the store keeps no host index). */
const HOST_SAMPLE = 2000;

/** Removes `snappy` from a Content-Encoding header (it is undone separately) and returns whether it was there. */
function takeSnappyEncoding(req: FastifyRequest): boolean {
  const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (!enc.includes('snappy')) return false;
  const rest = enc.split(',').map((e) => e.trim()).filter((e) => e && e !== 'snappy');
  if (rest.length) req.headers['content-encoding'] = rest.join(', ');
  else delete req.headers['content-encoding'];
  return true;
}

/** Decodes a push body into our records; a body that does not decode is a 400, never a 500. */
export function decodePushBody(format: 'protobuf' | 'json', data: Buffer): IngestRecord[] {
  if (format === 'protobuf') {
    checkProtobufMessages(PushRequest, data);
    let msg;
    try {
      msg = PushRequest.decode(data);
    } catch (err) {
      throw new LogpipeError('LP_ERR_BAD_REQUEST', `The body is not a valid Loki PushRequest protobuf: ${(err as Error).message}.`);
    }
    return mapPushRequest(msg);
  }
  checkJsonObjects(data);
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new LogpipeError('LP_ERR_INVALID_JSON', `The body is not valid JSON: ${(err as Error).message}.`);
  }
  return mapPushJson(json);
}

/** Registers the Loki push endpoint and the read endpoints Loki clients probe. */
export default async function lokiRoutes(app: FastifyInstance, opts: LokiRoutesOptions): Promise<void> {
  const { pipeline, limits, store } = opts;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(PROTOBUF_TYPES, { parseAs: 'buffer' }, async (req: FastifyRequest, raw: Buffer) => {
    // Loki always snappy-decodes protobuf pushes, whatever Content-Encoding says.
    takeSnappyEncoding(req);
    const data = await decodeBody(req, raw, limits);
    // An empty body is an empty push (snappy itself would call it corrupt).
    if (data.length === 0) return [];
    const body = uncompressSnappy(data, limits.maxDecompressedBytes);
    reserveMore(req.raw, body.length);
    return decodePushBody('protobuf', body);
  });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (req: FastifyRequest, raw: Buffer) => {
    const snappy = takeSnappyEncoding(req);
    let data = await decodeBody(req, raw, limits);
    if (snappy) {
      data = uncompressSnappy(data, limits.maxDecompressedBytes);
      reserveMore(req.raw, data.length);
    }
    return decodePushBody('json', data);
  });
  app.addContentTypeParser('*', async (req: FastifyRequest) => {
    const type = String(req.headers['content-type'] ?? '').slice(0, 80);
    throw new LogpipeError('LP_ERR_UNSUPPORTED_MEDIA_TYPE', `Loki push takes Content-Type application/x-protobuf (snappy-compressed) or application/json, not "${type}".`);
  });

  app.post('/loki/api/v1/push', { config: { access: 'ingest' } }, async (req: FastifyRequest, reply: FastifyReply) => {
    const records = (req.body as IngestRecord[] | undefined) ?? [];
    if (records.length) await pipeline.ingest(records, { door: 'loki', host: req.ip, bytes: Number(req.headers['content-length'] ?? 0) || 0 });
    return reply.code(204).send();
  });

  app.get('/ready', { config: { access: 'public', probe: true } }, async (_req, reply) => reply.type('text/plain; charset=utf-8').send('ready\n'));

  async function sourceNames(): Promise<string[]> {
    return store ? (await store.sources()).map((s) => s.source).sort() : [];
  }

  async function hostNames(): Promise<string[]> {
    if (!store) return [];
    const rows = await store.query({ limit: HOST_SAMPLE, order: 'desc' });
    return [...new Set(rows.map((r) => r.host).filter(Boolean))].sort();
  }

  const labels = async () => {
    const [sources, hosts] = await Promise.all([sourceNames(), hostNames()]);
    const data = [...(sources.length ? ['job', 'service_name'] : []), ...(hosts.length ? ['host'] : [])].sort();
    return { status: 'success', data };
  };
  const read = { config: { access: 'read' as const } };
  app.get('/loki/api/v1/labels', read, labels);
  app.get('/loki/api/v1/label', read, labels);

  app.get<{ Params: { name: string } }>('/loki/api/v1/label/:name/values', read, async (req) => {
    const name = req.params.name;
    const data = SOURCE_LABELS.includes(name) ? await sourceNames() : HOST_LABELS.includes(name) ? await hostNames() : [];
    return { status: 'success', data };
  });
}
