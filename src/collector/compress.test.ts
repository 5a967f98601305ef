import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { GzipPool } from './compress.js';

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
