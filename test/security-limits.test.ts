// Limits and browser safety end to end: compression bombs on every door, records per request,
// attrs depth and size, live-tail subscribers, per-client rate, CORS, security headers, and
// path traversal against the static file server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { spawnSync } from 'node:child_process';
import { BIN, makeTempDir, startServer, type ServerHandle } from './helpers/server.js';
import { http, postJson, type HttpResult } from './helpers/http.js';
import { memoryOf, rawRequest } from './helpers/proc.js';
import { SseClient } from './helpers/sse.js';

async function withServer(args: string[], fn: (srv: ServerHandle) => Promise<void>): Promise<void> {
  const srv = await startServer({ args });
  try {
    await fn(srv);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
}

function assertError(res: HttpResult, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.text.slice(0, 300)}`);
  assert.equal(res.json?.error, code, what);
  assert.ok(typeof res.json?.message === 'string' && res.json.message.length > 10, what);
}

describe('compression bombs', () => {
  test('gzip, deflate and brotli bombs get 413 on every door while memory stays bounded', async () => {
    // Default limits: 16 MiB as sent, 16 MiB decompressed.
    await withServer([], async (srv) => {
      // Each bomb expands to 4x the decompressed limit; building bigger ones only slows the test.
      const zeros = Buffer.alloc(256 * 1024 * 1024, 0x20);
      const bombs: [string, Buffer][] = [
        ['gzip', gzipSync(zeros, { level: 9 })],
        ['deflate', deflateSync(zeros, { level: 9 })],
        ['br', brotliCompressSync(zeros, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } })],
      ];
      const before = memoryOf(srv.proc.pid!);
      for (const [enc, bomb] of bombs) {
        assert.ok(bomb.length < 16 * 1024 * 1024, `${enc} bomb fits the compressed limit (${bomb.length} bytes)`);
        for (const [path, type] of [['/api/v1/logs', 'application/json'], ['/api/v1/logs', 'application/x-ndjson'], ['/api/v1/logs', 'text/plain'], ['/logs', 'application/json'], ['/v1/logs', 'application/json'], ['/v1/logs', 'application/x-protobuf'], ['/loki/api/v1/push', 'application/json']]) {
          const res = await http(srv.url + path, { method: 'POST', headers: { 'content-type': type, 'content-encoding': enc }, body: bomb });
          if (type === 'application/x-protobuf') {
            // OTLP answers protobuf clients with a google.rpc.Status body; the status is what matters.
            assert.equal(res.status, 413, `${enc} bomb to ${path} as ${type}`);
          } else {
            assertError(res, 413, 'LP_ERR_TOO_LARGE', `${enc} bomb to ${path} as ${type}`);
          }
        }
      }
      // A snappy block that declares 128 MiB is refused before anything is allocated.
      const lying = Buffer.from([0x80, 0x80, 0x80, 0x40, 0x00]);
      const snap = await http(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: lying });
      assertError(snap, 413, 'LP_ERR_TOO_LARGE', 'snappy bomb');
      const after = memoryOf(srv.proc.pid!);
      if (before && after) {
        // 21 bombs of 256 MiB each: the peak must stay below even one of them expanded.
        assert.ok(after.peak < before.peak + 200 * 1024 * 1024, `peak RSS grew from ${before.peak} to ${after.peak}`);
      }
      const ok = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'after the bombs' }]);
      assert.equal(ok.status, 200);
    });
  });

  test('truncated and corrupt compressed bodies are 400 LP_ERR_INVALID_ENCODING', async () => {
    await withServer([], async (srv) => {
      const good = gzipSync(JSON.stringify([{ message: 'x'.repeat(1000) }]));
      const cases: [string, Buffer][] = [
        ['gzip', good.subarray(0, good.length - 10)],
        ['gzip', good.subarray(0, 5)],
        ['gzip', Buffer.concat([good.subarray(0, 20), Buffer.alloc(50, 0xff)])],
        ['deflate', Buffer.from('definitely not deflate')],
        ['br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
      ];
      for (const [enc, body] of cases) {
        const res = await http(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': enc }, body });
        assertError(res, 400, 'LP_ERR_INVALID_ENCODING', `${enc} of ${body.length} bytes`);
      }
      const snap = await http(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(snappy.compress(Buffer.from('hello world, not protobuf'))).subarray(0, 8) });
      assert.equal(snap.status, 400, snap.text);
    });
  });
});

/** A protobuf varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A length-delimited protobuf field holding `body`. */
function lenField(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), varint(body.length), body]);
}

describe('bodies that parse into millions of objects', () => {
  // Within the decompressed limit (16 MiB) but a few bytes an object: `{}` costs 3 bytes as sent
  // and about 60 as a JavaScript object, so one such body took the server from 90 MiB to 0.6-1 GiB
  // while it was parsed, before the record count was checked — and each gzips to 16 KB.
  const LIMIT = 16 * 1024 * 1024 - 1024;
  const fill = (unit: string, head = '', tail = '') => head + unit.repeat(Math.floor((LIMIT - head.length - tail.length) / unit.length)) + tail;
  const kinds = (): [string, string, string, Buffer][] => {
    const emptyRecords = Buffer.alloc(Math.floor(LIMIT / 2), 0);
    for (let i = 0; i < emptyRecords.length; i += 2) emptyRecords[i] = 0x12; // logRecords / entries: tag 2, length 0
    const entriesWithTimestamps = Buffer.alloc(Math.floor(LIMIT / 4) * 4, 0);
    for (let i = 0; i < entriesWithTimestamps.length; i += 4) entriesWithTimestamps.set([0x12, 0x02, 0x0a, 0x00], i);
    return [
      ['JSON array of {}', '/api/v1/logs', 'application/json', gzipSync(fill('{},', '[', '{}]'))],
      ['NDJSON lines of {}', '/api/v1/logs', 'application/x-ndjson', gzipSync(fill('{}\n'))],
      ['one record whose attrs hold [] after []', '/api/v1/logs', 'application/json', gzipSync(fill('[],', '[{"message":"m","attrs":{"a":[', '[]]}}]'))],
      ['text of two-letter lines', '/api/v1/logs', 'text/plain', gzipSync(fill('ab\n'))],
      ['seed door, array of {}', '/logs', 'application/json', gzipSync(fill('{},', '[', '{}]'))],
      ['OTLP/JSON empty log records', '/v1/logs', 'application/json', gzipSync(fill('{},', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[', '{}]}]}]}'))],
      ['OTLP protobuf empty log records', '/v1/logs', 'application/x-protobuf', gzipSync(lenField(0x0a, lenField(0x12, emptyRecords)))],
      ['Loki protobuf entries with timestamps', '/loki/api/v1/push', 'application/x-protobuf', Buffer.from(snappy.compress(lenField(0x0a, entriesWithTimestamps)))],
      ['Loki JSON values', '/loki/api/v1/push', 'application/json', gzipSync(fill('[],', '{"streams":[{"stream":{"job":"x"},"values":[', '[]]}]}'))],
    ];
  };

  test('each gets a 413 before it is parsed, and the server\'s memory stays near its body size; 32 at once too', async () => {
    await withServer([], async (srv) => {
      const pid = srv.proc.pid!;
      const rest = memoryOf(pid);
      const send = ([what, path, type, body]: [string, string, string, Buffer]) =>
        http(srv.url + path, { method: 'POST', headers: { 'content-type': type, ...(type.includes('protobuf') && path.startsWith('/loki') ? {} : { 'content-encoding': 'gzip' }) }, body, timeoutMs: 60_000 })
          .then((res) => ({ what, res }));
      const all = kinds();
      for (const k of all) {
        const { what, res } = await send(k);
        assert.equal(res.status, 413, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
        const peak = memoryOf(pid);
        if (rest && peak) assert.ok(peak.peak - rest.rss < 200 * 1024 * 1024, `${what}: peak RSS ${(peak.peak / 1048576).toFixed(0)} MiB, ${(rest.rss / 1048576).toFixed(0)} MiB at rest`);
      }
      const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => send(all[i % all.length])));
      for (const { what, res } of answers) assert.ok(res.status === 413 || res.status === 503, `${what} (32 at once): ${res.status} ${res.text.slice(0, 200)}`);
      const after = memoryOf(pid);
      if (rest && after) assert.ok(after.peak - rest.rss < 300 * 1024 * 1024, `32 at once: peak RSS ${(after.peak / 1048576).toFixed(0)} MiB, ${(rest.rss / 1048576).toFixed(0)} MiB at rest`);
      const ok = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'after the object bombs', attrs: { a: [{}, [], { b: [1, 2, {}] }] } }]);
      assert.equal(ok.status, 200, ok.text);
    });
  });
});

describe('request limits', () => {
  test('records per request, attrs depth and attrs size have their limits, and messages are cut, not rejected', async () => {
    await withServer(['--max-records', '10', '--max-json-depth', '4', '--max-attrs-bytes', '1KB', '--max-line-bytes', '4KB'], async (srv) => {
      const eleven = Array.from({ length: 11 }, (_, i) => ({ message: `r${i}` }));
      assertError(await postJson(`${srv.url}/api/v1/logs`, eleven), 413, 'LP_ERR_TOO_MANY_RECORDS', '11 records');
      assertError(await http(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a\n'.repeat(11) }), 413, 'LP_ERR_TOO_MANY_RECORDS', '11 text lines');
      assert.equal((await postJson(`${srv.url}/api/v1/logs`, eleven.slice(0, 10))).status, 200);

      const deep = { a: { b: { c: { d: { e: 1 } } } } };
      const r1 = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'deep', attrs: deep }]);
      assertError(r1, 400, 'LP_ERR_INVALID_RECORD', 'attrs 5 deep');
      assert.match(r1.json.message, /nested deeper than 4/);
      assert.equal((await postJson(`${srv.url}/api/v1/logs`, [{ message: 'ok depth', attrs: { a: { b: { c: 1 } } } }])).status, 200);
      // A JSON or logfmt line whose fields are too deep or too large is still a valid line: it
      // is stored whole as the message, without the parsed fields (not rejected with its batch).
      const deepLine = JSON.stringify({ level: 'warn', msg: 'from json', a: { b: { c: { d: { e: { f: 1 } } } } } });
      const bigLine = JSON.stringify({ level: 'error', msg: 'big fields', blob: 'q'.repeat(900), more: 'r'.repeat(400) });
      const bigLogfmt = `level=info msg=logfmt blob=${'s'.repeat(1000)}`;
      const r2 = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'first', source: 'parsed' }, ...[deepLine, bigLine, bigLogfmt].map((message) => ({ message, source: 'parsed' })), { message: JSON.stringify({ msg: 'fits', k: 1 }), source: 'parsed' }]);
      assert.equal(r2.status, 200, r2.text);
      const parsed = (await http(`${srv.url}/api/v1/logs?source=parsed&order=asc`)).json.logs;
      assert.deepEqual(parsed.map((r: { message: string }) => r.message), ['first', deepLine, bigLine, bigLogfmt, 'fits']);
      assert.deepEqual(parsed.map((r: { attrs: unknown }) => r.attrs), [null, null, null, null, { k: 1 }]);
      assert.deepEqual(parsed.map((r: { level: string }) => r.level), ['unknown', 'warn', 'error', 'info', 'unknown']);
      // Explicit attrs that fit are kept even when the line's own fields are dropped.
      const r4 = await postJson(`${srv.url}/api/v1/logs`, [{ message: deepLine, source: 'parsed2', attrs: { mine: 1 } }]);
      assert.equal(r4.status, 200, r4.text);
      const p2 = (await http(`${srv.url}/api/v1/logs?source=parsed2`)).json.logs[0];
      assert.deepEqual([p2.message, p2.attrs], [deepLine, { mine: 1 }]);
      const r3 = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'big', attrs: { blob: 'z'.repeat(2000) } }]);
      assertError(r3, 400, 'LP_ERR_INVALID_RECORD', 'attrs of 2 KB');
      assert.match(r3.json.message, /larger than 1024 bytes/);

      const long = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'é'.repeat(5000), source: 'long' }]);
      assert.equal(long.status, 200);
      const page = await http(`${srv.url}/api/v1/logs?source=long`);
      const msg: string = page.json.logs[0].message;
      assert.ok(Buffer.byteLength(msg) < 4200, `cut to about 4 KB, got ${Buffer.byteLength(msg)}`);
      assert.match(msg, /^é+… \[truncated \d+ bytes\]$/, 'cut on a character boundary, with the marker');
    });
  });

  test('100,000 nested brackets are a 400, not a stack overflow', async () => {
    await withServer([], async (srv) => {
      for (const [path, type] of [['/api/v1/logs', 'application/json'], ['/api/v1/logs', 'application/x-ndjson'], ['/logs', 'application/json'], ['/v1/logs', 'application/json'], ['/loki/api/v1/push', 'application/json']]) {
        for (const body of ['['.repeat(100_000), '['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), `[{"message":"m","attrs":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}]`]) {
          const res = await http(srv.url + path, { method: 'POST', headers: { 'content-type': type }, body });
          // Valid but pointless JSON (an OTLP request with no resourceLogs) may be a 2xx no-op.
          assert.ok(res.status < 500, `${path} ${type} ${body.slice(0, 8)}…: ${res.status} ${res.text.slice(0, 200)}`);
          if (res.status >= 400) assert.equal(typeof res.json?.error, 'string', `${path}: JSON error body`);
          else assert.ok(!body.startsWith('[{"message"') || path !== '/api/v1/logs', `${path}: deep attrs accepted`);
        }
      }
      assert.equal((await http(`${srv.url}/healthz`)).status, 200);
    });
  });
});

describe('hostile JSON on the OTLP and Loki doors', () => {
  test('objects whose toString is not a function (String() would throw) get a 2xx or a JSON 4xx, never a 500', async () => {
    await withServer([], async (srv) => {
      const evil = { toString: 1, valueOf: 1 };
      const otlp = (value: unknown) => ({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value }] }, scopeLogs: [{ logRecords: [{ body: value, timeUnixNano: { low: evil, high: evil } }] }] }] });
      const bodies: [string, unknown][] = [
        ['/v1/logs', otlp({ stringValue: evil })],
        ['/v1/logs', otlp({ doubleValue: evil })],
        ['/v1/logs', otlp({ stringValue: [1, evil] })],
        ['/loki/api/v1/push', { streams: [{ stream: { job: 'evil', x: evil }, values: [['1', 'line']] }] }],
        ['/loki/api/v1/push', { streams: [{ stream: { job: evil }, values: [['1', 'line', { meta: evil }]] }] }],
      ];
      for (const [path, value] of bodies) {
        const res = await postJson(srv.url + path, value);
        assert.ok(res.status < 500, `${path} ${JSON.stringify(value).slice(0, 120)}: ${res.status} ${res.text.slice(0, 200)}`);
        if (res.status >= 400) assert.match(res.json?.error ?? '', /^LP_ERR_/);
      }
    });
  });
});

describe('live-tail subscribers and rate limit', () => {
  test('a subscriber that stops reading holds at most 32 MiB of long lines, not --tail-buffer of them: it gets a gap', async () => {
    // Default --tail-buffer (20,000 records): of 256 KiB lines that was 5 GiB held for one
    // subscriber that never reads. 70 MiB of long lines must end in a gap, not all be queued.
    await withServer([], async (srv) => {
      const sock = net.connect(srv.port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write('GET /api/v1/tail HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      sock.pause();
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        if (/^logpipe_tail_subscribers 1$/m.test(await (await fetch(`${srv.url}/metrics`)).text())) break;
      }
      const line = 'w'.repeat(250 * 1024);
      for (let b = 0; b < 5; b++) {
        const res = await postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 56 }, (_, i) => ({ message: `${b}-${i} ${line}` })));
        assert.equal(res.status, 200, res.text.slice(0, 200));
      }
      let text = '';
      sock.setEncoding('latin1');
      sock.on('data', (d: string) => {
        // Only the event heads matter; the lines themselves are dropped as they come.
        for (const m of d.matchAll(/event: (\w+)/g)) text += `${m[1]}\n`;
        if (d.includes('4-55 ')) text += 'last line\n';
      });
      sock.resume();
      for (const deadline = Date.now() + 60_000; !/gap|last line/.test(text) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      sock.destroy();
      assert.match(text, /gap/, `the lagging subscriber got: ${text.split('\n').slice(0, 10).join(', ')}`);
    });
  });

  test('past --max-subscribers a new tail gets 429 with Retry-After; a freed slot is reused', async () => {
    await withServer(['--max-subscribers', '2'], async (srv) => {
      const a = new SseClient(`${srv.url}/api/v1/tail`);
      const b = new SseClient(`${srv.url}/api/v1/tail`);
      await Promise.all([a.until(() => a.status === 200), b.until(() => b.status === 200)]);
      const c = await http(`${srv.url}/api/v1/tail`, { headersOnly: true });
      assertError(c, 429, 'LP_ERR_TOO_MANY_SUBSCRIBERS', 'third subscriber');
      assert.ok(Number(c.headers.get('retry-after')) >= 1);
      a.close();
      let d: HttpResult | undefined;
      for (let i = 0; i < 50; i++) {
        d = await http(`${srv.url}/api/v1/tail`, { headersOnly: true });
        if (d.status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(d!.status, 200, 'a slot freed by a closed subscriber is available again');
      b.close();
    });
  });

  test('--rate-limit: a burst past twice the rate gets 429 with Retry-After, other endpoints included, and recovers', async () => {
    await withServer(['--rate-limit', '5'], async (srv) => {
      // Thirty requests at once: the bucket holds 10 (twice the rate) and refills 5 a second.
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? http(`${srv.url}/api/v1/sources`) : postJson(`${srv.url}/api/v1/logs`, [{ message: `burst ${i}` }]))));
      const elapsed = (Date.now() - started) / 1000;
      const statuses = results.map((r) => r.status);
      const ok = statuses.filter((s) => s === 200).length;
      assert.ok(ok >= 10 && ok <= 10 + Math.ceil(5 * elapsed), `a burst of about 10 allowed in ${elapsed} s, got ${statuses.join(',')}`);
      assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join(','));
      const limited = results.find((r) => r.status === 429);
      assert.ok(limited, 'some requests were limited');
      assertError(limited!, 429, 'LP_ERR_RATE_LIMITED', 'limited');
      const wait = Number(limited!.headers.get('retry-after'));
      assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
      // Health probes are never limited: a load balancer must not see a busy server as down.
      for (let i = 0; i < 30; i++) assert.equal((await http(`${srv.url}${i % 2 ? '/healthz' : '/ready'}`)).status, 200);
      await new Promise((r) => setTimeout(r, wait * 1000 + 100));
      assert.equal((await http(`${srv.url}/api/v1/sources`)).status, 200, 'allowed again after Retry-After');
    });
  });
});

describe('slow clients', () => {
  test('--request-timeout: a body trickled too slowly gets 408 and the connection closes; a live tail outlives it', async () => {
    await withServer(['--request-timeout', '2s', '--heartbeat', '500ms'], async (srv) => {
      const tail = new SseClient(`${srv.url}/api/v1/tail`);
      await tail.until(() => tail.status === 200);
      const started = Date.now();
      // Headers and the start of a body, then silence with the socket held open.
      const slow = await new Promise<{ status: number; head: string; body: string }>((resolve) => {
        const sock = net.connect(srv.port, '127.0.0.1', () => sock.write('POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"message":'));
        let text = '';
        const giveUp = setTimeout(() => sock.destroy(), 15_000);
        sock.on('data', (d) => (text += d));
        sock.on('error', () => {});
        sock.on('close', () => {
          clearTimeout(giveUp);
          const i = text.indexOf('\r\n\r\n');
          resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), head: text.slice(0, Math.max(0, i)), body: text.slice(i + 4) });
        });
      });
      const took = Date.now() - started;
      assert.equal(slow.status, 408, slow.head);
      assert.equal(JSON.parse(slow.body).error, 'LP_ERR_REQUEST_TIMEOUT');
      assert.ok(took < 8000, `cut after about 2 s, took ${took} ms`);
      await new Promise((r) => setTimeout(r, 3000 - Math.min(took, 3000)));
      // The tail, open for well over 2 s, still receives what is written now.
      assert.equal((await postJson(`${srv.url}/api/v1/logs`, [{ message: 'still streaming' }])).status, 200);
      await tail.until(() => tail.records().some((r: { message: string }) => r.message === 'still streaming'));
      assert.ok(!tail.closed);
      tail.close();
    });
  });
});

describe('behind a reverse proxy', () => {
  /** Ten requests at once from each of two forwarded addresses; the OK count per address and the time taken. */
  async function burst(url: string): Promise<{ a: number; b: number; limited: number; elapsed: number }> {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => http(`${url}/api/v1/sources`, { headers: { 'x-forwarded-for': i % 2 ? '10.0.0.2' : '10.0.0.1' } })));
    const ok = (parity: number) => results.filter((r, i) => i % 2 === parity && r.status === 200).length;
    return { a: ok(0), b: ok(1), limited: results.filter((r) => r.status === 429).length, elapsed: (Date.now() - started) / 1000 };
  }

  test('without --trust-proxy, X-Forwarded-For is ignored: a client cannot dodge the rate limit or pick its host', async () => {
    await withServer(['--rate-limit', '1'], async (srv) => {
      const r = await burst(srv.url);
      // One bucket for the one real client: 2 (twice the rate), plus what refilled meanwhile.
      assert.ok(r.a + r.b <= 2 + Math.ceil(r.elapsed), `one shared bucket: ${JSON.stringify(r)}`);
      assert.ok(r.limited >= 10, JSON.stringify(r));
      await new Promise((res) => setTimeout(res, 2100));
      const res = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'who am i', source: 'xff' }], { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(res.status, 200);
      await new Promise((res) => setTimeout(res, 1100));
      const page = await http(`${srv.url}/api/v1/logs?source=xff`);
      assert.equal(page.json.logs[0].host, '127.0.0.1');
    });
  });

  test('--trust-proxy 127.0.0.1: the rate limit and the default host use the client address the proxy forwards', async () => {
    await withServer(['--rate-limit', '1', '--trust-proxy', '127.0.0.1'], async (srv) => {
      const r = await burst(srv.url);
      assert.ok(r.a >= 2 && r.b >= 2, `a bucket per forwarded client: ${JSON.stringify(r)}`);
      assert.ok(r.a <= 2 + Math.ceil(r.elapsed) && r.b <= 2 + Math.ceil(r.elapsed) && r.limited > 0, `each is still limited: ${JSON.stringify(r)}`);
      // The proxy appends the address it saw; the client cannot spoof past the trusted hop.
      const res = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'who am i', source: 'xff' }], { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' });
      assert.equal(res.status, 200);
      const page = await http(`${srv.url}/api/v1/logs?source=xff`, { headers: { 'x-forwarded-for': '10.0.0.3' } });
      assert.equal(page.json.logs[0].host, '203.0.113.9');
    });
  });

  test('--trust-proxy values are validated', () => {
    const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', makeTempDir(), '--trust-proxy', '10.0.0.0/33,proxy.local,loopback,::1,10.1.0.0/16'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /"10\.0\.0\.0\/33" is not/);
    assert.match(r.stderr, /"proxy\.local" is not/);
    assert.doesNotMatch(r.stderr, /"loopback"|"::1"|"10\.1\.0\.0\/16"/);
  });
});

describe('CORS', () => {
  test('off by default: no Access-Control headers for any origin, preflight included', async () => {
    await withServer([], async (srv) => {
      const res = await http(`${srv.url}/api/v1/sources`, { headers: { origin: 'https://evil.example' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      const pre = await http(`${srv.url}/api/v1/logs`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
      assert.equal(pre.headers.get('access-control-allow-methods'), null);
      assert.ok(pre.status >= 400 && pre.status < 500, `preflight status ${pre.status}`);
    });
  });

  test('--cors-origin allows exactly the listed origins', async () => {
    await withServer(['--cors-origin', 'https://dash.example,http://localhost:5173', '--read-token', 'read-token-cors-1234'], async (srv) => {
      const allowed = await http(`${srv.url}/api/v1/sources`, { headers: { origin: 'https://dash.example', authorization: 'Bearer read-token-cors-1234' } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://dash.example');
      assert.match(allowed.headers.get('vary') ?? '', /Origin/);
      const pre = await http(`${srv.url}/api/v1/logs`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:5173');
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
      for (const origin of ['https://evil.example', 'https://dash.example.evil.example', 'https://DASH.example', 'null', 'https://dash.example/']) {
        const res = await http(`${srv.url}/api/v1/sources`, { headers: { origin, authorization: 'Bearer read-token-cors-1234' } });
        assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
        const p = await http(`${srv.url}/api/v1/sources`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
        assert.equal(p.headers.get('access-control-allow-origin'), null, `preflight ${origin}`);
      }
    });
  });
});

describe('security headers and static files', () => {
  let srv: ServerHandle;
  let webDir: string;
  let secretDir: string;
  before(async () => {
    // A dashboard root with a secret file beside it (outside the root) that must never be served.
    secretDir = makeTempDir('logpipe-web-');
    webDir = join(secretDir, 'web');
    mkdirSync(join(webDir, 'assets'), { recursive: true });
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>logpipe test dashboard</title>');
    writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log("app")');
    writeFileSync(join(secretDir, 'secret.txt'), 'TOP-SECRET-OUTSIDE-WEB-ROOT');
    writeFileSync(join(secretDir, 'web-secret.txt'), 'TOP-SECRET-SIBLING-PREFIX');
    srv = await startServer({ args: ['--web-dir', webDir, '--ingest-token', 'ingest-token-hdr-1234', '--read-token', 'read-token-hdr-5678'] });
  });
  after(async () => {
    await srv.stop();
    srv.cleanup();
  });

  function checkHeaders(h: Headers, what: string): void {
    const csp = h.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/, what);
    assert.match(csp, /frame-ancestors 'none'/, what);
    const script = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert.ok(script && !/unsafe-inline|unsafe-eval|\*/.test(script), `${what}: script-src ${script}`);
    assert.equal(h.get('x-content-type-options'), 'nosniff', what);
    assert.equal(h.get('referrer-policy'), 'no-referrer', what);
    assert.equal(h.get('x-frame-options'), 'DENY', what);
  }

  test('every kind of response carries CSP, nosniff, Referrer-Policy and X-Frame-Options', async () => {
    const read = { authorization: 'Bearer read-token-hdr-5678' };
    const ingest = { authorization: 'Bearer ingest-token-hdr-1234' };
    const cases: [string, Promise<HttpResult>][] = [
      ['dashboard', http(`${srv.url}/`)],
      ['index.html', http(`${srv.url}/index.html`)],
      ['asset', http(`${srv.url}/assets/app.js`)],
      ['unknown page', http(`${srv.url}/some/view`, { headers: { accept: 'text/html' } })],
      ['healthz', http(`${srv.url}/healthz`)],
      ['query', http(`${srv.url}/api/v1/logs`, { headers: read })],
      ['export', http(`${srv.url}/api/v1/logs/export`, { headers: read })],
      ['metrics', http(`${srv.url}/metrics`, { headers: read })],
      ['ingest', postJson(`${srv.url}/api/v1/logs`, [{ message: 'h' }], ingest)],
      ['401', http(`${srv.url}/api/v1/logs`)],
      ['403', http(`${srv.url}/api/v1/logs`, { headers: ingest })],
      ['400', postJson(`${srv.url}/api/v1/logs`, '{', ingest)],
      ['404', http(`${srv.url}/api/v1/nothing`, { headers: read })],
      ['404 static', http(`${srv.url}/nothing.js`)],
      ['415', http(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/xml', ...ingest }, body: '<x/>' })],
      ['tail (SSE)', http(`${srv.url}/api/v1/tail`, { headers: read, headersOnly: true })],
    ];
    for (const [name, p] of cases) {
      const res = await p;
      assert.ok(res.status > 0, name);
      checkHeaders(res.headers, `${name} (${res.status})`);
    }
    // JSON API answers are never sniffed as HTML.
    const q = await http(`${srv.url}/api/v1/logs`, { headers: read });
    assert.match(q.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('path traversal never serves a file outside the web root: 4xx with a JSON error', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../etc/passwd',
      '/../../../../../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt',
      '/..%2Fweb-secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%00',
      '/index.html%00',
      '/index.html%00.js',
      '/%00/../secret.txt',
      '/assets/app.js%00.html',
      '//etc/passwd',
      '/./../secret.txt',
      '/.%2e/secret.txt',
      '/' + 'a/'.repeat(500) + '../'.repeat(502) + 'secret.txt',
    ];
    for (const path of attempts) {
      for (const accept of ['*/*', 'text/html']) {
        const res = await rawRequest(srv.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`);
        assert.doesNotMatch(res.body, /TOP-SECRET|root:x?:0:0/, `${path} served a file outside the web root`);
        assert.ok(res.status >= 400 && res.status < 500, `${path} (Accept ${accept}): status ${res.status}`);
        const body = res.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '');
        assert.match(body, /"error":"LP_ERR_/, `${path}: JSON error body, got ${body.slice(0, 120)}`);
        assert.match(res.head, /^x-content-type-options: nosniff$/im, `${path}: security headers`);
      }
    }
    assert.equal((await http(`${srv.url}/healthz`)).status, 200);
  });

  test('URLs Fastify rejects before routing (bad percent-encoding, over-long path segments) get a JSON 400 with our headers', async () => {
    const read = { authorization: 'Bearer read-token-hdr-5678' };
    for (const path of ['/api/v1/logs/%E0%A4%A/context', '/%ff', `/api/v1/logs/${'1'.repeat(200)}/context`, `/loki/api/v1/label/${'x'.repeat(150)}/values`]) {
      const res = await http(srv.url + path, { headers: read });
      assertError(res, 400, 'LP_ERR_BAD_REQUEST', path);
      checkHeaders(res.headers, path);
    }
  });

  test('requests the HTTP parser rejects get our JSON error and headers, and the server goes on', async () => {
    const cases: [string, number, string][] = [
      ['GARBAGE\r\n\r\n', 400, 'LP_ERR_BAD_REQUEST'],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, 'LP_ERR_BAD_REQUEST'],
      ['POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n', 400, 'LP_ERR_BAD_REQUEST'],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'LP_ERR_HEADERS_TOO_LARGE'],
    ];
    for (const [request, status, code] of cases) {
      const res = await rawRequest(srv.port, request);
      assert.equal(res.status, status, `${JSON.stringify(request.slice(0, 40))}: ${res.head}`);
      assert.equal(JSON.parse(res.body).error, code);
      assert.match(res.head, /^content-security-policy: .*frame-ancestors 'none'/im);
      assert.match(res.head, /^x-content-type-options: nosniff$/im);
    }
    assert.equal((await http(`${srv.url}/healthz`)).status, 200);
  });
});
