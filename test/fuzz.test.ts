// Hostile-input fuzzing against a real server: thousands of generated malformed or hostile
// requests across every endpoint, from a seeded PRNG so a failure can be replayed
// (FUZZ_SEED=n FUZZ_COUNT=n node scripts/run-tests.mjs fuzz; FUZZ_PROFILE=1 prints time per path). Asserts that no response is a
// 5xx, that every 4xx from our routes is a JSON error, that /healthz keeps answering, that the
// server's memory stays bounded, and that normal requests work afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { ExportLogsServiceRequest } from '../src/server/interop/otlp-schema.js';
import { PushRequest } from '../src/server/interop/loki-schema.js';
import { startServer } from './helpers/server.js';
import { http as fetchHttp } from './helpers/http.js';
import { memoryOf, rawRequest } from './helpers/proc.js';
import { mulberry32 as prng } from '../src/shared/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const COUNT = Number(process.env.FUZZ_COUNT ?? 5500);
const CONCURRENCY = 8;
const INGEST = 'fuzz-ingest-token-1';
const READ = 'fuzz-read-token-22';
/**
 * A guard against a hung run, well inside the per-file timeout (scripts/run-tests.mjs): every
 * request is sent unless this runs out. (It used to be a 55 s budget that 5,000 requests had
 * to fit in: a throughput figure of the machine, which a busy one misses — 1,544 in 55 s at a
 * load of 15.)
 */
const WALL_LIMIT_MS = 0.8 * (Number(process.env.LOGPIPE_TEST_TIMEOUT_MS) || 300_000);


const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const chance = (p: number) => rand() < p;

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\u001b[31mred\u001b[0m', '\u001b]0;title\u0007', '\u001b[2J\u001b[H', '\r\n\r\n', '\t',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${jndi:ldap://x/a}',
  "'; DROP TABLE logs; --", '" OR 1=1 --', '%', '_', '\\', '\\x00', '%00', '\ud800', '\udfff', '\u202e\u2066', '\ufeff', '\uffff',
  'NEAR(a b)', 'a AND OR NOT b', '"unterminated', '*', '**', 'a*b*', '^start', 'col:value', 'message:x', '(((', ')))', '-', '--', '+a -b',
  '😀'.repeat(50), 'é'.repeat(300), 'x'.repeat(5000), 'null', 'undefined', 'NaN', 'Infinity', '-0', '1e309', '0x10', '[]', '{}',
  '2026-13-45T25:61:61Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00Z', '0000-00-00', 'Nov 31 25:00:00', '9'.repeat(40),
];
const HOSTILE_NUMBERS = [0, -1, -0, 1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e21, 253402300800000, 253402300799999, 1e17, 1e14 + 1, 4.9e-324];

function hostileString(): string {
  const s = pick(HOSTILE_STRINGS);
  if (chance(0.3)) return s + pick(HOSTILE_STRINGS);
  if (chance(0.1)) return Array.from({ length: int(20) }, () => String.fromCharCode(int(0x10000))).join('');
  return s;
}

function hostileValue(depth = 0): unknown {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0: return hostileString();
    case 1: return pick(HOSTILE_NUMBERS);
    case 2: return pick([true, false, null]);
    case 3: return String(pick(HOSTILE_NUMBERS));
    case 4: return int(1000);
    case 5: return Array.from({ length: int(4) }, () => hostileValue(depth + 1));
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = int(4); i > 0; i--) o[pick(['__proto__', 'constructor', 'toString', 'valueOf', 'message', 'a', hostileString(), 'level', 'ts'])] = hostileValue(depth + 1);
      return o;
    }
    default: return { toString: hostileValue(depth + 1), valueOf: 1, length: -1 };
  }
}

