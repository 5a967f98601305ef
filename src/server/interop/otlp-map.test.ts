import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { camelizeKeys, levelFromSeverity, mapExportLogsRequest } from './otlp-map.js';
import { ExportLogsServiceRequest } from './otlp-schema.js';
import { LogpipeError } from '../../shared/errors.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** A request as the OTel SDK builds it, in the object form protobufjs encodes. */
function sampleRequest() {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'host.name', value: { stringValue: 'web-1' } },
            { key: 'deployment.environment', value: { stringValue: 'prod' } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'my-lib', version: '1.2.3' },
            logRecords: [
              {
                timeUnixNano: '1700000000123456789',
                observedTimeUnixNano: '1700000001000000000',
                severityNumber: 17,
                severityText: 'ERROR',
                body: { stringValue: 'payment failed' },
                attributes: [
                  { key: 'user.id', value: { intValue: 42 } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'ok', value: { boolValue: false } },
                  { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } },
                  { key: 'nested', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                  { key: 'big', value: { intValue: '9223372036854775807' } },
                ],
                traceId: Buffer.from(TRACE, 'hex'),
                spanId: Buffer.from(SPAN, 'hex'),
              },
              { observedTimeUnixNano: '1700000002000000000', severityText: 'Warning', body: { kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'hi' } }] } } },
              { severityNumber: 0, body: { stringValue: '[INFO]: no time' } },
            ],
          },
        ],
      },
    ],
  };
}

function roundTrip(obj: object) {
  const bytes = ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(obj)).finish();
  return ExportLogsServiceRequest.decode(bytes);
}

test('maps a protobuf request: time, level, body, source, host, attrs, trace ids', () => {
  const [a, b, c] = mapExportLogsRequest(roundTrip(sampleRequest()));
  assert.deepEqual(a, {
    message: 'payment failed',
    ts: 1700000000123,
    level: 'error',
    source: 'checkout',
    host: 'web-1',
    attrs: {
      'deployment.environment': 'prod',
      'otel.scope.name': 'my-lib',
      'otel.scope.version': '1.2.3',
      'user.id': 42,
      ratio: 0.5,
      ok: false,
      tags: ['a', 2],
      nested: { k: 'v' },
      big: '9223372036854775807',
      trace_id: TRACE,
      span_id: SPAN,
    },
  });
  // observedTimeUnixNano stands in for a missing timeUnixNano; structured bodies become JSON text.
  assert.equal(b.ts, 1700000002000);
  assert.equal(b.level, 'warn');
  assert.equal(b.message, '{"msg":"hi"}');
  // Neither time nor severity: left to the pipeline, which parses the line or uses arrival time.
  assert.equal(c.ts, undefined);
  assert.equal(c.level, undefined);
  assert.equal(c.message, '[INFO]: no time');
});

test('maps the OTLP/JSON encoding the same way (hex ids, string int64, camelCase)', () => {
  const json = sampleRequest() as any;
  const lr = json.resourceLogs[0].scopeLogs[0].logRecords[0];
  lr.traceId = TRACE;
  lr.spanId = SPAN;
  lr.attributes[0].value.intValue = '42';
  const viaJson = mapExportLogsRequest(JSON.parse(JSON.stringify(json)));
  const viaProto = mapExportLogsRequest(roundTrip(sampleRequest()));
  assert.deepEqual(viaJson, viaProto);
});

test('accepts snake_case OTLP/JSON after camelizing keys', () => {
  const snake = {
    resource_logs: [{ resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] }, scope_logs: [{ log_records: [{ time_unix_nano: '1700000000000000000', severity_number: 13, body: { string_value: 'x' } }] }] }],
  };
  const [rec] = mapExportLogsRequest(camelizeKeys(snake) as any);
  assert.deepEqual(rec, { message: 'x', ts: 1700000000000, level: 'warn', source: 'svc' });
});

