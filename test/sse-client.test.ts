// The tests' SSE client reads streams with CR, LF and CRLF line endings alike (it shares the
// dashboard's parser; it used to split on "\n\n" only and saw nothing of a CR stream).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SseClient } from './helpers/sse.js';

test('the SSE test client reads CR, LF and CRLF streams alike', async () => {
  for (const eol of ['\n', '\r', '\r\n']) {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`: hello${eol}${eol}event: logs${eol}id: 5${eol}data: [{"id":5}]${eol}${eol}`);
      res.write(`event: gap${eol}data: {"from":5}${eol}${eol}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = new SseClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    try {
      await c.until(() => c.events.length >= 2, 5000);
      assert.deepEqual(c.events, [
        { event: 'logs', id: '5', data: '[{"id":5}]' },
        { event: 'gap', data: '{"from":5}' },
      ], JSON.stringify(eol));
      assert.equal(c.count, 1);
      assert.equal(c.lastId(), '5');
    } finally {
      c.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
});
