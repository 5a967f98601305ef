// The in-flight body budget: requests reserve their Content-Length before the body is read and
// their decompressed size once inflated; past --max-inflight-bytes they get 503 at once, and
// reservations come back when responses finish or connections close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { memoryOf } from './helpers/proc.js';
import { startServer } from './helpers/server.js';
import { http } from './helpers/http.js';

/** Opens a POST that announces `length` bytes and sends only its first one: it holds its reservation. */
async function holdOpen(port: number, length: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(`POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n[`);
  sock.on('error', () => {});
  return sock;
}

async function inflightBytes(url: string): Promise<number> {
  const m = await (await fetch(`${url}/metrics`)).text();
  return Number(/^logpipe_inflight_body_bytes (\d+)$/m.exec(m)?.[1]);
}

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('request bodies past --max-inflight-bytes get 503 with Retry-After, and the budget comes back', async () => {
  const srv = await startServer({ args: ['--max-body-bytes', '512KB', '--max-decompressed-bytes', '512KB', '--max-inflight-bytes', '1MiB'] });
  const held: net.Socket[] = [];
  try {
    const a = await holdOpen(srv.port, 524_000);
    const b = await holdOpen(srv.port, 450_000);
    held.push(a, b);
    await until(async () => (await inflightBytes(srv.url)) === 974_000, 'two held reservations');

    // 100 KB as sent no longer fits: refused before its body is read.
    const big = JSON.stringify([{ message: 'x'.repeat(100_000) }]);
    const refused = await http(`${srv.url}/api/v1/logs`, { headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error, 'LP_ERR_OVERLOADED');
    assert.equal(refused.headers.get('retry-after'), '1');

    // A small gzip body fits as sent, but not once inflated to ~450 KB.
    const bomb = gzipSync(JSON.stringify([{ message: 'y'.repeat(450_000) }]));
    assert.ok(bomb.length < 10_000);
    const inflated = await http(`${srv.url}/api/v1/logs`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    assert.equal(inflated.status, 503);
    assert.equal(inflated.json.error, 'LP_ERR_OVERLOADED');

    // Small requests still pass, and closing the held connections returns their reservations.
    const small = await http(`${srv.url}/api/v1/logs`, { headers: { 'content-type': 'application/json' }, body: '[{"message":"fits"}]' });
    assert.equal(small.status, 200);
    a.destroy();
    b.destroy();
    await until(async () => (await inflightBytes(srv.url)) === 0, 'the reservations to be returned');
    const again = await http(`${srv.url}/api/v1/logs`, { headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(again.status, 200);
    const gz = await http(`${srv.url}/api/v1/logs`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    assert.equal(gz.status, 200);
    assert.equal(await inflightBytes(srv.url), 0, 'finished requests hold nothing');
  } finally {
    for (const s of held) s.destroy();
    await srv.stop();
    srv.cleanup();
  }
});

test('--max-inflight-bytes must hold one largest request', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./helpers/server.js');
  const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--max-inflight-bytes', '1MB'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--max-inflight-bytes .* must hold at least one largest request/);
});

test('32 concurrent gzip bombs all get 413 and the server\'s peak RSS grows by far less than 32 inflated bodies', async (t) => {
  const before = memoryOf(process.pid);
  if (!before) return t.skip('needs /proc');
  // 261 KB of gzip that inflates to 256 MiB; the default limit stops each at 16 MiB.
  const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20), { level: 9 });
  const srv = await startServer();
  try {
    const rest = memoryOf(srv.proc.pid!)!.rss;
    const statuses = await Promise.all(
      Array.from({ length: 32 }, () =>
        http(`${srv.url}/api/v1/logs`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb }).then((r) => `${r.status} ${r.json?.error}`),
      ),
    );
    const peak = memoryOf(srv.proc.pid!)!.peak;
    for (const s of statuses) assert.match(s, /^(413 LP_ERR_TOO_LARGE|503 LP_ERR_OVERLOADED)$/);
    const grewMiB = (peak - rest) / 1048576;
    // Inflating all at once held ~17 MiB each (about 550 MiB for 32); four at a time with each
    // chunk reserved first holds a few bodies plus garbage not yet collected (about 110 MiB).
    assert.ok(grewMiB < 250, `peak RSS grew by ${grewMiB.toFixed(0)} MiB over ${(rest / 1048576).toFixed(0)} MiB at rest`);
    assert.equal((await http(`${srv.url}/healthz`)).status, 200);
    assert.equal(await inflightBytes(srv.url), 0, 'every reservation came back');
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
