// OTLP/HTTP logs from the real OpenTelemetry JS SDK, unchanged, against a real server: the JSON
// exporter and the protobuf exporter, then the edge cases a hostile or broken client can send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { startServer, type ServerHandle } from './helpers/server.js';
import { logsOf as fetchLogsOf } from './helpers/http.js';
import { ExportLogsServiceRequest, ExportLogsServiceResponse, RpcStatus } from '../src/server/interop/otlp-schema.js';
import type { LogRecord } from '../src/shared/record.js';

const TOKEN = 'otlp-test-token';
let server: ServerHandle;

before(async () => {
  server = await startServer({ args: ['--ingest-token', TOKEN, '--max-decompressed-bytes', '1MB'] });
});
after(async () => {
  await server?.stop();
  server?.cleanup();
});

const auth = { authorization: `Bearer ${TOKEN}` };

const logsOf = (source: string): Promise<LogRecord[]> => fetchLogsOf(server.url, source);

/** Emits three records through the SDK with the given exporter, then flushes and shuts down. */
async function emitThroughSdk(exporter: JsonExporter | ProtoExporter, service: string, batch: boolean): Promise<number> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'otel-host', 'deployment.environment': 'test' }),
    processors: [batch ? new BatchLogRecordProcessor({ exporter }) : new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('checkout-lib', '2.1.0');
  const t0 = Date.UTC(2026, 10, 28, 3, 0, 0, 250);
  logger.emit({ timestamp: new Date(t0), severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order 17 placed', attributes: { 'order.id': 17, paid: true, tags: ['a', 'b'] } });
  logger.emit({ timestamp: new Date(t0 + 1), severityNumber: SeverityNumber.ERROR2, body: 'payment declined', attributes: { 'http.status_code': 402 } });
  logger.emit({ timestamp: new Date(t0 + 2), severityText: 'WARNING', body: { event: 'stock.low', sku: 'X-1' } });
  await provider.forceFlush();
  await provider.shutdown();
  return t0;
}

function checkStored(logs: LogRecord[], service: string, t0: number): void {
  assert.equal(logs.length, 3, JSON.stringify(logs));
  const [a, b, c] = logs;
  assert.equal(a.message, 'order 17 placed');
  assert.equal(a.level, 'info');
  assert.equal(a.ts, t0);
  assert.equal(a.source, service);
  assert.equal(a.host, 'otel-host');
  assert.equal(a.attrs?.['order.id'], 17);
  assert.equal(a.attrs?.paid, true);
  assert.deepEqual(a.attrs?.tags, ['a', 'b']);
  assert.equal(a.attrs?.['deployment.environment'], 'test');
  assert.equal(a.attrs?.['otel.scope.name'], 'checkout-lib');
  assert.equal(a.attrs?.['otel.scope.version'], '2.1.0');
  assert.equal(b.message, 'payment declined');
  assert.equal(b.level, 'error');
  assert.equal(b.ts, t0 + 1);
  assert.equal(b.attrs?.['http.status_code'], 402);
  assert.equal(c.level, 'warn');
  assert.equal(c.ts, t0 + 2);
  assert.deepEqual(JSON.parse(c.message), { event: 'stock.low', sku: 'X-1' });
}

test('the OTLP/HTTP JSON exporter (@opentelemetry/exporter-logs-otlp-http) ships records that query back intact', async () => {
  const exporter = new JsonExporter({ url: `${server.url}/v1/logs`, headers: auth });
  const t0 = await emitThroughSdk(exporter, 'otel-json', false);
  checkStored(await logsOf('otel-json'), 'otel-json', t0);
});

test('the OTLP/HTTP protobuf exporter (@opentelemetry/exporter-logs-otlp-proto), gzip-compressed, ships records that query back intact', async () => {
  const exporter = new ProtoExporter({ url: `${server.url}/v1/logs`, headers: auth, compression: 'gzip' as any });
  const t0 = await emitThroughSdk(exporter, 'otel-proto', true);
  checkStored(await logsOf('otel-proto'), 'otel-proto', t0);
});

function protoRequest(records: object[], service = 'raw-proto'): Buffer {
  const msg = ExportLogsServiceRequest.fromObject({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords: records }] }] });
  return Buffer.from(ExportLogsServiceRequest.encode(msg).finish());
}

