// OTLP/HTTP logs: POST /v1/logs with an ExportLogsServiceRequest in protobuf or OTLP/JSON,
// optionally gzip-compressed, as the OpenTelemetry SDKs and Collector send it. Records go
// through the one ingest pipeline leniently: valid records are stored, invalid ones are
// reported in partial_success, as the OTLP specification asks.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogpipeError } from '../../shared/errors.js';
import type { IngestRecord } from '../../shared/record.js';
import { checkJsonObjects, decodeBody } from '../body.js';
import { checkProtobufMessages } from '../interop/message-count.js';
import type { Limits } from '../config.js';
import type { IngestPipeline } from '../ingest.js';
import { camelizeKeys, mapExportLogsRequest } from '../interop/otlp-map.js';
import { ExportLogsServiceRequest, ExportLogsServiceResponse, RpcStatus } from '../interop/otlp-schema.js';

/** What the OTLP door needs from the app: the one ingest pipeline and the body limits. */
export interface OtlpRoutesOptions {
  pipeline: IngestPipeline;
  limits: Limits;
}

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];

/** The body after decompression, tagged with the encoding the reply must use too. */
interface OtlpBody {
  format: 'protobuf' | 'json';
  data: Buffer;
}

function isProtobuf(req: FastifyRequest): boolean {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return PROTOBUF_TYPES.includes(type);
}

/** gRPC status codes for the HTTP statuses we answer with (google.rpc.Status.code). */
function grpcCode(status: number): number {
  switch (status) {
    case 400: return 3; // INVALID_ARGUMENT
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 5; // NOT_FOUND
    case 413: return 8; // RESOURCE_EXHAUSTED
    case 415: return 3; // INVALID_ARGUMENT
    case 429: return 8; // RESOURCE_EXHAUSTED
    case 503: return 14; // UNAVAILABLE
    default: return status >= 500 ? 13 : 2; // INTERNAL : UNKNOWN
  }
}

/** Decodes an OTLP body into our records; a body that does not decode is a 400, never a 500. */
export function decodeOtlpBody(body: OtlpBody): IngestRecord[] {
  if (body.format === 'protobuf') {
    checkProtobufMessages(ExportLogsServiceRequest, body.data);
    let msg;
    try {
      msg = ExportLogsServiceRequest.decode(body.data);
    } catch (err) {
      throw new LogpipeError('LP_ERR_BAD_REQUEST', `The body is not a valid OTLP ExportLogsServiceRequest protobuf: ${(err as Error).message}.`);
    }
    return mapExportLogsRequest(msg);
  }
  checkJsonObjects(body.data);
  const text = body.data.toString('utf8');
  const records: IngestRecord[] = [];
  // OTLP/JSON is lowerCamelCase; some producers send the proto field names instead.
  const snake = text.includes('"resource_logs"') || text.includes('_value"');
  for (const request of parseOtlpJson(text)) {
    for (const rec of mapExportLogsRequest((snake ? camelizeKeys(request) : request) as Record<string, unknown>)) records.push(rec);
  }
  return records;
}

/**
 * Parses an OTLP/JSON body: one ExportLogsServiceRequest as the specification says, or — as
 * Vector's opentelemetry sink sends batches — several, newline-delimited or in a JSON array.
 */
export function parseOtlpJson(text: string): unknown[] {
  if (text.trim() === '') return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [v];
  } catch (err) {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) throw new LogpipeError('LP_ERR_INVALID_JSON', `The body is not valid OTLP/JSON: ${(err as Error).message}.`);
    return lines.map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (lineErr) {
        throw new LogpipeError('LP_ERR_INVALID_JSON', `Line ${i + 1} of the body is not valid OTLP/JSON: ${(lineErr as Error).message}.`);
      }
    });
  }
}

function sendExportResponse(reply: FastifyReply, format: OtlpBody['format'], rejected: number, errorMessage: string): FastifyReply {
  // A fully accepted request leaves partial_success unset, as the specification asks.
  const partialSuccess = rejected > 0 ? { rejectedLogRecords: rejected, errorMessage } : undefined;
  if (format === 'protobuf') {
    const bytes = ExportLogsServiceResponse.encode(ExportLogsServiceResponse.fromObject(partialSuccess ? { partialSuccess } : {})).finish();
    return reply.code(200).type('application/x-protobuf').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return reply.code(200).type('application/json').send(partialSuccess ? { partialSuccess: { rejectedLogRecords: String(rejected), errorMessage } } : {});
}

/** Registers POST /v1/logs (and /otlp/v1/logs, where Loki users point their exporters). */
export default async function otlpRoutes(app: FastifyInstance, opts: OtlpRoutesOptions): Promise<void> {
  const { pipeline, limits } = opts;

  // Only the two OTLP encodings are accepted here; anything else gets Fastify's 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...PROTOBUF_TYPES, 'application/json'], { parseAs: 'buffer' }, async (req: FastifyRequest, raw: Buffer): Promise<OtlpBody> => {
    return { format: isProtobuf(req) ? 'protobuf' : 'json', data: await decodeBody(req, raw, limits) };
  });
  app.addContentTypeParser('*', async (req: FastifyRequest) => {
    const type = String(req.headers['content-type'] ?? '').slice(0, 80);
    throw new LogpipeError('LP_ERR_UNSUPPORTED_MEDIA_TYPE', `OTLP/HTTP takes Content-Type application/x-protobuf or application/json, not "${type}".`);
  });

  // OTLP clients expect error bodies as a google.rpc.Status in the request's encoding. The
  // app's error handler has already chosen the status, Retry-After and message; for
  // protobuf requests re-encode its JSON body as a Status.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode < 400 || !isProtobuf(req)) return payload;
    let message = '';
    try {
      const body = JSON.parse(typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '{}');
      message = typeof body.message === 'string' ? (body.error ? `${body.error}: ${body.message}` : body.message) : '';
    } catch {
      return payload;
    }
    reply.type('application/x-protobuf');
    const bytes = RpcStatus.encode(RpcStatus.fromObject({ code: grpcCode(reply.statusCode), message })).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const body = (req.body as OtlpBody | undefined) ?? { format: isProtobuf(req) ? 'protobuf' : 'json', data: Buffer.alloc(0) };
    const records = decodeOtlpBody(body);
    if (records.length === 0) return sendExportResponse(reply, body.format, 0, '');
    const res = await pipeline.ingestLenient(records, { door: 'otlp', host: req.ip, bytes: Number(req.headers['content-length'] ?? 0) || 0 });
    if (res.rejected.length === 0) return sendExportResponse(reply, body.format, 0, '');
    const first = res.rejected[0];
    const why = `Log record ${first.index}: ${first.reason}.`;
    if (res.rejected.length === records.length) {
      // Nothing was usable: a 400 tells the exporter not to retry the same data.
      throw new LogpipeError('LP_ERR_INVALID_RECORD', `All ${records.length} log records were rejected. ${why}`, { rejected: res.rejected.slice(0, 20) });
    }
    return sendExportResponse(reply, body.format, res.rejected.length, `${res.rejected.length} of ${records.length} log records were rejected. ${why}`);
  };

  const route = { config: { access: 'ingest' as const } };
  app.post('/v1/logs', route, handler);
  app.post('/otlp/v1/logs', route, handler);
}