test('severity numbers map by range, then severity text, then nothing', () => {
  const expect: [number, string][] = [[1, 'trace'], [4, 'trace'], [5, 'debug'], [8, 'debug'], [9, 'info'], [12, 'info'], [13, 'warn'], [16, 'warn'], [17, 'error'], [20, 'error'], [21, 'fatal'], [24, 'fatal']];
  for (const [n, level] of expect) assert.equal(levelFromSeverity(n, ''), level, `severity ${n}`);
  assert.equal(levelFromSeverity(0, 'CRITICAL'), 'fatal');
  assert.equal(levelFromSeverity('SEVERITY_NUMBER_WARN2', ''), 'warn');
  assert.equal(levelFromSeverity(0, 'chatty'), undefined);
  assert.equal(levelFromSeverity(25, ''), undefined);
});

test('empty request, empty scopes and zero ids give no records or no id attrs', () => {
  assert.deepEqual(mapExportLogsRequest(roundTrip({})), []);
  assert.deepEqual(mapExportLogsRequest({}), []);
  const [rec] = mapExportLogsRequest(roundTrip({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' }, traceId: Buffer.alloc(16), spanId: Buffer.alloc(0) }] }] }] }));
  assert.deepEqual(rec, { message: 'x' });
});

test('structurally wrong OTLP/JSON is a 400 naming the place', () => {
  for (const bad of [[], { resourceLogs: {} }, { resourceLogs: [{ scopeLogs: 'x' }] }, { resourceLogs: [{ scopeLogs: [{ logRecords: [1] }] }] }]) {
    assert.throws(() => mapExportLogsRequest(bad as any), (err: unknown) => err instanceof LogpipeError && err.statusCode === 400, JSON.stringify(bad));
  }
  assert.throws(() => mapExportLogsRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [1] }] }] }), /logRecords\[0\]/);
});

test('deeply nested bodies are cut, not a stack overflow', () => {
  let v: any = { stringValue: 'bottom' };
  for (let i = 0; i < 5000; i++) v = { arrayValue: { values: [v] } };
  const [rec] = mapExportLogsRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: v }] }] }] });
  assert.match(rec.message, /nested too deep/);
});

test('garbage is rejected by the protobuf decoder with an error, not a crash', () => {
  assert.throws(() => ExportLogsServiceRequest.decode(gzipSync(Buffer.from('not protobuf at all'))));
});

test('nanosecond times convert to exact milliseconds (no float rounding below 2^64)', () => {
  for (const ms of [1, 1795834800250, 1700000000123, 18446744073708]) {
    const ns = BigInt(ms) * 1000000n + 999999n;
    const lr = { timeUnixNano: ns.toString(), body: { stringValue: 'x' } };
    const [viaProto] = mapExportLogsRequest(roundTrip({ resourceLogs: [{ scopeLogs: [{ logRecords: [lr] }] }] }));
    const [viaJson] = mapExportLogsRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [lr] }] }] });
    assert.equal(viaProto.ts, ms, `proto ${ns}`);
    assert.equal(viaJson.ts, ms, `json ${ns}`);
  }
});

test('times given as JSON numbers (rounded above 2^53) still land on the right millisecond', () => {
  for (let ms = 1795834800000; ms < 1795834800000 + 2000; ms += 7) {
    const [rec] = mapExportLogsRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: ms * 1e6, body: { stringValue: 'x' } }] }] }] });
    assert.equal(rec.ts, ms);
  }
});

test('an attribute named __proto__ stays an attribute and pollutes nothing', () => {
  const [rec] = mapExportLogsRequest(JSON.parse('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"},"attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"boolValue":true}}]}}}]}]}]}]}'));
  assert.equal(JSON.stringify(rec.attrs), '{"__proto__":{"polluted":true}}');
  assert.equal(({} as any).polluted, undefined);
  assert.equal((rec.attrs as any).polluted, undefined);
});
