// Server behaviour across processes: exactly-once across restarts, the live tail with
// resume, retention, start-up errors and graceful shutdown. Real processes, real files.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { BIN, makeTempDir, startServer } from './helpers/server.js';
import { SseClient } from './helpers/sse.js';

async function postJson(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Waits until the server's gauge `name` (from /metrics) reads `value`. */
async function waitForMetric(url: string, name: string, value: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = await (await fetch(`${url}/metrics`)).text();
    if (Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m)?.[1]) === value) return;
    if (Date.now() > deadline) assert.fail(`the server's ${name} did not reach ${value} within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('re-sent stream offsets are duplicates, also after a restart', async () => {
  const srv = await startServer();
  const dataDir = srv.dataDir;
  try {
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ message: `line ${from + i}`, stream: 's1', offset: (from + i + 1) * 10, source: 'dup' }));
    assert.deepEqual((await postJson(`${srv.url}/api/v1/logs`, batch(0, 5))).body, { accepted: 5, duplicates: 0 });
    assert.deepEqual((await postJson(`${srv.url}/api/v1/logs`, batch(3, 8))).body, { accepted: 3, duplicates: 2 });
    await srv.stop();
    const again = await startServer({ dataDir });
    try {
      assert.deepEqual((await postJson(`${again.url}/api/v1/logs`, batch(0, 10))).body, { accepted: 2, duplicates: 8 });
      const page = await (await fetch(`${again.url}/api/v1/logs?source=dup&order=asc&limit=100`)).json();
      assert.deepEqual(page.logs.map((r: any) => r.message), Array.from({ length: 10 }, (_, i) => `line ${i}`));
      // Records without a stream are simply inserted.
      assert.deepEqual((await postJson(`${again.url}/api/v1/logs`, [{ message: 'free', source: 'dup' }, { message: 'free', source: 'dup' }])).body, { accepted: 2, duplicates: 0 });
    } finally {
      await again.stop();
    }
  } finally {
    srv.cleanup();
  }
});

test('live tail: in order, filtered, resumable with Last-Event-ID without loss or repeat', async () => {
  const srv = await startServer({ args: ['--heartbeat', '200ms'] });
  try {
    const all = new SseClient(`${srv.url}/api/v1/tail`);
    const errorsOnly = new SseClient(`${srv.url}/api/v1/tail?level=error`);
    const search = new SseClient(`${srv.url}/api/v1/tail?q=${encodeURIComponent('"disk full"')}`);
    // A 200 means subscribed (the route subscribes before it yields), so nothing posted next is missed.
    await Promise.all([all, errorsOnly, search].map((s) => s.until(() => s.status === 200, 30_000)));
    for (let b = 0; b < 5; b++) {
      const recs = Array.from({ length: 20 }, (_, i) => ({ message: `m ${b * 20 + i}${i % 10 === 0 ? ' disk full' : ''}`, level: i % 5 === 0 ? 'error' : 'info' }));
      assert.equal((await postJson(`${srv.url}/api/v1/logs`, recs)).status, 200);
    }
    await all.until(() => all.records().length === 100);
    assert.deepEqual(all.records().map((r) => r.message.split(' ')[1]).map(Number), Array.from({ length: 100 }, (_, i) => i));
    await errorsOnly.until(() => errorsOnly.records().length === 20);
    assert.ok(errorsOnly.records().every((r) => r.level === 'error'));
    await search.until(() => search.records().length === 10);
    assert.equal(all.headers['content-type'], 'text/event-stream; charset=utf-8');
    // Heartbeats keep the connection alive (comments, not events).
    await new Promise((r) => setTimeout(r, 300));

    // Disconnect, write more, reconnect with Last-Event-ID: exactly the missed records arrive.
    const lastId = all.lastId()!;
    const seen = all.records().map((r) => r.id);
    all.close();
    errorsOnly.close();
    search.close();
    for (let b = 0; b < 3; b++) {
      await postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 1500 }, (_, i) => ({ message: `late ${b * 1500 + i}` })));
    }
    const resumed = new SseClient(`${srv.url}/api/v1/tail`, { 'last-event-id': lastId });
    await resumed.until(() => resumed.records().length === 4500, 10_000);
    await postJson(`${srv.url}/api/v1/logs`, [{ message: 'after resume' }]);
    await resumed.until(() => resumed.records().length === 4501);
    const ids = [...seen, ...resumed.records().map((r) => r.id)];
    assert.equal(new Set(ids).size, ids.length, 'no record repeated');
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'ids increase');
    assert.deepEqual(resumed.records().slice(0, 4500).map((r) => r.message), Array.from({ length: 4500 }, (_, i) => `late ${i}`));
    resumed.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('a subscriber that cannot keep up gets a gap event instead of unbounded memory', async () => {
  const srv = await startServer({ args: ['--tail-buffer', '100'] });
  try {
    // A raw socket that never reads: the server's socket buffer fills, then its queue.
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`GET /api/v1/tail HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
    sock.pause();
    await waitForMetric(srv.url, 'logpipe_tail_subscribers', 1);
    const big = 'z'.repeat(2000);
    for (let b = 0; b < 40; b++) {
      await postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 100 }, (_, i) => ({ message: `${b}-${i} ${big}` })));
    }
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (text += d));
    sock.resume();
    const gap = /event: gap\ndata: \{"from":\d+,"to":\d+,"cursor":"[^"]+"\}/;
    for (const deadline = Date.now() + 30_000; !gap.test(text) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    assert.match(text, gap);
    sock.destroy();
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(m, /^logpipe_tail_gaps_total [1-9]\d*$/m);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('a burst larger than the tail buffer sends its gap event at once, not with the next line', async () => {
  const srv = await startServer({ args: ['--tail-buffer', '10'] });
  try {
    const sub = new SseClient(`${srv.url}/api/v1/tail?level=error`);
    await sub.until(() => sub.status === 200, 30_000); // subscribed: see the live-tail test
    await postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 50 }, (_, i) => ({ message: `burst ${i}`, level: 'error' })));
    // No other line follows, so any gap event at all came with the burst.
    await sub.until(() => sub.events.some((e) => e.event === 'gap'), 30_000);
    const gap = JSON.parse(sub.events.find((e) => e.event === 'gap')!.data);
    assert.equal(gap.to - gap.from, 50);
    sub.close();
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('retention by age deletes old records and keeps the rest', async () => {
  const srv = await startServer({ args: ['--retention', '1h'] });
  try {
    const now = Date.now();
    const old = Array.from({ length: 50 }, (_, i) => ({ message: `old ${i}`, ts: now - 3 * 3_600_000, source: 'ret' }));
    const fresh = Array.from({ length: 50 }, (_, i) => ({ message: `fresh ${i}`, ts: now - 60_000, source: 'ret' }));
    await postJson(`${srv.url}/api/v1/logs`, [...old, ...fresh]);
    // Importing an old file must not see its lines vanish on arrival: a just-ingested old
    // record is kept until it has been stored for the retention age.
    await new Promise((r) => setTimeout(r, 2500));
    const page = await (await fetch(`${srv.url}/api/v1/logs?source=ret&limit=1000`)).json();
    assert.equal(page.logs.length, 100);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('start-up errors are clear: port taken, data directory not writable, corrupt database', async () => {
  const srv = await startServer();
  try {
    const taken = spawnSync(process.execPath, [BIN, 'server', '--port', String(srv.port), '--data', makeTempDir()], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /Port \d+ on 127\.0\.0\.1 is already in use/);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
  if (process.getuid?.() !== 0) {
    const ro = makeTempDir();
    chmodSync(ro, 0o500);
    const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', join(ro, 'sub')], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not writable/);
  } else {
    // root can write anywhere; a path under a regular file is unwritable for everyone.
    const dir = makeTempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', join(dir, 'file', 'sub')], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not writable/);
  }
  const bad = makeTempDir();
  mkdirSync(bad, { recursive: true });
  writeFileSync(join(bad, 'logpipe.db'), Buffer.alloc(8192, 0x41));
  const c = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', bad], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(c.status, 1);
  assert.match(c.stderr, /corrupt|not a database/i);
  const usage = spawnSync(process.execPath, [BIN, 'server', '--port', 'abc', '--retention', 'soon'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--port/);
  assert.match(usage.stderr, /--retention/);
  const open = spawnSync(process.execPath, [BIN, 'server', '--host', '0.0.0.0', '--port', '0', '--data', makeTempDir()], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(open.status, 2);
  assert.match(open.stderr, /refusing to listen on a non-loopback address/);
});

test('SIGTERM finishes in-flight requests and closes the database cleanly', async () => {
  // At info level the server says when it took the signal.
  const srv = await startServer({ env: { LOGPIPE_LOG_LEVEL: 'info' } });
  try {
    // One request surely in flight: its head and the start of its body arrive before the
    // signal, the rest only after the server took it.
    const body = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ message: `held ${i}`, source: 'term' })));
    const held = net.connect(srv.port, '127.0.0.1');
    let answer = '';
    held.setEncoding('utf8');
    held.on('data', (d) => (answer += d));
    held.on('error', () => {});
    const heldClosed = new Promise((r) => held.once('close', r));
    await new Promise((r) => held.once('connect', r));
    held.write(`POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`);
    await waitForMetric(srv.url, 'logpipe_inflight_body_bytes', Buffer.byteLength(body));
    // And a crowd of ordinary ones, some answered before the signal, others caught by it.
    const inflight = Array.from({ length: 10 }, (_, b) =>
      postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 1000 }, (_, i) => ({ message: `shutdown ${b}-${i}`, source: 'term' }))).catch(() => ({ status: 0, body: null })));
    await Promise.race(inflight);
    const code = srv.stop('SIGTERM');
    for (const deadline = Date.now() + 30_000; !/Received SIGTERM/.test(srv.output()); ) {
      if (Date.now() > deadline) assert.fail(`the server did not log the SIGTERM within 30 s:\n${srv.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    held.end(body.slice(10));
    await heldClosed;
    assert.match(answer, /^HTTP\/1\.1 200 /, `the held request is answered after the signal:\n${answer}`);
    assert.match(answer, /"accepted":100/);
    const results = await Promise.all(inflight);
    assert.equal(await code, 0);
    assert.match(srv.output(), /stopped cleanly/);
    const acked = 100 + results.filter((r) => r.status === 200).reduce((n, r) => n + r.body.accepted, 0);
    const again = await startServer({ dataDir: srv.dataDir });
    try {
      const stored = (await (await fetch(`${again.url}/api/v1/logs/export?source=term`)).text()).trim().split('\n').filter(Boolean).length;
      assert.ok(acked > 100, 'some requests completed before the shutdown');
      assert.ok(stored >= acked, `every acknowledged record is stored (${stored} >= ${acked})`);
    } finally {
      await again.stop();
    }
  } finally {
    srv.cleanup();
  }
});

test('retention by size deletes the oldest records while ingestion goes on, and only those', async () => {
  const srv = await startServer({ args: ['--max-db-size', '2MB'] });
  try {
    // Random text: repeated filler compresses to almost nothing in the block store and would
    // never reach the limit (6 MB of hex, about 3 MB compressed, against a 2 MB limit).
    for (let b = 0; b < 20; b++) {
      const res = await postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 500 }, (_, i) => ({ message: `size ${b * 500 + i} ${randomBytes(300).toString('hex')}`, source: 'size' })));
      assert.equal(res.status, 200);
    }
    const deadline = Date.now() + 15_000;
    for (;;) {
      const m = await (await fetch(`${srv.url}/metrics`)).text();
      const deleted = Number(/^logpipe_retention_deleted_total (\d+)$/m.exec(m)?.[1] ?? 0);
      const bytes = Number(/^logpipe_db_size_bytes (\d+)$/m.exec(m)?.[1] ?? 0);
      if (deleted > 0 && bytes <= 2 * 1024 * 1024) break;
      if (Date.now() > deadline) assert.fail(`retention did not bring the database under 2MB (size ${bytes}, deleted ${deleted})`);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Retention may still take a block more while compaction settles, so the oldest kept record
    // is read from the same export that is checked: a contiguous run up to the newest.
    const rest = (await (await fetch(`${srv.url}/api/v1/logs/export?source=size`)).text()).trim().split('\n').map((l) => Number(JSON.parse(l).message.split(' ')[1]));
    const oldest = rest[0];
    assert.ok(oldest > 0, 'the oldest records are gone');
    assert.deepEqual(rest, Array.from({ length: 10_000 - oldest }, (_, i) => oldest + i));
    const newest = await (await fetch(`${srv.url}/api/v1/logs?q=9999&source=size`)).json();
    assert.equal(newest.logs.length, 1, 'FTS still finds kept records');
    const gone = await (await fetch(`${srv.url}/api/v1/logs?q=${oldest - 1}&source=size`)).json();
    assert.equal(gone.logs.length, 0, 'FTS no longer finds deleted records');
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