async function post(body: Buffer | string, headers: Record<string, string>, path = '/v1/logs'): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

test('trace and span ids are kept as hex; the reply is an ExportLogsServiceResponse in protobuf', async () => {
  const res = await post(protoRequest([{ body: { stringValue: 'traced' }, traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'), spanId: Buffer.from('b7ad6b7169203331', 'hex') }], 'traced-svc'), { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/x-protobuf/);
  const reply = ExportLogsServiceResponse.decode(new Uint8Array(await res.arrayBuffer())) as any;
  assert.equal(reply.partialSuccess, null);
  const [rec] = await logsOf('traced-svc');
  assert.equal(rec.attrs?.trace_id, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(rec.attrs?.span_id, 'b7ad6b7169203331');
});

test('records the pipeline rejects are reported as partial success; the rest are stored', async () => {
  // attrs over the pipeline's 64 KiB limit make a record invalid on its own.
  const huge = { key: 'blob', value: { stringValue: 'x'.repeat(70_000) } };
  const res = await post(protoRequest([{ body: { stringValue: 'good one' } }, { body: { stringValue: 'bad one' }, attributes: [huge] }], 'partial-svc'), { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  const reply = ExportLogsServiceResponse.decode(new Uint8Array(await res.arrayBuffer())) as any;
  assert.equal(Number(reply.partialSuccess.rejectedLogRecords), 1);
  assert.match(reply.partialSuccess.errorMessage, /Log record 1/);
  assert.deepEqual((await logsOf('partial-svc')).map((r) => r.message), ['good one']);

  const json = await post(JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial-json' } }] }, scopeLogs: [{ logRecords: [{ body: { stringValue: 'ok' } }, { body: { stringValue: 'no' }, attributes: [huge] }] }] }] }), { 'content-type': 'application/json' });
  assert.equal(json.status, 200);
  const body = (await json.json()) as any;
  assert.equal(Number(body.partialSuccess.rejectedLogRecords), 1);
  assert.deepEqual((await logsOf('partial-json')).map((r) => r.message), ['ok']);

  // When nothing is usable the export is refused with 400, which exporters do not retry.
  const none = await post(protoRequest([{ body: { stringValue: 'bad' }, attributes: [huge] }], 'partial-none'), { 'content-type': 'application/x-protobuf' });
  assert.equal(none.status, 400);
  assert.match((RpcStatus.decode(new Uint8Array(await none.arrayBuffer())) as any).message, /All 1 log records were rejected/);
});

test('malformed protobuf is a 400 with a google.rpc.Status body, not a 500', async () => {
  const res = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 400);
  const status = RpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as any;
  assert.equal(status.code, 3);
  assert.match(status.message, /not a valid OTLP/);
  const json = await post('{"resourceLogs": [', { 'content-type': 'application/json' });
  assert.equal(json.status, 400);
  assert.equal(((await json.json()) as any).error, 'LP_ERR_INVALID_JSON');
});

/** Wraps bytes as protobuf field `field` (length-delimited). */
function lenField(field: number, bytes: Buffer): Buffer {
  const len: number[] = [];
  let n = bytes.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), bytes]);
}

test('a hostile, deeply nested body is a 400, never a 500 or a crash', async () => {
  // AnyValue{array_value: ArrayValue{values: [AnyValue{…}]}} nested 20,000 deep, as raw bytes.
  let v = lenField(1, Buffer.from('x'));
  for (let i = 0; i < 20_000; i++) v = lenField(5, lenField(1, v));
  const body = lenField(1, lenField(2, lenField(2, lenField(5, v))));
  const res = await post(body, { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 400);
  assert.match((RpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as any).message, /depth/);
  // The server is still fine afterwards.
  assert.equal((await post(protoRequest([{ body: { stringValue: 'still alive' } }], 'after-nesting'), { 'content-type': 'application/x-protobuf' })).status, 200);
  assert.deepEqual((await logsOf('after-nesting')).map((r) => r.message), ['still alive']);
});

test('a gzip bomb stops at the decompressed limit with 413', async () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
  assert.ok(bomb.length < 100 * 1024);
  const res = await post(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
  const status = RpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as any;
  assert.equal(status.code, 8);
});

test('a wrong content type is 415, an unknown encoding is 415, a missing token is 401', async () => {
  assert.equal((await post('hello', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post(protoRequest([]), { 'content-type': 'application/x-protobuf', 'content-encoding': 'compress' })).status, 415);
  const res = await fetch(`${server.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(protoRequest([])) });
  assert.equal(res.status, 401);
  assert.equal((RpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as any).code, 16);
});

test('an empty export is accepted with an empty response', async () => {
  const res = await post(Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  const json = await post('{}', { 'content-type': 'application/json' });
  assert.equal(json.status, 200);
  assert.deepEqual(await json.json(), {});
});

test('Vector-style OTLP/JSON batches (newline-delimited or arrays of requests, snake_case keys) are accepted', async () => {
  const one = (i: number) => ({ resource_logs: [{ resource: { attributes: [{ key: 'service.name', value: { string_value: 'vector-otlp' } }] }, scope_logs: [{ log_records: [{ time_unix_nano: (1795838400000 + i) * 1e6, severity_text: 'ERROR', body: { string_value: `event ${i}` } }] }] }] });
  const ndjson = await post([one(0), one(1)].map((r) => JSON.stringify(r)).join('\n'), { 'content-type': 'application/json' });
  assert.equal(ndjson.status, 200);
  const array = await post(JSON.stringify([one(2), one(3)]), { 'content-type': 'application/json' });
  assert.equal(array.status, 200);
  const logs = await logsOf('vector-otlp');
  assert.deepEqual(logs.map((r) => [r.message, r.level, r.ts]), [0, 1, 2, 3].map((i) => [`event ${i}`, 'error', 1795838400000 + i]));
});


test('when rate-limited, OTLP clients get 429 with Retry-After, and the SDK exporter retries until everything is stored', async () => {
  const limited = await startServer({ args: ['--rate-limit', '1'] });
  try {
    const url = `${limited.url}/v1/logs`;
    const statuses: Response[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(protoRequest([], 'limited')) }));
    const refused = statuses.find((r) => r.status === 429);
    assert.ok(refused, `statuses ${statuses.map((r) => r.status)}`);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((RpcStatus.decode(new Uint8Array(await refused.arrayBuffer())) as any).code, 8);

    // The real exporter, four concurrent exports against 1 request/s with a burst of 2 (the
    // bucket is full again after the pause): at least two are refused at first, so all four
    // arriving means the exporter honoured the 429 and retried.
    await new Promise((r) => setTimeout(r, 2100));
    const exporter = new ProtoExporter({ url });
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'limited' }), processors: [new SimpleLogRecordProcessor({ exporter })] });
    const logger = provider.getLogger('limited');
    for (let i = 0; i < 4; i++) logger.emit({ severityNumber: SeverityNumber.INFO, body: `retried ${i}` });
    await provider.forceFlush();
    await provider.shutdown();
    // Queries count against the same limit: wait our turn.
    let res = await fetch(`${limited.url}/api/v1/logs?source=limited&order=asc`);
    while (res.status === 429) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      res = await fetch(`${limited.url}/api/v1/logs?source=limited&order=asc`);
    }
    const logs = ((await res.json()) as { logs: LogRecord[] }).logs;
    assert.deepEqual(logs.map((r) => r.message).sort(), ['retried 0', 'retried 1', 'retried 2', 'retried 3']);
  } finally {
    await limited.stop();
    limited.cleanup();
  }
});
