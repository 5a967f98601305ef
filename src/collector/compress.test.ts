import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { pbkdf2 } from 'node:crypto';
import { GzipPool, STORED_MAX, SYNC_MAX, storedGzip } from './compress.js';

test('reused deflate contexts give standalone gzip members that also concatenate', async () => {
  const pool = new GzipPool(1, 2);
  const bodies = Array.from({ length: 20 }, (_, i) => Buffer.from(`{"offset":${i},"message":"line ${i} ${'x'.repeat(i * 997)}"}\n`.repeat(50 + i)));
  bodies.push(Buffer.alloc(0), Buffer.from([0, 255, 10, 13]));
  // Many at once: contexts are shared and reused in any order.
  const outs = await Promise.all(bodies.map((b) => pool.gzip(b)));
  for (let i = 0; i < bodies.length; i++) {
    // Each member alone decompresses to its body: no back-reference into another batch.
    assert.ok(gunzipSync(Buffer.concat(outs[i])).equals(bodies[i]), `member ${i}`);
  }
  // Members one after another are one gzip stream holding all bodies (merged requests).
  assert.ok(gunzipSync(Buffer.concat(outs.flat())).equals(Buffer.concat(bodies)));
  pool.close();
});

test('a small body is a stored gzip member (no deflate trip) that gunzips and concatenates like the others', async () => {
  const pool = new GzipPool(1, 1);
  const sizes = [0, 1, 100, STORED_MAX - 1, STORED_MAX, STORED_MAX + 1, 10_000];
  const bodies = sizes.map((n, i) => Buffer.from(`{"message":"${String(i).repeat(n)}"}\n`.slice(-Math.max(1, n))));
  const outs = await Promise.all(bodies.map((b) => pool.gzip(b)));
  for (let i = 0; i < bodies.length; i++) {
    assert.ok(gunzipSync(Buffer.concat(outs[i])).equals(bodies[i]), `size ${bodies[i].length}`);
    const size = outs[i].reduce((n, b) => n + b.length, 0);
    if (bodies[i].length <= STORED_MAX) assert.equal(size, bodies[i].length + 23, `stored: 10 header + 5 block header + body + 8 trailer (size ${bodies[i].length})`);
  }
  assert.ok(gunzipSync(Buffer.concat(outs.flat())).equals(Buffer.concat(bodies)));
  assert.ok(gunzipSync(Buffer.concat(storedGzip(Buffer.from('x\n')))).equals(Buffer.from('x\n')));
  pool.close();
});

test('a body up to SYNC_MAX is deflated without waiting for the thread pool; a bigger one takes the pool', async () => {
  // Every pool thread busy with a key derivation: a job queued behind them finishes after them.
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const order: string[] = [];
  const busy = Array.from({ length: threads }, () => new Promise<void>((resolve) => pbkdf2('p', 's', 300_000, 64, 'sha512', () => (order.push('pool job'), resolve()))));
  const pool = new GzipPool(1, 1);
  const line = '{"offset":1,"message":"GET /api/items/42 200 12ms user=u7","source":"/var/log/app.log","host":"web-01"}\n';
  const small = Buffer.from(line.repeat(Math.floor(SYNC_MAX / line.length)));
  const big = Buffer.from(line.repeat(Math.ceil((SYNC_MAX + 1) / line.length)));
  assert.ok(small.length > STORED_MAX && small.length <= SYNC_MAX && big.length > SYNC_MAX);
  const smallOut = pool.gzip(small).then((out) => (order.push('small'), out));
  const bigOut = pool.gzip(big).then((out) => (order.push('big'), out));
  const [s, b] = await Promise.all([smallOut, bigOut, ...busy]);
  assert.equal(order[0], 'small', `finished in this order: ${order.join(', ')}`);
  assert.ok(order.indexOf('big') > order.indexOf('pool job'), `the big one waited for a pool thread: ${order.join(', ')}`);
  assert.ok(gunzipSync(Buffer.concat(s)).equals(small));
  assert.ok(Buffer.concat(s).length < small.length / 4, 'deflated, not stored');
  assert.ok(gunzipSync(Buffer.concat(b)).equals(big));
  pool.close();
});
