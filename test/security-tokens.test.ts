// Access control end to end: every endpoint against no token, a wrong token, the other kind of
// token and the right one; tokens from flags, environment variables and files; rotation with
// two tokens of a kind; basic auth as Loki clients send it; and the refusal to listen on a
// non-loopback address without tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BIN, makeTempDir, startServer, type ServerHandle } from './helpers/server.js';
import { bearer, http, type HttpResult } from './helpers/http.js';

const INGEST = ['ingest-token-one-1111', 'ingest-token-two-2222'];
const READ = ['read-token-one-3333', 'read-token-two-4444'];

interface Endpoint {
  name: string;
  access: 'ingest' | 'read';
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  type?: string;
  /** SSE: read only the head. */
  stream?: boolean;
}

const now = Date.now();
const ENDPOINTS: Endpoint[] = [
  { name: 'native ingest', access: 'ingest', method: 'POST', path: '/api/v1/logs', body: JSON.stringify([{ message: 'tok native', source: 'tok' }]) },
  { name: 'seed ingest', access: 'ingest', method: 'POST', path: '/logs', body: JSON.stringify([{ message: 'tok seed', source: 'tok' }]) },
  {
    name: 'OTLP /v1/logs', access: 'ingest', method: 'POST', path: '/v1/logs',
    body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(now * 1e6), body: { stringValue: 'tok otlp' } }] }] }] }),
  },
  {
    name: 'OTLP /otlp/v1/logs', access: 'ingest', method: 'POST', path: '/otlp/v1/logs',
    body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'tok otlp 2' } }] }] }] }),
  },
  { name: 'Loki push', access: 'ingest', method: 'POST', path: '/loki/api/v1/push', body: JSON.stringify({ streams: [{ stream: { job: 'tok-loki' }, values: [[String(now * 1e6), 'tok loki']] }] }) },
  { name: 'query', access: 'read', method: 'GET', path: '/api/v1/logs?limit=5' },
  { name: 'seed query', access: 'read', method: 'GET', path: '/logs?limit=5' },
  { name: 'one record', access: 'read', method: 'GET', path: '/api/v1/logs/1' },
  { name: 'context', access: 'read', method: 'GET', path: '/api/v1/logs/1/context' },
  { name: 'histogram', access: 'read', method: 'GET', path: '/api/v1/histogram' },
  { name: 'sources', access: 'read', method: 'GET', path: '/api/v1/sources' },
  { name: 'export', access: 'read', method: 'GET', path: '/api/v1/logs/export?format=csv' },
  { name: 'tail', access: 'read', method: 'GET', path: '/api/v1/tail', stream: true },
  { name: 'metrics', access: 'read', method: 'GET', path: '/metrics' },
  { name: 'Loki labels', access: 'read', method: 'GET', path: '/loki/api/v1/labels' },
  { name: 'Loki label values', access: 'read', method: 'GET', path: '/loki/api/v1/label/job/values' },
];

function call(base: string, ep: Endpoint, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(base + ep.path, {
    method: ep.method,
    headers: ep.body !== undefined ? { 'content-type': ep.type ?? 'application/json', ...headers } : headers,
    body: ep.body,
    headersOnly: ep.stream,
  });
}

