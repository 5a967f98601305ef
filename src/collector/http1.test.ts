// The shipper's own HTTP/1.1 client against real servers on 127.0.0.1: Node's http server for
// the ordinary cases, raw TCP servers for framings and failures Node's server never produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { Http1Client, Http1Error } from './http1.js';

async function listen(server: net.Server): Promise<URL> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1/logs`);
}

/** A raw TCP server that answers every request (head and body read) with `answer(n)`. */
async function rawServer(answer: (n: number, socket: net.Socket, request: string) => void): Promise<{ url: URL; server: net.Server; connections: () => number }> {
  let n = 0;
  let conns = 0;
  const server = net.createServer((socket) => {
    conns++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const request = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        answer(n++, socket, request);
      }
    });
    socket.on('error', () => {});
  });
  return { url: await listen(server), server, connections: () => conns };
}

test('posts a body and reuses one kept-alive connection for the next requests', async () => {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts).toString() });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  server.on('connection', () => connections++);
  const url = await listen(server);
  const client = new Http1Client(url);
  try {
    const big = Buffer.alloc(100_000, 'x');
    for (const body of [[Buffer.from('a\n'), Buffer.from('b\n')], [big], [Buffer.from('c\n')]]) {
      const r = await client.request('POST', url.pathname, 'content-type: application/x-ndjson\r\nauthorization: Bearer t0k\r\n', body, 5000);
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"accepted":1}');
      assert.equal(r.headers['content-type'], 'application/json');
    }
    assert.equal(connections, 1);
    assert.equal(client.opened, 1);
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.headers.host, s.headers.authorization, s.headers['content-length'], s.body.length]),
      [
        ['POST', '/api/v1/logs', url.host, 'Bearer t0k', '4', 4],
        ['POST', '/api/v1/logs', url.host, 'Bearer t0k', '100000', 100000],
        ['POST', '/api/v1/logs', url.host, 'Bearer t0k', '2', 2],
      ],
    );
    assert.equal(seen[0].body, 'a\nb\n');
  } finally {
    client.close();
    server.close();
  }
});

test('every status comes back with its body and Retry-After; GET without a body', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = Number(req.url!.slice(1));
      const headers: Record<string, string> = status === 429 ? { 'retry-after': '7' } : {};
      res.writeHead(status, headers).end(status === 204 ? undefined : `status ${status}`);
    });
  });
  const url = await listen(server);
  const client = new Http1Client(url);
  try {
    for (const status of [200, 201, 204, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503]) {
      const r = await client.request(status % 2 ? 'GET' : 'POST', `/${status}`, '', status % 2 ? null : [Buffer.from('x')], 5000);
      assert.equal(r.status, status);
      assert.equal(r.body, status === 204 ? '' : `status ${status}`);
      if (status === 429) assert.equal(r.headers['retry-after'], '7');
    }
    assert.equal(client.opened, 1);
  } finally {
    client.close();
    server.close();
  }
});

test('chunked answers (split at every byte, with extensions and trailers), and a 100 Continue first', async () => {
  const body = '{"accepted":3,"duplicates":0}';
  const chunked = `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\nx-trailer: yes\r\n\r\n`;
  const { url, server, connections } = await rawServer((n, socket) => {
    if (n === 0) socket.write(chunked);
    else {
      // The same answer one byte per segment: every parser state has to wait for more.
      socket.setNoDelay(true);
      let i = 0;
      const next = () => {
        if (i < chunked.length) socket.write(chunked[i++], () => setTimeout(next, 1));
      };
      next();
    }
  });
  const client = new Http1Client(url);
  try {
    for (let i = 0; i < 2; i++) {
      const r = await client.request('POST', '/api/v1/logs', '', [Buffer.from('{}\n')], 5000);
      assert.equal(r.status, 200);
      assert.equal(r.body, body);
    }
    assert.equal(connections(), 1);
  } finally {
    client.close();
    server.close();
  }
});

test('an answer without length runs to the end of the connection; Connection: close and HTTP/1.0 are not reused', async () => {
  const answers = [
    'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end',
    'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
    'HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  ];
  const { url, server, connections } = await rawServer((n, socket) => {
    socket.write(answers[n]);
    if (n === 0) socket.end();
  });
  const client = new Http1Client(url);
  try {
    const got = [];
    for (let i = 0; i < answers.length; i++) {
      const r = await client.request('POST', '/api/v1/logs', '', [Buffer.from('x\n')], 5000);
      got.push([r.status, r.body]);
    }
    assert.deepEqual(got, [
      [200, 'until the end'],
      [200, 'ok'],
      [503, 'busy'],
      [200, 'ok'],
    ]);
    // One connection per answer that ended its connection (1-3), the fourth on a fresh one.
    assert.equal(connections(), 4);
  } finally {
    client.close();
    server.close();
  }
});

test('a connection the server closed while idle is replaced without failing the request', async () => {
  const { url, server, connections } = await rawServer((_n, socket) => {
    // Answer, then close the idle connection (a server's keep-alive timeout) right away.
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const client = new Http1Client(url);
  try {
    for (let i = 0; i < 5; i++) {
      const r = await client.request('POST', '/api/v1/logs', '', [Buffer.from('x\n')], 5000);
      assert.equal(r.body, 'ok');
    }
    assert.equal(connections(), 5);
  } finally {
    client.close();
    server.close();
  }
});

test('a reused connection reset without an answer is retried once on a fresh one', async () => {
  const { url, server, connections } = await rawServer((n, socket) => {
    // The second request arrives on the kept-alive connection: reset it without answering.
    if (n === 1) socket.resetAndDestroy();
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const client = new Http1Client(url);
  try {
    for (let i = 0; i < 3; i++) assert.equal((await client.request('POST', '/api/v1/logs', '', [Buffer.from('x\n')], 5000)).body, 'ok');
    assert.equal(connections(), 2);
  } finally {
    client.close();
    server.close();
  }
});

test('failures reject with an Http1Error: refused, reset mid-answer, garbage, timeout, close()', async () => {
  // Refused: a port nothing listens on.
  const probe = net.createServer();
  const freeUrl = await listen(probe);
  await new Promise((r) => probe.close(r));
  const refused = new Http1Client(freeUrl);
  await assert.rejects(refused.request('POST', '/', '', [Buffer.from('x')], 5000), (e: Http1Error) => e instanceof Http1Error && e.code === 'ECONNREFUSED');

  const { url, server } = await rawServer((n, socket, request) => {
    if (request.startsWith('POST /partial')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part');
      setImmediate(() => socket.destroy());
    } else if (request.startsWith('POST /garbage')) socket.write('SSH-2.0-OpenSSH\r\n\r\n');
    else if (request.startsWith('POST /bad-length')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n');
    // POST /hang: never answered.
  });
  const client = new Http1Client(url);
  try {
    await assert.rejects(client.request('POST', '/partial', '', [Buffer.from('x')], 5000), (e: Http1Error) => e instanceof Http1Error && e.answered);
    await assert.rejects(client.request('POST', '/garbage', '', [Buffer.from('x')], 5000), /not an HTTP\/1\.x answer/);
    await assert.rejects(client.request('POST', '/bad-length', '', [Buffer.from('x')], 5000), /bad Content-Length/);
    const t0 = Date.now();
    await assert.rejects(client.request('POST', '/hang', '', [Buffer.from('x')], 300), (e: Http1Error) => e.code === 'ETIMEDOUT');
    assert.ok(Date.now() - t0 >= 250, 'the timeout waited');
    const hung = client.request('POST', '/hang', '', [Buffer.from('x')], 60_000);
    setImmediate(() => client.close());
    await assert.rejects(hung, Http1Error);
    assert.equal(client.connections, 0);
  } finally {
    client.close();
    server.close();
  }
});

test('close() cuts a request on a kept-alive connection without sending it again', async () => {
  let requests = 0;
  const { url, server, connections } = await rawServer((n, socket) => {
    requests++;
    // The first request is answered (the connection is kept); the second hangs.
    if (n === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const client = new Http1Client(url);
  try {
    assert.equal((await client.request('POST', '/api/v1/logs', '', [Buffer.from('x\n')], 5000)).body, 'ok');
    const hung = client.request('POST', '/api/v1/logs', '', [Buffer.from('y\n')], 60_000);
    // Cut it once the server has it.
    while (requests < 2) await new Promise((r) => setImmediate(r));
    client.close();
    await assert.rejects(hung, Http1Error);
    assert.equal(client.opened, 1, 'no second connection was opened for a re-send');
    assert.equal(connections(), 1);
  } finally {
    client.close();
    server.close();
  }
});
