// The collector's answers to what a server can say (413, other 4xx, 503 + Retry-After, a cut
// connection), its command-line errors, its shutdown and its options, against an in-test sink
// that speaks the ingest contract and can be told to misbehave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './helpers/server.js';
import { readStateFile } from '../src/collector/checkpoint.js';
import { fingerprintBytes, FINGERPRINT_BYTES, identityKey } from '../src/collector/fingerprint.js';
import { assertSequence, collectorMetric, seqLine, sleep, startCollector, waitUntil } from './collector-helpers.js';
import { startSink } from './collector-sink.js';

const FAST = ['--poll-interval', '100ms', '--progress-interval', '0'];

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += seqLine(i) + '\n';
  return s;
}

function seqs(messages: string[]): number[] {
  return messages.map((m) => Number(/seq=(\d+)/.exec(m)?.[1])).sort((a, b) => a - b);
}

test('413 splits the batch until the server takes it; 400 goes to the dead-letter file; Retry-After is honoured; cut connections are retried', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-faults-');
  const log = join(dir, 'app.log');
  const state = join(dir, 'state.json');
  writeFileSync(log, lines(1, 1000));
  sink.maxRecords = 300;
  const c = startCollector(['--url', sink.url, '--state', state, '--token', 's3cret', ...FAST, log], { LOGPIPE_RETRY_BASE: '50ms' });
  try {
    await sink.waitFor(1000);
    assert.ok(sink.requests.some((r) => r.status === 413), 'the server said 413');
    assert.deepEqual(seqs(sink.records.map((r) => r.message)), Array.from({ length: 1000 }, (_, i) => i + 1));
    assert.ok(sink.requests.every((r) => r.status === 0 || r.auth === 'Bearer s3cret'), 'the token is sent');

    // A 400: loud log line, the batch in the dead-letter file, and the collector moves on.
    sink.faults.push({ status: 400, body: '{"error":"LP_ERR_INVALID_RECORD","message":"record 0: bad"}' });
    appendFileSync(log, lines(1001, 1010));
    // The file appears (appendFile opens it) before its contents are written: wait for the whole batch.
    const deadLetters = () => (existsSync(join(dir, 'state.dead-letter.ndjson')) ? readFileSync(join(dir, 'state.dead-letter.ndjson'), 'utf8') : '');
    await waitUntil(() => deadLetters().split('\n').length > 10, 60_000, 'the batch of 10 in the dead-letter file');
    const dead = deadLetters().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(seqs(dead.map((r) => r.message)), Array.from({ length: 10 }, (_, i) => 1001 + i));
    await waitUntil(() => /"level":50,[^\n]*"msg":"The server rejected a batch of 10 lines/.test(c.output()), 60_000, 'the loud log line');
    appendFileSync(log, lines(1011, 1020));
    await sink.waitFor(1010);

    // 503 with Retry-After: 1 → the next attempt comes no sooner than a second later.
    sink.faults.push({ status: 503, headers: { 'retry-after': '1' } });
    appendFileSync(log, lines(1021, 1030));
    await sink.waitFor(1020);
    const i503 = sink.requests.findIndex((r) => r.status === 503);
    assert.ok(sink.requests[i503 + 1].at - sink.requests[i503].at >= 950, 'Retry-After was honoured');

    // A connection cut mid-request is retried (the server's offsets absorb a re-send).
    sink.faults.push('destroy');
    appendFileSync(log, lines(1031, 1040));
    await sink.waitFor(1030);
    assert.deepEqual(seqs(sink.records.map((r) => r.message)), [...Array.from({ length: 1000 }, (_, i) => i + 1), ...Array.from({ length: 30 }, (_, i) => 1011 + i)]);
    assert.equal(await c.stop(), 0);
    assert.match(c.output(), /retries/);
  } finally {
    await c.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM ships what was read and saves the checkpoint; a restart resumes without re-sending; --flush-partial ships the partial line', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-term-');
  const log = join(dir, 'app.log');
  const state = join(dir, 'state.json');
  writeFileSync(log, lines(1, 500) + 'partial line without newline');
  const args = ['--url', sink.url, '--state', state, ...FAST, log];
  let c = startCollector(args);
  try {
    await sink.waitFor(500);
    assert.equal(await c.stop('SIGTERM'), 0);
    assert.match(c.output(), /Done: 500 lines read, 500 shipped/);
    const saved = readStateFile(state);
    assert.equal(saved.files[0].offset, Buffer.byteLength(lines(1, 500)), 'the checkpoint stops before the partial line');

    appendFileSync(log, ' now complete\n' + lines(501, 510));
    c = startCollector(args);
    await sink.waitFor(511);
    await sleep(200);
    assert.equal(sink.records.length, 511, 'nothing re-sent after a clean restart');
    assert.equal(sink.records[500].message, 'partial line without newline now complete');
    assert.equal(await c.stop('SIGINT'), 0);

    appendFileSync(log, 'last words');
    c = startCollector([...args, '--flush-partial', '--metrics', '0']);
    // A stop ends reading where it is: signal once the partial line has been read.
    await waitUntil(async () => (await collectorMetric(c, 'logpipe_collector_bytes_read_total')) >= 'last words'.length, 60_000, 'the collector to read the partial line');
    assert.equal(await c.stop('SIGTERM'), 0);
    assert.equal(sink.records.at(-1)!.message, 'last words');
  } finally {
    await c.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a version 1 state file (plain JSON, before the slotted format) is resumed from: nothing it claims is sent again; the next save upgrades it', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-statev1-');
  const log = join(dir, 'app.log');
  const state = join(dir, 'state.json');
  writeFileSync(log, lines(1, 10));
  const st = statSync(log);
  const head = readFileSync(log).subarray(0, FINGERPRINT_BYTES);
  const at = Buffer.byteLength(lines(1, 5));
  // Exactly what collectors before the slotted format wrote (checkpoint.ts at 43fc728: JSON.stringify(body, null, 1)).
  const v1 = {
    kind: 'logpipe-collector-state',
    version: 1,
    files: [{ key: identityKey({ dev: st.dev, ino: st.ino, birth: st.birthtimeMs }), path: log, fingerprint: fingerprintBytes(head, head.length), generation: 0, offset: at, size: at, updated: Date.now() }],
    acked: {},
    notices: 0,
  };
  writeFileSync(state, JSON.stringify(v1, null, 1) + '\n');
  const c = startCollector(['--url', sink.url, '--state', state, ...FAST, log]);
  try {
    await sink.waitFor(5);
    assert.equal(await c.stop('SIGTERM'), 0);
    assert.deepEqual(sink.records.map((r) => r.message), lines(6, 10).trimEnd().split('\n'), 'lines 6-10 only, once');
    assert.equal(readFileSync(state).subarray(0, 9).toString('latin1'), 'LPSTATE2\n', 'saved in the slotted format');
    assert.equal(readStateFile(state).files[0].offset, Buffer.byteLength(lines(1, 10)));
  } finally {
    await c.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--from end skips what is there at start-up; CRLF and invalid UTF-8 arrive cleaned; --metrics serves Prometheus text', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-from-');
  const log = join(dir, 'app.log');
  writeFileSync(log, lines(1, 100) + 'half a li');
  const c = startCollector(['--url', sink.url, '--state', join(dir, 'state.json'), '--from', 'end', '--metrics', '0', '--source', 'api', '--host', 'web-1', ...FAST, log]);
  try {
    await waitUntil(() => /metrics on http:\/\/127\.0\.0\.1:\d+/.test(c.output()), 60_000, 'the collector to start');
    // Where "the end" is gets decided once the file is opened, which may come after the ready
    // line; the state file says when: append only after that.
    const state = () => (existsSync(join(dir, 'state.json')) ? readStateFile(join(dir, 'state.json')) : { files: [] });
    await waitUntil(() => state().files[0]?.offset === Buffer.byteLength(lines(1, 100)), 60_000, 'the collector to save its start at the end of the file');
    appendFileSync(log, 'ne\n');
    appendFileSync(log, Buffer.concat([Buffer.from('crlf line\r\nbad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' bytes\n')]));
    await sink.waitFor(3);
    await sleep(200);
    // Starting at the end means at the start of the last (partial) line, not in its middle.
    assert.deepEqual(sink.records.map((r) => r.message), ['half a line', 'crlf line', 'bad \ufffd(\ufffd bytes']);
    assert.ok(sink.records.every((r) => r.source === 'api' && r.host === 'web-1'));
    const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(c.output())![1];
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(text, /^logpipe_collector_lines_shipped_total 3$/m);
    assert.match(text, /^# TYPE logpipe_collector_bytes_behind gauge$/m);
  } finally {
    await c.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clear errors: bad URL, missing --url, a directory as a file, a state file from another version', async () => {
  const dir = makeTempDir('logpipe-cli-');
  try {
    let c = startCollector(['--url', 'not a url', join(dir, 'x.log')]);
    assert.equal(await c.exited, 2);
    assert.match(c.output(), /--url "not a url" is not a valid URL/);

    c = startCollector(['--url', 'ftp://example.com', '--batch-lines', '0']);
    assert.equal(await c.exited, 2);
    assert.match(c.output(), /must start with http:\/\/ or https:\/\//);
    assert.match(c.output(), /--batch-lines must be greater than 0/);
    assert.match(c.output(), /name at least one FILE or GLOB/);

    mkdirSync(join(dir, 'logs'));
    c = startCollector(['--url', 'http://127.0.0.1:9', '--state', join(dir, 's.json'), join(dir, 'logs')]);
    assert.equal(await c.exited, 1);
    assert.match(c.output(), /LP_ERR_FILE_UNREADABLE.*is a directory/);

    writeFileSync(join(dir, 'old.json'), JSON.stringify({ kind: 'logpipe-collector-state', version: 0, files: [] }));
    writeFileSync(join(dir, 'a.log'), 'x\n');
    c = startCollector(['--url', 'http://127.0.0.1:9', '--state', join(dir, 'old.json'), join(dir, 'a.log')]);
    assert.equal(await c.exited, 1);
    assert.match(c.output(), /LP_ERR_STATE_FILE.*version 0.*reads version 2 \(and the plain-JSON version 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM against a server that never answers: gives up after --shutdown-timeout, keeps the batches in the spool, exits 0; the next start delivers them once', async () => {
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const hung = createServer((s) => sockets.push(s)); // accepts, never answers
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const port = (hung.address() as { port: number }).port;
  const dir = makeTempDir('logpipe-hung-');
  const log = join(dir, 'app.log');
  writeFileSync(log, lines(1, 50));
  const c = startCollector(['--url', `http://127.0.0.1:${port}`, '--state', join(dir, 'state.json'), '--shutdown-timeout', '1s', ...FAST, log]);
  try {
    await waitUntil(() => sockets.length > 0, 10_000, 'the collector to connect');
    const t0 = Date.now();
    assert.equal(await c.stop('SIGTERM'), 0);
    assert.ok(Date.now() - t0 < 5000, `exited after ${Date.now() - t0} ms`);
    assert.match(c.output(), /did not acknowledge everything within 1000 ms/);
    // The checkpoint claims what is in the spool (not what the server took): the spool holds it.
    const saved = readStateFile(join(dir, 'state.json'));
    assert.equal(saved.files[0].offset, statSync(log).size, 'read into the spool up to the end');
    assert.ok(readdirSync(join(dir, 'state.spool')).some((n) => n.endsWith('.spool')), 'a spool segment holds the unacknowledged batch');
    const sink = await startSink();
    try {
      const again = startCollector(['--url', sink.url, '--state', join(dir, 'state.json'), ...FAST, log]);
      await sink.waitFor(50);
      await waitUntil(() => /Shipping 1 file/.test(again.output()), 10_000, 'the collector to start');
      assert.equal(await again.stop('SIGTERM'), 0);
      assert.match(again.output(), /Sending 1 batch\(es\) left in the spool/);
      assertSequence(sink.records.map((r) => r.message), 50, 'after the restart');
      assert.deepEqual(readdirSync(join(dir, 'state.spool')), [], 'acknowledged segments are deleted');
    } finally {
      await sink.close();
    }
  } finally {
    await c.stop();
    for (const s of sockets) s.destroy();
    hung.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a named file that does not exist yet is picked up when it appears (and after delete + recreate)', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-later-');
  const log = join(dir, 'later.log');
  const c = startCollector(['--url', sink.url, '--state', join(dir, 'state.json'), '--rotate-wait', '200ms', ...FAST, log]);
  try {
    await waitUntil(() => /Shipping 0 file/.test(c.output()), 10_000, 'the collector to start');
    writeFileSync(log, lines(1, 5));
    await sink.waitFor(5);
    rmSync(log);
    await sleep(100);
    writeFileSync(log, lines(6, 9));
    await sink.waitFor(9);
    await sleep(300);
    assert.deepEqual(seqs(sink.records.map((r) => r.message)), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(new Set(sink.records.map((r) => r.stream)).size, 2, 'the recreated file is a new stream');
  } finally {
    await c.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second collector on the same state file is refused while the first runs', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-lock-');
  const log = join(dir, 'app.log');
  writeFileSync(log, lines(1, 3));
  const args = ['--url', sink.url, '--state', join(dir, 'state.json'), ...FAST, log];
  const first = startCollector(args);
  try {
    await sink.waitFor(3);
    const second = startCollector(args);
    assert.equal(await second.exited, 1);
    assert.match(second.output(), /LP_ERR_STATE_FILE.*in use by another collector \(pid \d+\)/);
    assert.equal(await first.stop('SIGTERM'), 0);
    assert.ok(!existsSync(join(dir, 'state.json.lock')), 'the lock is released on exit');
  } finally {
    await first.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('small batches queued behind a failing request keep their own bytes: later lines do not overwrite them before they are sent', async () => {
  const sink = await startSink();
  const dir = makeTempDir('logpipe-faults-reuse-');
  const log = join(dir, 'app.log');
  writeFileSync(log, lines(1, 1));
  // The server fails for a while: the first request is retried while lines keep coming, each
  // closing a small batch (under 2 KiB: a stored gzip member) that waits in the queue.
  for (let i = 0; i < 6; i++) sink.faults.push({ status: 503 });
  const c = startCollector(['--url', sink.url, '--state', join(dir, 'state.json'), '--batch-wait', '50ms', '--linger', '0', ...FAST, log], { LOGPIPE_RETRY_BASE: '150ms' });
  try {
    for (let i = 2; i <= 30; i++) {
      appendFileSync(log, lines(i, i));
      await sleep(60);
    }
    await sink.waitFor(30, 30_000).catch((err) => assert.fail(`${(err as Error).message}; requests: ${sink.requests.map((r) => `${r.status}:${r.lines}`).join(' ')}`));
    assert.deepEqual(seqs(sink.records.map((r) => r.message)), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.ok(!sink.requests.some((r) => r.status === 400), `no request was refused as broken gzip (${sink.requests.map((r) => r.status).join(' ')})`);
    assert.ok(!existsSync(join(dir, 'state.dead-letter.ndjson')), 'nothing was dead-lettered');
  } finally {
    await c.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