function assertDenied(res: HttpResult, status: 401 | 403, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.text.slice(0, 200)}`);
  assert.equal(res.json?.error, status === 401 ? 'LP_ERR_UNAUTHORIZED' : 'LP_ERR_FORBIDDEN', what);
  assert.equal(typeof res.json?.message, 'string', what);
  if (status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/, what);
  // Denials carry the security headers like every other response.
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
}

/** Runs the whole matrix against a server configured with INGEST and READ (however they were given). */
async function checkMatrix(base: string, ingest: string[], read: string[]): Promise<void> {
  for (const ep of ENDPOINTS) {
    const own = ep.access === 'ingest' ? ingest : read;
    const other = ep.access === 'ingest' ? read : ingest;
    assertDenied(await call(base, ep), 401, `${ep.name} without a token`);
    assertDenied(await call(base, ep, bearer('not-a-real-token-0000')), 401, `${ep.name} with a wrong token`);
    assertDenied(await call(base, ep, bearer(own[0] + 'x')), 401, `${ep.name} with a token one character longer`);
    assertDenied(await call(base, ep, { authorization: `Basic ${Buffer.from(':').toString('base64')}` }), 401, `${ep.name} with empty basic auth`);
    assertDenied(await call(base, ep, bearer(other[0])), 403, `${ep.name} with the other kind of token`);
    // Every token of the right kind works: two tokens at once is how rotation is done.
    for (const t of own) {
      const ok = await call(base, ep, bearer(t));
      assert.ok(ok.status >= 200 && ok.status < 300 || (ok.status === 404 && ep.path.includes('/logs/1')), `${ep.name} with its token: ${ok.status} ${ok.text.slice(0, 200)}`);
    }
  }
  // The public surface needs no token.
  for (const path of ['/healthz', '/ready']) assert.equal((await http(base + path)).status, 200, path);
  const page = await http(base + '/api/v1/logs?source=tok&limit=100', { headers: bearer(read[1]) });
  assert.equal(page.status, 200);
  const messages = page.json.logs.map((r: { message: string }) => r.message).sort();
  // Each ingest endpoint stored its line once per ingest token (two tokens), nothing from denied calls.
  assert.deepEqual(messages, ['tok native', 'tok native', 'tok seed', 'tok seed']);
}

describe('tokens from flags', () => {
  let srv: ServerHandle;
  before(async () => {
    srv = await startServer({ args: ['--ingest-token', INGEST[0], '--ingest-token', INGEST[1], '--read-token', READ.join(',')] });
  });
  after(async () => {
    await srv.stop();
    srv.cleanup();
  });

  test('every endpoint: 401 without or with a wrong token, 403 with the other kind, 2xx with either token of its kind', async () => {
    await checkMatrix(srv.url, INGEST, READ);
  });

  test('Loki clients authenticate with basic auth: token as password, or as user with an empty password', async () => {
    const body = JSON.stringify({ streams: [{ stream: { job: 'basic' }, values: [[String(Date.now() * 1e6), 'via basic auth']] }] });
    const headers = (auth: string) => ({ 'content-type': 'application/json', authorization: `Basic ${Buffer.from(auth).toString('base64')}` });
    assert.equal((await http(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: headers(`tenant-1:${INGEST[1]}`), body })).status, 204);
    assert.equal((await http(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: headers(`${INGEST[0]}:`), body })).status, 204);
    assertDenied(await http(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: headers(`tenant-1:${READ[0]}`), body }), 403, 'basic auth with a read token');
    assertDenied(await http(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: headers('tenant-1:wrong-password'), body }), 401, 'basic auth with a wrong password');
    const labels = await http(`${srv.url}/loki/api/v1/label/job/values`, { headers: { authorization: `Basic ${Buffer.from(`grafana:${READ[0]}`).toString('base64')}` } });
    assert.equal(labels.status, 200);
    assert.ok(labels.json.data.includes('basic'));
  });

  test('malformed Authorization headers are 401, never 500', async () => {
    for (const auth of ['Bearer', 'Bearer ', 'Basic !!!not-base64!!!', 'Token abc', 'bearer\tx', 'Basic ' + 'A'.repeat(10_000), `Bearer ${INGEST[0]}\u0000`.replace('\u0000', '%00')]) {
      const res = await http(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '[]' });
      assert.equal(res.status, 401, `${JSON.stringify(auth.slice(0, 30))}: ${res.text.slice(0, 200)}`);
    }
    // The scheme is case-insensitive, as RFC 7235 says.
    const lower = await http(`${srv.url}/api/v1/sources`, { headers: { authorization: `bearer ${READ[0]}` } });
    assert.equal(lower.status, 200);
  });

  test('the token is checked before the body is read: no parsing or decompressing for strangers', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    for (const [type, body, enc] of [['application/json', '{not json', undefined], ['application/json', bomb, 'gzip'], ['application/x-protobuf', 'junk', undefined], ['application/xml', '<x/>', undefined]] as const) {
      for (const path of ['/api/v1/logs', '/v1/logs', '/loki/api/v1/push']) {
        const headers: Record<string, string> = { 'content-type': type };
        if (enc) headers['content-encoding'] = enc;
        const anon = await http(srv.url + path, { method: 'POST', headers, body });
        const reader = await http(srv.url + path, { method: 'POST', headers: { ...headers, ...bearer(READ[0]) }, body });
        if (path === '/v1/logs' && type === 'application/x-protobuf') {
          // OTLP answers protobuf clients with a google.rpc.Status body; the status is what matters.
          assert.equal(anon.status, 401);
          assert.equal(reader.status, 403);
          continue;
        }
        assertDenied(anon, 401, `${path} ${type} without a token`);
        assertDenied(reader, 403, `${path} ${type} with a read token`);
      }
    }
  });

  test('the dashboard files are public (they hold no data) but the API behind them is not', async () => {
    const page = await http(`${srv.url}/`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    // A path no route matches runs no route: a plain 404 that holds nothing but the path
    // (access is decided by the route that runs, never by the path's prefix).
    const none = await http(`${srv.url}/api/v1/nothing-here`);
    assert.equal(none.status, 404, none.text);
    assert.equal(none.json?.error, 'LP_ERR_NOT_FOUND');
    assertDenied(await http(`${srv.url}/api/v1/sources`), 401, 'the API without a token');
  });
});

describe('tokens from the environment and from files', () => {
  test('LOGPIPE_INGEST_TOKEN and LOGPIPE_READ_TOKEN, comma-separated', async () => {
    const srv = await startServer({ env: { LOGPIPE_INGEST_TOKEN: INGEST.join(','), LOGPIPE_READ_TOKEN: ` ${READ[0]} , ${READ[1]} ` } });
    try {
      await checkMatrix(srv.url, INGEST, READ);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('--ingest-token-file and LOGPIPE_READ_TOKEN_FILE: one token a line, comments and blank lines skipped', async () => {
    const dir = makeTempDir();
    const ingestFile = join(dir, 'ingest.tokens');
    const readFile = join(dir, 'read.tokens');
    writeFileSync(ingestFile, `# rotated 2026-11-28\n${INGEST[0]}\r\n\n  ${INGEST[1]}  \n`);
    writeFileSync(readFile, `${READ[0]}\n${READ[1]}`);
    const srv = await startServer({ args: ['--ingest-token-file', ingestFile], env: { LOGPIPE_READ_TOKEN_FILE: readFile } });
    try {
      await checkMatrix(srv.url, INGEST, READ);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('a flag token and a file token together both work (rotation across sources)', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'ingest.tokens');
    writeFileSync(file, `${INGEST[1]}\n`);
    const srv = await startServer({ args: ['--ingest-token', INGEST[0], '--ingest-token-file', file, '--read-token', READ[0]] });
    try {
      for (const t of INGEST) {
        const res = await http(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(t) }, body: '[{"message":"rot"}]' });
        assert.equal(res.status, 200);
      }
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });

  test('bad token configuration is refused at start-up with every problem named', () => {
    const dir = makeTempDir();
    const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', dir, '--ingest-token', 'short', '--read-token', 'same-token-12345', '--ingest-token', 'same-token-12345', '--read-token-file', join(dir, 'missing.tokens')], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /at least 8 characters/);
    assert.match(r.stderr, /both an ingest token and a read token/);
    assert.match(r.stderr, /--read-token-file: cannot read ".*missing\.tokens"/);
  });
});