function record(): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (!chance(0.1)) r.message = chance(0.75) ? hostileString() : hostileValue();
  if (chance(0.4)) r.ts = chance(0.5) ? pick(HOSTILE_NUMBERS) : chance(0.5) ? hostileString() : hostileValue();
  if (chance(0.3)) r.level = chance(0.5) ? pick(['info', 'WARN', 'err', 'fatal', 'loud', 'CRITICAL', 'unknown']) : hostileValue();
  if (chance(0.3)) r.source = chance(0.7) ? hostileString() : hostileValue();
  if (chance(0.2)) r.host = chance(0.7) ? hostileString().slice(0, 300) : hostileValue();
  if (chance(0.3)) r.attrs = chance(0.9) ? hostileValue() : { big: 'x'.repeat(chance(0.2) ? 70_000 + int(100_000) : int(70_000)) };
  if (chance(0.2)) r.stream = chance(0.7) ? `fuzz-${int(5)}` : hostileValue();
  if (chance(0.25)) r.offset = chance(0.7) ? int(10_000) : pick(HOSTILE_NUMBERS);
  return r;
}

function nestedJson(): string {
  const n = chance(0.2) ? 100_000 : pick([100, 1000, 10_000]);
  const open = pick(['[', '{"a":', '[{"message":"m","attrs":{"a":']);
  return chance(0.5) ? open.repeat(n) : `${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`;
}

function brokenJson(): string {
  const good = JSON.stringify(Array.from({ length: 1 + int(3) }, record));
  switch (int(6)) {
    case 0: return good.slice(0, int(good.length));
    case 1: return good.replace(/"/g, "'");
    case 2: return good + ',';
    case 3: return '\ufeff\ufeff' + good;
    case 4: return good.split('').map((c) => (chance(0.05) ? String.fromCharCode(int(128)) : c)).join('');
    default: return nestedJson();
  }
}

function otlpJson(): unknown {
  const logRecord = () => ({
    timeUnixNano: chance(0.5) ? String(int(2 ** 31) * 1e9) : hostileValue(),
    observedTimeUnixNano: hostileValue(),
    severityNumber: chance(0.5) ? int(30) - 3 : hostileValue(),
    severityText: hostileValue(),
    body: chance(0.5) ? { stringValue: hostileString() } : { kvlistValue: { values: [{ key: hostileString(), value: hostileValue() }] }, arrayValue: hostileValue() },
    attributes: chance(0.5) ? [{ key: hostileString(), value: { intValue: hostileValue() } }] : hostileValue(),
    traceId: hostileValue(),
    spanId: chance(0.5) ? 'zz' : hostileValue(),
    flags: hostileValue(),
  });
  const req = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: hostileValue() } }] }, scopeLogs: [{ scope: hostileValue(), logRecords: Array.from({ length: int(4) }, logRecord) }] }] };
  if (chance(0.2)) return { resource_logs: [{ scope_logs: [{ log_records: [{ body: { string_value: hostileString() }, time_unix_nano: hostileValue() }] }] }] };
  if (chance(0.2)) return hostileValue();
  return req;
}

function lokiJson(): unknown {
  if (chance(0.15)) return hostileValue();
  const values = Array.from({ length: int(4) }, () =>
    chance(0.6) ? [String(Date.now() * 1e6 + int(1e6)), hostileString()] : chance(0.5) ? [hostileValue(), hostileValue(), hostileValue()] : hostileValue());
  return { streams: [{ stream: chance(0.7) ? { job: hostileValue(), [hostileString()]: hostileValue() } : hostileValue(), values }, ...(chance(0.2) ? [{ labels: hostileString(), entries: [{ ts: hostileValue(), line: hostileString() }] }] : [])] };
}

/** One length-delimited protobuf field. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** The tag and length of a length-delimited field, without its payload. */
function fieldHead(no: number, payloadLength: number): Buffer {
  return Buffer.concat([varint((no << 3) | 2), varint(payloadLength)]);
}

function field(no: number, payload: Buffer): Buffer {
  return Buffer.concat([fieldHead(no, payload.length), payload]);
}

