import { test } from 'node:test';
import assert from 'node:assert/strict';
import snappy from 'snappyjs';
import { mapPushJson, mapPushRequest, streamFields } from './loki-map.js';
import { PushRequest } from './loki-schema.js';
import { uncompressSnappy } from './snappy-body.js';

/** Encodes a PushRequest the way Promtail does: protobuf, then one snappy block. */
function promtailBody(obj: object): Buffer {
  return Buffer.from(snappy.compress(Buffer.from(PushRequest.encode(PushRequest.fromObject(obj)).finish())));
}

test('maps a snappy protobuf push: labels, timestamps, structured metadata, level', () => {
  const body = promtailBody({
    streams: [
      {
        labels: '{job="varlogs", host="web-1", filename="/var/log/app.log", level="warn"}',
        entries: [
          { timestamp: { seconds: 1700000000, nanos: 123456789 }, line: 'disk almost full' },
          { timestamp: { seconds: 1700000001, nanos: 0 }, line: 'again', structuredMetadata: [{ name: 'trace_id', value: 'abc' }] },
        ],
      },
      { labels: '{service_name="api", job="ignored-for-source"}', entries: [{ timestamp: { seconds: 1700000002 }, line: '2026-01-01 [ERROR]: boom' }] },
    ],
  });
  const records = mapPushRequest(PushRequest.decode(uncompressSnappy(body, 1 << 20)));
  assert.deepEqual(records, [
    { message: 'disk almost full', ts: 1700000000123, level: 'warn', source: 'varlogs', host: 'web-1', attrs: { filename: '/var/log/app.log' } },
    { message: 'again', ts: 1700000001000, level: 'warn', source: 'varlogs', host: 'web-1', attrs: { filename: '/var/log/app.log', trace_id: 'abc' } },
    // No level label: the pipeline parses the level from the line.
    { message: '2026-01-01 [ERROR]: boom', ts: 1700000002000, source: 'api', attrs: { job: 'ignored-for-source' } },
  ]);
});

test('maps the JSON push form the same way, with metadata and detected_level', () => {
  const records = mapPushJson({
    streams: [
      { stream: { app: 'web', instance: 'i-1', env: 'prod' }, values: [['1700000000123456789', 'hello'], ['1700000000200000000', 'meta', { detected_level: 'error', user: 'u1' }]] },
      { stream: {}, values: [] },
    ],
  });
  assert.deepEqual(records, [
    { message: 'hello', ts: 1700000000123, source: 'web', host: 'i-1', attrs: { env: 'prod' } },
    { message: 'meta', ts: 1700000000200, level: 'error', source: 'web', host: 'i-1', attrs: { env: 'prod', user: 'u1' } },
  ]);
});

test('accepts the legacy push form with label text and {ts, line} entries', () => {
  const records = mapPushJson({ streams: [{ labels: '{job="old"}', entries: [{ ts: '2023-11-14T22:13:20.5Z', line: 'x' }] }] });
  assert.deepEqual(records, [{ message: 'x', ts: '2023-11-14T22:13:20.5Z', source: 'old' }]);
});

test('stream labels: source and host by preference, unknown level words stay as attrs', () => {
  assert.deepEqual(streamFields({ job: 'j', app: 'a', hostname: 'h', level: 'chatty' }), { source: 'a', host: 'h', attrs: { job: 'j', level: 'chatty' } });
  assert.deepEqual(streamFields({ service: 's', host: 'h1', instance: 'i', level: 'WARNING' }), { source: 's', host: 'h1', level: 'warn', attrs: { instance: 'i' } });
});

test('malformed JSON pushes are 400s naming the entry', () => {
  const cases: [unknown, RegExp][] = [
    [[], /body/],
    [{ streams: {} }, /streams/],
    [{ streams: [{ stream: {}, values: [['1', 2]] }] }, /streams\[0\]\.values\[0\].*line/],
    [{ streams: [{ stream: {}, values: [['soon', 'x']] }] }, /timestamp/],
    [{ streams: [{ stream: {}, values: [['1']] }] }, /values\[0\]/],
    [{ streams: [{ stream: {}, values: [['1', 'x', 'meta']] }] }, /metadata/],
    [{ streams: [{ stream: 'job=x', values: [] }] }, /stream/],
  ];
  for (const [body, re] of cases) {
    assert.throws(() => mapPushJson(body), (err: any) => err.statusCode === 400 && re.test(err.message), JSON.stringify(body));
  }
});

test('snappy: corrupt blocks are 400, blocks declaring too much are 413 before allocating', () => {
  assert.throws(() => uncompressSnappy(Buffer.from([0x05, 0xff, 0xff]), 1000), (err: any) => err.statusCode === 400);
  const big = Buffer.from(snappy.compress(Buffer.alloc(100_000, 'a')));
  assert.throws(() => uncompressSnappy(big, 50_000), (err: any) => err.statusCode === 413);
  assert.equal(uncompressSnappy(big, 100_000).length, 100_000);
});

test('JSON number timestamps (rounded above 2^53) keep their millisecond', () => {
  for (let ms = 1795834800000; ms < 1795834800000 + 2000; ms += 7) {
    const [rec] = mapPushJson({ streams: [{ stream: {}, values: [[ms * 1e6, 'x']] }] });
    assert.equal(rec.ts, ms);
  }
});