describe('non-loopback addresses', () => {
  function runServer(args: string[], env: Record<string, string> = {}) {
    return spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', makeTempDir(), ...args], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, ...env } });
  }

  test('refuses to listen without tokens, naming what is missing and how to proceed', () => {
    for (const host of ['0.0.0.0', '::']) {
      const r = runServer(['--host', host]);
      assert.equal(r.status, 2, `${host}: ${r.stderr}`);
      assert.match(r.stderr, /refusing to listen on a non-loopback address without --ingest-token and --read-token/);
      assert.match(r.stderr, /--insecure/);
    }
    const onlyIngest = runServer(['--host', '0.0.0.0', '--ingest-token', INGEST[0]]);
    assert.equal(onlyIngest.status, 2);
    assert.match(onlyIngest.stderr, /without --read-token/);
    assert.doesNotMatch(onlyIngest.stderr, /without --ingest-token/);
  });

  test('listens with both kinds of token, or with --insecure, and then enforces the tokens', async () => {
    const srv = await startServer({ args: ['--host', '0.0.0.0', '--ingest-token', INGEST[0], '--read-token', READ[0]] });
    try {
      const base = `http://127.0.0.1:${srv.port}`;
      assert.equal((await http(`${base}/api/v1/sources`)).status, 401);
      assert.equal((await http(`${base}/api/v1/sources`, { headers: bearer(READ[0]) })).status, 200);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
    const open = await startServer({ args: ['--host', '0.0.0.0', '--insecure'] });
    try {
      assert.equal((await http(`http://127.0.0.1:${open.port}/api/v1/sources`)).status, 200);
    } finally {
      await open.stop();
      open.cleanup();
    }
  });
});