/** An OTLP request whose record body is an AnyValue nested `depth` kvlists deep, encoded by hand. */
function deepOtlpProtobuf(depth: number): Buffer {
  let value = field(1, Buffer.from('leaf')); // AnyValue.string_value
  // Each level is kvlist_value.values[{key, value}]: field(6, field(1, [field(1, 'k'), field(2, value)])).
  // The inner value comes last, so a level is a prefix (tags and lengths) before it; building
  // the prefixes first and joining once is linear (re-wrapping the whole value per level was
  // quadratic: 20,000 levels took seconds of CPU, minutes on a loaded machine).
  const key = field(1, Buffer.from('k'));
  const prefixes: Buffer[] = [];
  let length = value.length;
  for (let i = 0; i < depth; i++) {
    const valueHead = fieldHead(2, length);
    const kvLength = key.length + valueHead.length + length;
    const kvHead = fieldHead(1, kvLength);
    const listHead = fieldHead(6, kvHead.length + kvLength);
    prefixes.push(Buffer.concat([listHead, kvHead, key, valueHead]));
    length = listHead.length + kvHead.length + kvLength;
  }
  value = Buffer.concat([...prefixes.reverse(), value]);
  return field(1, field(2, field(2, field(5, value)))); // resource_logs.scope_logs.log_records.body
}

/** A valid protobuf encoding of an OTLP or Loki request whose values are hostile (huge times, deep nesting, odd text). */
function wellFormedProtobuf(kind: string): Buffer {
  const text = () => hostileString();
  if (kind === 'loki') {
    const msg = PushRequest.fromObject({
      streams: Array.from({ length: 1 + int(3) }, () => ({
        labels: pick(['{job="fuzz"}', '{job="a", level="error"}', '{', '{a="\\"}', '', `{${text()}}`, '{job="x",job="y"}']),
        entries: Array.from({ length: int(4) }, () => ({
          timestamp: { seconds: pick([0, -1, 1, 2 ** 40, Number.MAX_SAFE_INTEGER, 1795839000]), nanos: pick([0, -1, 999_999_999, 2 ** 31 - 1]) },
          line: text(),
          structuredMetadata: chance(0.3) ? [{ name: text(), value: text() }, { name: 'level', value: pick(['error', 'loud', '']) }] : [],
        })),
      })),
    });
    return Buffer.from(PushRequest.encode(msg).finish());
  }
  if (chance(0.05)) return deepOtlpProtobuf(pick([50, 1000, 20_000]));
  let value: Record<string, unknown> = { stringValue: text() };
  // protobufjs itself refuses to encode past 100 message levels; deeper ones are hand-made above.
  for (let d = int(chance(0.1) ? 25 : 5); d > 0; d--) value = chance(0.5) ? { kvlistValue: { values: [{ key: text(), value }] } } : { arrayValue: { values: [value, { intValue: pick(['0', '-1', '9223372036854775807']) }] } };
  const msg = ExportLogsServiceRequest.fromObject({
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: text() } }, { key: 'host.name', value: chance(0.5) ? { intValue: 5 } : { stringValue: 'h'.repeat(int(400)) } }] },
      scopeLogs: [{
        scope: { name: text(), version: text() },
        logRecords: Array.from({ length: int(5) }, () => ({
          timeUnixNano: pick(['0', '1', '18446744073709551615', '1795839000000000000', '9223372036854775807']),
          severityNumber: pick([0, 1, 9, 17, 24, 25, -5]),
          severityText: text(),
          body: chance(0.5) ? value : { bytesValue: randomBytes(int(50)) },
          attributes: [{ key: text(), value: { doubleValue: pick([Infinity, -Infinity, NaN, 1e308, -0]) } }, { key: text(), value }],
          traceId: randomBytes(pick([0, 16, 3])),
          spanId: randomBytes(pick([0, 8, 40])),
        })),
      }],
    }],
  });
  return Buffer.from(ExportLogsServiceRequest.encode(msg).finish());
}

