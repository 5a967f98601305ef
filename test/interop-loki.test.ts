// Loki push from a real client library (pino-loki, JSON), and the snappy-compressed protobuf
// PushRequest exactly as Promtail and Grafana Alloy send it, against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { pinoLoki } from 'pino-loki';
import snappy from 'snappyjs';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { startServer, type ServerHandle } from './helpers/server.js';
import { logsOf as fetchLogsOf } from './helpers/http.js';
import { PushRequest } from '../src/server/interop/loki-schema.js';
import type { LogRecord } from '../src/shared/record.js';

const TOKEN = 'loki-test-token';
let server: ServerHandle;

before(async () => {
  server = await startServer({ args: ['--ingest-token', TOKEN, '--max-decompressed-bytes', '1MB'] });
});
after(async () => {
  await server?.stop();
  server?.cleanup();
});

const logsOf = (source: string): Promise<LogRecord[]> => fetchLogsOf(server.url, source);

/** A PushRequest as Promtail sends it: protobuf, one snappy block, no Content-Encoding. */
function promtailBody(obj: object): Buffer {
  return Buffer.from(snappy.compress(Buffer.from(PushRequest.encode(PushRequest.fromObject(obj)).finish())));
}

async function push(body: Buffer | string, headers: Record<string, string>, token = TOKEN): Promise<Response> {
  return fetch(`${server.url}/loki/api/v1/push`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

test('pino-loki (JSON push, basic auth) ships records that query back with level, time, source, host and attrs', async () => {
  const transport = pinoLoki({
    host: server.url,
    basicAuth: { username: 'tenant', password: TOKEN },
    labels: { job: 'pino-app', env: 'test' },
    batching: { interval: 60, maxBufferSize: 0 },
    silenceErrors: false,
  });
  const logger = pino({ base: { hostname: 'pino-host' } }, transport);
  const t0 = Date.UTC(2026, 10, 28, 4, 0, 0, 500);
  logger.info({ time: t0, meta: { requestId: 'r-1' } }, 'user signed in');
  logger.warn({ time: t0 + 1 }, 'quota at 90%');
  logger.fatal({ time: t0 + 2, err: 'oom' }, 'giving up');
  // Ending the transport sends the batch and waits for the push to finish.
  transport.end();
  await once(transport, 'close');

  const logs = await logsOf('pino-app');
  assert.equal(logs.length, 3, JSON.stringify(logs));
  const [a, b, c] = logs;
  // The line is pino's JSON; the pipeline takes its msg as the message and its fields as attrs.
  assert.deepEqual(logs.map((r) => r.message), ['user signed in', 'quota at 90%', 'giving up']);
  assert.deepEqual([a.level, b.level, c.level], ['info', 'warn', 'fatal']);
  assert.deepEqual([a.ts, b.ts, c.ts], [t0, t0 + 1, t0 + 2]);
  assert.equal(a.host, 'pino-host');
  assert.equal(a.attrs?.env, 'test');
  assert.equal(a.attrs?.requestId, 'r-1');
  assert.equal(c.attrs?.err, 'oom');
});

test('winston-loki (protobuf+snappy, its default) ships records that query back with level, time, source, host and labels', async () => {
  const errors: unknown[] = [];
  const transport = new LokiTransport({
    host: server.url,
    basicAuth: `winston:${TOKEN}`,
    labels: { job: 'winston-app', host: 'winston-host' },
    replaceTimestamp: false,
    interval: 30,
    gracefulShutdown: false,
    onConnectionError: (err: unknown) => errors.push(err),
  });
  // Without the native snappy module winston-loki silently falls back to JSON; this test is about protobuf.
  assert.equal((transport as any).batcher.contentType, 'application/x-protobuf', 'winston-loki fell back to JSON: is the snappy package installed?');
  const logger = winston.createLogger({ level: 'debug', transports: [transport] });
  const t0 = Date.UTC(2026, 10, 28, 5, 0, 0, 125);
  logger.log({ level: 'info', message: 'cart checked out', timestamp: new Date(t0).toISOString(), labels: { module: 'cart' } });
  logger.log({ level: 'warn', message: 'slow payment provider', timestamp: new Date(t0 + 1).toISOString() });
  logger.log({ level: 'error', message: 'charge failed', timestamp: new Date(t0 + 2).toISOString(), orderId: 17 });
  await new Promise((r) => setImmediate(r));
  // close() wakes the batch loop and resolves once the last batch got its answer.
  await transport.close();
  assert.deepEqual(errors, []);

  const logs = await logsOf('winston-app');
  // winston-loki writes the message followed by the JSON of the other fields (level included).
  assert.deepEqual(
    logs.map((r) => [r.message, r.level, r.ts, r.host]),
    [
      ['cart checked out {"level":"info"}', 'info', t0, 'winston-host'],
      ['slow payment provider {"level":"warn"}', 'warn', t0 + 1, 'winston-host'],
      ['charge failed {"level":"error","orderId":17}', 'error', t0 + 2, 'winston-host'],
    ],
  );
  assert.equal(logs[0].attrs?.module, 'cart');
});

test('a Promtail-style snappy protobuf push stores every entry with labels, metadata and exact times', async () => {
  const body = promtailBody({
    streams: [
      {
        labels: '{job="varlogs", host="promtail-1", filename="/var/log/app.log", level="error"}',
        entries: [
          { timestamp: { seconds: 1795838400, nanos: 123456789 }, line: 'connection refused', structuredMetadata: [{ name: 'trace_id', value: 'abc123' }] },
          { timestamp: { seconds: 1795838401, nanos: 0 }, line: 'retrying' },
        ],
      },
      { labels: '{job="varlogs", host="promtail-2", filename="/var/log/other.log"}', entries: [{ timestamp: { seconds: 1795838402, nanos: 5000000 }, line: '2026-11-28 04:00:02.005 [WARN]: slow disk' }] },
    ],
  });
  const res = await push(body, { 'content-type': 'application/x-protobuf', 'user-agent': 'promtail/3.0.0' });
  assert.equal(res.status, 204);
  assert.equal(await res.text(), '');
  const logs = await logsOf('varlogs');
  assert.deepEqual(
    logs.map((r) => [r.message, r.level, r.ts, r.host, r.attrs]),
    [
      ['connection refused', 'error', 1795838400123, 'promtail-1', { filename: '/var/log/app.log', trace_id: 'abc123' }],
      ['retrying', 'error', 1795838401000, 'promtail-1', { filename: '/var/log/app.log' }],
      ['2026-11-28 04:00:02.005 [WARN]: slow disk', 'warn', 1795838402005, 'promtail-2', { filename: '/var/log/other.log' }],
    ],
  );
});

test('JSON pushes may be gzip-compressed (Vector and Fluent Bit can do that)', async () => {
  const json = JSON.stringify({ streams: [{ stream: { service_name: 'gz-svc' }, values: [['1795838400000000000', 'zipped']] }] });
  const res = await push(gzipSync(json), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(res.status, 204);
  assert.deepEqual((await logsOf('gz-svc')).map((r) => r.message), ['zipped']);
});

test('bad pushes: malformed protobuf 400, bad labels 400 naming them, snappy bomb 413, wrong type 415, no token 401', async () => {
  const garbage = Buffer.from(snappy.compress(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])));
  const r1 = await push(garbage, { 'content-type': 'application/x-protobuf' });
  assert.equal(r1.status, 400);
  assert.match(((await r1.json()) as any).message, /not a valid Loki PushRequest/);

  const r2 = await push(promtailBody({ streams: [{ labels: '{job=varlogs}', entries: [{ line: 'x' }] }] }), { 'content-type': 'application/x-protobuf' });
  assert.equal(r2.status, 400);
  assert.match(((await r2.json()) as any).message, /stream labels .*job=varlogs/);

  const bomb = Buffer.from(snappy.compress(Buffer.alloc(4 * 1024 * 1024)));
  const r3 = await push(bomb, { 'content-type': 'application/x-protobuf' });
  assert.equal(r3.status, 413);

  const gzBomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, ' '));
  assert.equal((await push(gzBomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status, 413);

  assert.equal((await push('job=x', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await push('{}', { 'content-type': 'application/json' }, 'wrong-token')).status, 401);
  const anon = await fetch(`${server.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(anon.status, 401);
  // Unparsable and uncompressed bodies never turn into 500s.
  assert.equal((await push('not json', { 'content-type': 'application/json' })).status, 400);
  const raw = Buffer.from(PushRequest.encode(PushRequest.fromObject({ streams: [{ labels: '{job="raw"}', entries: [{ line: 'x' }] }] })).finish());
  const r4 = await push(raw, { 'content-type': 'application/x-protobuf' });
  assert.equal(r4.status, 400);
  assert.match(((await r4.json()) as any).message, /snappy/);
  assert.equal((await push(Buffer.alloc(0), { 'content-type': 'application/x-protobuf' })).status, 204);
});

test('GET /ready and the label endpoints answer as Loki does', async () => {
  const ready = await fetch(`${server.url}/ready`);
  assert.equal(ready.status, 200);
  assert.equal((await ready.text()).trim(), 'ready');
  await push(JSON.stringify({ streams: [{ stream: { job: 'labels-job', host: 'labels-host' }, values: [['1795838400000000000', 'x']] }] }), { 'content-type': 'application/json' });
  const labels = (await (await fetch(`${server.url}/loki/api/v1/labels`)).json()) as any;
  assert.equal(labels.status, 'success');
  assert.ok(labels.data.includes('job') && labels.data.includes('host'), JSON.stringify(labels));
  const jobs = (await (await fetch(`${server.url}/loki/api/v1/label/job/values`)).json()) as any;
  assert.ok(jobs.data.includes('labels-job'), JSON.stringify(jobs));
  const hosts = (await (await fetch(`${server.url}/loki/api/v1/label/host/values`)).json()) as any;
  assert.ok(hosts.data.includes('labels-host'), JSON.stringify(hosts));
  const other = (await (await fetch(`${server.url}/loki/api/v1/label/nothing/values`)).json()) as any;
  assert.deepEqual(other, { status: 'success', data: [] });
});
