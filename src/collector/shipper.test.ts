// The shipper over plain http (its own HTTP/1.1 client, http1.ts) against a real server on
// 127.0.0.1: retries, Retry-After, dead letters, the streams lookup, and the token check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Shipper } from './shipper.js';
import { Metrics } from './metrics.js';
import { SILENT } from '../command/logger.js';

test('ships over one kept-alive connection, retrying 503 and 429 (after Retry-After) until a 200', async () => {
  const bodies: string[] = [];
  const answers = [503, 429, 200, 200];
  let connections = 0;
  let lastAt = 0;
  const gaps: number[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const now = Date.now();
      if (lastAt) gaps.push(now - lastAt);
      lastAt = now;
      assert.equal(req.headers['content-encoding'], 'gzip');
      assert.equal(req.headers.authorization, 'Bearer s3cret');
      bodies.push(gunzipSync(Buffer.concat(parts)).toString());
      const status = answers.shift()!;
      res.writeHead(status, status === 429 ? { 'retry-after': '1' } : { 'content-type': 'application/json' }).end(status === 200 ? '{"accepted":1,"duplicates":1}' : 'busy');
    });
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-shipper-'));
  const metrics = new Metrics();
  const shipper = new Shipper({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, token: 's3cret', deadLetterPath: join(dir, 'dead.ndjson'), metrics, log: SILENT, baseBackoffMs: 10, maxBackoffMs: 20 });
  try {
    await shipper.ship({ stream: 's', body: Buffer.from('{"message":"one"}\n'), lines: 1, lastOffset: 10 });
    await shipper.ship({ stream: 's', body: Buffer.from('{"message":"two"}\n'), lines: 1, lastOffset: 20 });
    assert.deepEqual(bodies, ['{"message":"one"}\n', '{"message":"one"}\n', '{"message":"one"}\n', '{"message":"two"}\n']);
    assert.ok(gaps[1] >= 950, `the retry after the 429 waited for Retry-After (${gaps[1]} ms)`);
    assert.equal(metrics.retries, 2);
    assert.equal(metrics.linesShipped, 2);
    assert.equal(metrics.duplicates, 2);
    assert.equal(connections, 1);
  } finally {
    shipper.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a 400 is dead-lettered; the streams lookup goes over the same client', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ streams: { [new URL(req.url!, 'http://x').searchParams.get('ids')!]: { offset: 5, at: 5, check: 'c' } } }));
      else res.writeHead(400).end('{"error":"LP_ERR_INVALID_RECORD"}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-shipper-'));
  const metrics = new Metrics();
  const shipper = new Shipper({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, deadLetterPath: join(dir, 'dead.ndjson'), metrics, log: SILENT });
  try {
    await shipper.ship({ stream: 's', body: Buffer.from('{"message":"bad"}\n'), lines: 1, lastOffset: 10 });
    assert.equal(readFileSync(join(dir, 'dead.ndjson'), 'utf8'), '{"message":"bad"}\n');
    assert.equal(metrics.deadLetters, 1);
    assert.deepEqual(await shipper.lookupStreams(['abc']), { abc: { offset: 5, at: 5, check: 'c' } });
  } finally {
    shipper.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a token that cannot be sent in a header is refused up front', () => {
  for (const token of ['two words', 'line\r\nx-injected: 1', 'tab\t']) {
    assert.throws(() => new Shipper({ url: 'http://127.0.0.1:1', token, deadLetterPath: '/dev/null', metrics: new Metrics(), log: SILENT }), { code: 'LP_ERR_COLLECTOR_CONFIG' });
  }
});