function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/x-ndjson', 'application/jsonl', 'text/plain',
  'application/x-protobuf', 'application/protobuf', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded',
  '', 'application/json, text/plain', 'APPLICATION/JSON', 'application/json;;;', '*/*', 'text/plain; charset=latin1', 'x'.repeat(2000),
];
const ENCODINGS = ['gzip', 'deflate', 'br', 'zstd', 'identity', 'GZIP', 'gzip, gzip', 'snappy', 'compress', 'lzma', ' gzip ', 'x-gzip', ''];

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** OTLP answers protobuf requests with a protobuf Status, not JSON. */
  protobufReply?: boolean;
}

function auth(): Record<string, string> {
  const r = rand();
  if (r < 0.85) return {};
  if (r < 0.9) return { authorization: `Bearer ${hostileString().replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '')}` };
  if (r < 0.95) return { authorization: `Basic ${Buffer.from(hostileString()).toString('base64')}` };
  return { authorization: pick(['Bearer', 'Basic', 'Basic ===', 'Negotiate abc', `Bearer ${READ}${INGEST}`, `Bearer ${INGEST.slice(0, -1)}`]) };
}

/** Percent-encodes, replacing lone surrogates (encodeURIComponent throws on them). */
const enc = (s: string) => encodeURIComponent((s as any).toWellFormed());

function query(): string {
  const params: [string, string][] = [];
  const names = ['q', 'level', 'source', 'host', 'from', 'to', 'cursor', 'limit', 'order', 'buckets', 'before', 'after', 'format', 'x', '__proto__', 'q[]', 'level[a]'];
  for (let i = int(6); i > 0; i--) {
    const name = pick(names);
    let value: string;
    switch (name) {
      case 'level': value = chance(0.6) ? Array.from({ length: 1 + int(3) }, () => pick(['info', 'error', 'WARN', 'loud', '', ',', 'fatal'])).join(',') : hostileString(); break;
      case 'from': case 'to': value = chance(0.5) ? String(pick(HOSTILE_NUMBERS)) : chance(0.5) ? new Date(int(2 ** 42)).toISOString() : hostileString(); break;
      case 'cursor': value = chance(0.5) ? Buffer.from(pick(['asc', 'desc', 'up', '']) + '.' + pick(['-1', '0', '1', '99999999999999999', 'x', '1.5'])).toString('base64url') : hostileString(); break;
      case 'limit': case 'buckets': case 'before': case 'after': value = chance(0.6) ? String(pick([0, 1, -1, 100, 1000, 1001, 5000, 5001, 1e9, 2 ** 53])) : hostileString(); break;
      default: value = hostileString();
    }
    params.push([name, value]);
  }
  let qs = params.map(([k, v]) => `${enc(k)}=${enc(v).replace(/%EF%BF%BD/g, '%FF')}`).join('&');
  if (chance(0.05)) qs += '&bad=%E0%A4%A&%zz=1&=&&&q=%';
  return qs ? `?${qs}` : '';
}

function body(kind: 'native' | 'seed' | 'otlp' | 'loki'): { body: Buffer; type: string; encoding?: string } {
  let type = kind === 'otlp' || kind === 'loki' ? pick(['application/json', 'application/json', 'application/x-protobuf']) : pick(['application/json', 'application/json', 'application/x-ndjson', 'text/plain']);
  let data: Buffer;
  const r = rand();
  if (type === 'application/x-protobuf') {
    // Half well-formed messages with hostile field values, half random bytes.
    data = chance(0.5) ? wellFormedProtobuf(kind) : randomBytes(int(300));
    if (chance(0.05)) data = data.subarray(0, int(data.length));
    if (kind === 'loki' && chance(0.8)) data = Buffer.from(snappy.compress(data));
  } else if (r < 0.4) {
    const value = kind === 'otlp' ? otlpJson() : kind === 'loki' ? lokiJson() : Array.from({ length: int(5) }, record);
    data = Buffer.from(type === 'application/x-ndjson' && Array.isArray(value) ? value.map((v) => JSON.stringify(v)).join('\n') : JSON.stringify(value));
  } else if (r < 0.6) {
    data = Buffer.from(brokenJson());
  } else if (r < 0.7) {
    data = Buffer.from(JSON.stringify(kind === 'native' || kind === 'seed' ? hostileValue() : hostileValue()));
  } else if (r < 0.8) {
    // Invalid UTF-8 and raw control bytes inside otherwise valid JSON strings.
    data = Buffer.concat([Buffer.from('[{"message":"'), randomBytes(int(200)).map((b) => (b === 0x22 || b === 0x5c ? 0x41 : b)), Buffer.from('"}]')]);
  } else if (r < 0.9) {
    data = randomBytes(int(2000));
  } else {
    data = Buffer.from(Array.from({ length: int(50) }, hostileString).join(pick(['\n', '\r\n', '\n\n', '\r'])));
  }
  if (chance(0.15)) type = pick(CONTENT_TYPES);
  let encoding: string | undefined;
  if (chance(0.25)) {
    encoding = pick(ENCODINGS);
    if (/gzip/i.test(encoding)) {
      const z = gzipSync(data);
      data = chance(0.5) ? z : z.subarray(0, int(z.length));
    }
  }
  return { body: data, type, encoding };
}

const READ_PATHS = ['/api/v1/logs', '/logs', '/api/v1/histogram', '/api/v1/fields', '/api/v1/sources', '/api/v1/logs/export', '/api/v1/tail', '/metrics', '/loki/api/v1/labels', '/loki/api/v1/label', '/healthz', '/ready', '/'];
const WRITE_PATHS: [string, 'native' | 'seed' | 'otlp' | 'loki'][] = [['/api/v1/logs', 'native'], ['/logs', 'seed'], ['/v1/logs', 'otlp'], ['/otlp/v1/logs', 'otlp'], ['/loki/api/v1/push', 'loki']];

function weirdPath(): string {
  return pick([
    `/api/v1/logs/${pick(['1', '0', '-1', '1.5', 'abc', '9'.repeat(20), '%00', '..', '%2e%2e', 'x'.repeat(150)])}${pick(['', '/context', '/context?before=9999&after=-1', '/export'])}`,
    `/loki/api/v1/label/${enc(hostileString()).slice(0, 300) || 'x'}/values`,
    '/api/v1/' + enc(hostileString()).slice(0, 200),
    '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fpackage.json', '/index.html%00.js', '/%ff%fe', '//', '/api//v1//logs', '/API/V1/LOGS',
    '/api/v1/logs?' + 'a=1&'.repeat(2000), '/' + 'a'.repeat(8000),
  ]);
}

function generate(): Req {
  const r = rand();
  const headers: Record<string, string> = {};
  if (chance(0.2)) headers.origin = pick(['https://evil.example', 'null', hostileString().replace(/[^\x21-\x7e]/g, '')]);
  if (chance(0.1)) headers['x-forwarded-for'] = pick(['1.2.3.4', '::1, 10.0.0.1', 'garbage', '999.999.999.999']);
  if (chance(0.1)) headers['last-event-id'] = pick(['-1', '0', '99999999999999999999', 'abc', '1.5', ' 5 ']);
  if (chance(0.2)) headers.accept = pick(['text/html', 'text/event-stream', '*/*', 'application/json', 'x'.repeat(1000)]);
  if (r < 0.45) {
    const [path, kind] = pick(WRITE_PATHS);
    const b = body(kind);
    Object.assign(headers, { authorization: `Bearer ${chance(0.95) ? INGEST : READ}` }, auth());
    if (b.type) headers['content-type'] = b.type;
    if (b.encoding !== undefined) headers['content-encoding'] = b.encoding;
    return { method: 'POST', path: path + (chance(0.1) ? query() : ''), headers, body: b.body, protobufReply: kind === 'otlp' && /protobuf/.test(b.type) };
  }
  if (r < 0.85) {
    Object.assign(headers, { authorization: `Bearer ${chance(0.95) ? READ : INGEST}` }, auth());
    const path = chance(0.15) ? weirdPath() : pick(READ_PATHS) + query();
    return { method: chance(0.95) ? 'GET' : pick(['HEAD', 'OPTIONS']), path, headers };
  }
  // Wrong methods, random paths and random headers with and without bodies.
  Object.assign(headers, { authorization: `Bearer ${pick([READ, INGEST])}` }, auth());
  if (chance(0.5)) headers['content-type'] = pick(CONTENT_TYPES);
  if (chance(0.3)) headers['content-encoding'] = pick(ENCODINGS);
  const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'SEARCH']);
  const path = chance(0.5) ? weirdPath() : pick([...READ_PATHS, ...WRITE_PATHS.map((w) => w[0])]) + (chance(0.5) ? query() : '');
  const withBody = method !== 'GET' && method !== 'HEAD' && method !== 'TRACE' && chance(0.7);
  return { method, path, headers, body: withBody ? (chance(0.5) ? randomBytes(int(500)) : Buffer.from(brokenJson())) : undefined };
}

/** Requests a plain HTTP client library would refuse to send: written straight to a socket. */
function generateRaw(): string | Buffer {
  const auth = `Authorization: Bearer ${INGEST}\r\n`;
  return pick<() => string | Buffer>([
    () => `GET /api/v1/logs?q=\u0000\u0001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    () => `GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    () => `GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    () => `POST /api/v1/logs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n[{"message":"x"}]`,
    () => `POST /api/v1/logs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n[]\r\n0\r\n\r\n`,
    () => `POST /api/v1/logs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n[]\r\n0\r\n\r\n`,
    () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    () => `GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\nConnection: close\r\n\r\n`,
    () => `GARBAGE\r\n\r\n`,
    () => Buffer.concat([Buffer.from('GET /api/v1/logs?q='), randomBytes(50).map((b) => (b < 0x21 ? 0x41 : b)), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]),
    () => `GET /api/v1/tail HTTP/1.0\r\nLast-Event-ID: \u00ff\u00fe\r\nConnection: close\r\n\r\n`,
    () => `POST /v1/logs HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\nConnection: close\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03`,
  ])();
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Outcome {
  status: number;
  body: string;
  contentType: string;
}

function send(port: number, req: Req): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // node:http frames no body for DELETE/OPTIONS unless told its length: the bytes would be read as the next request.
    const headers = req.body ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers;
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent, timeout: 15_000 }, (res) => {
      const isStream = /event-stream/.test(String(res.headers['content-type']));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size < 64 * 1024) chunks.push(d);
        if (isStream) {
          r.destroy();
          resolve({ status: res.statusCode ?? 0, body: '', contentType: 'text/event-stream' });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '', contentType: '' }));
    });
    r.on('timeout', () => r.destroy(new Error(`timed out: ${req.method} ${req.path.slice(0, 100)}`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

test(`fuzz: ${COUNT} hostile requests (seed ${SEED}) get no 5xx, and the server stays up and bounded`, async () => {
  const srv = await startServer({ args: ['--ingest-token', INGEST, '--read-token', READ, '--max-subscribers', '64'] });
  const pid = srv.proc.pid!;
  const failures: string[] = [];
  const counts = new Map<number, number>();
  let rssMax = 0;
  let sent = 0;
  let transportErrors = 0;
  const timeByPath = new Map<string, number>();
  try {
    const baseline = memoryOf(pid);
    // Generation is sequential (repeatable for a seed); only the sending is concurrent.
    const requests: (Req | { raw: string | Buffer })[] = [];
    for (let i = 0; i < COUNT; i++) requests.push(chance(0.03) ? { raw: generateRaw() } : generate());
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < requests.length && Date.now() - started < WALL_LIMIT_MS) {
        const i = next++;
        const req = requests[i];
        let out: Outcome;
        try {
          if ('raw' in req) {
            const res = await rawRequest(srv.port, req.raw, 10_000);
            out = { status: res.status, body: res.body, contentType: /content-type: ([^\r\n]*)/i.exec(res.head)?.[1] ?? '' };
          } else {
            const t0 = performance.now();
            out = await send(srv.port, req);
            const key = `${req.method} ${req.path.split('?')[0].slice(0, 30)}`;
            timeByPath.set(key, (timeByPath.get(key) ?? 0) + performance.now() - t0);
          }
        } catch (err) {
          // A connection the server closes on a malformed request is fine; a dead server is not (checked below).
          transportErrors++;
          if (transportErrors > 50) failures.push(`#${i}: too many transport errors, last: ${(err as Error).message}`);
          continue;
        }
        sent++;
        counts.set(out.status, (counts.get(out.status) ?? 0) + 1);
        const what = 'raw' in req ? `#${i} raw ${JSON.stringify(String(req.raw).slice(0, 120))}` : `#${i} ${req.method} ${req.path.slice(0, 160)} ${JSON.stringify(req.headers).slice(0, 200)} body=${JSON.stringify(req.body?.toString('latin1').slice(0, 160))}`;
        if (out.status >= 500) failures.push(`${what} → ${out.status} ${out.body.slice(0, 300)}`);
        else if (out.status >= 400 && ('raw' in req || (req.method !== 'HEAD' && !req.protobufReply))) {
          let ok = false;
          try {
            const j = JSON.parse(out.body);
            ok = typeof j.error === 'string' && j.error.startsWith('LP_ERR_') && typeof j.message === 'string';
          } catch {
            ok = false;
          }
          if (!ok) failures.push(`${what} → ${out.status} without a JSON error: ${out.body.slice(0, 200)}`);
        }
        if (i % 250 === 0) {
          const m = memoryOf(pid);
          if (m) rssMax = Math.max(rssMax, m.rss);
          const h = await fetchHttp(`${srv.url}/healthz`, { timeoutMs: 5000 });
          if (h.status !== 200) failures.push(`#${i}: /healthz answered ${h.status}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = Date.now() - started;
    const end = memoryOf(pid);
    if (end) rssMax = Math.max(rssMax, end.rss);
    const summary = `${sent} requests in ${elapsed} ms, statuses ${JSON.stringify(Object.fromEntries([...counts].sort((a, b) => a[0] - b[0])))}, transport errors ${transportErrors}, RSS baseline ${Math.round((baseline?.rss ?? 0) / 2 ** 20)} MiB, max ${Math.round(rssMax / 2 ** 20)} MiB, peak ${Math.round((end?.peak ?? 0) / 2 ** 20)} MiB`;
    console.log(`# fuzz: ${summary}`);
    if (process.env.FUZZ_PROFILE) console.log([...timeByPath].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `# ${k}: ${Math.round(v)} ms`).join('\n'));
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures; ${summary}`);
    assert.ok(sent >= Math.min(5000, COUNT * 0.95), `at least 5,000 requests (by default) answered within ${WALL_LIMIT_MS / 1000} s: ${summary}`);
    if (end) assert.ok(end.peak < 700 * 2 ** 20, `peak RSS stays bounded: ${summary}`);

    // The server is healthy and fully usable afterwards.
    assert.equal(srv.proc.exitCode, null, 'server still running');
    assert.equal((await fetchHttp(`${srv.url}/healthz`)).status, 200);
    const marker = `after fuzz ${Date.now()}`;
    const ing = await fetchHttp(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` }, body: JSON.stringify([{ message: marker, source: 'after-fuzz' }]) });
    assert.equal(ing.status, 200, ing.text);
    const q = await fetchHttp(`${srv.url}/api/v1/logs?q=${encodeURIComponent(`"${marker}"`)}`, { headers: { authorization: `Bearer ${READ}` } });
    assert.equal(q.status, 200);
    assert.equal(q.json.logs.length, 1);
    assert.equal(q.json.logs[0].message, marker);
    // Every aborted live tail was released.
    let subs = -1;
    for (let i = 0; i < 40 && subs !== 0; i++) {
      const m = await fetchHttp(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${READ}` } });
      subs = Number(/^logpipe_tail_subscribers (\d+)/m.exec(m.text)?.[1] ?? -1);
      if (subs !== 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(subs, 0, 'no live-tail subscriber leaked');
  } finally {
    agent.destroy();
    await srv.stop();
    srv.cleanup();
  }
});
