// Access is decided by the route that runs, never by how its path is spelled. The routes come
// from the app itself (buildApp's onRoute list), so a new route cannot be left out; each must
// appear in the table below with the access this test expects of it. Then every route, in many
// spellings of its path — plain, each byte percent-encoded in turn, each byte double-encoded,
// everything encoded, trailing slash, doubled slash, upper and mixed case, `;`, NUL — is asked of
// a real server process with no token, the wrong kind of token and the right kind. Nothing that
// needs a token may answer 2xx (or 3xx) without the right one, no answer is a 5xx, and no
// answer without the right token carries a stored line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type RouteInfo } from '../src/server/app.js';
import { DEFAULT_LIMITS } from '../src/server/config.js';
import { openStore } from '../src/server/storage/open.js';
import type { Access } from '../src/server/auth.js';
import { ROOT, makeTempDir, startServer, type ServerHandle } from './helpers/server.js';
import { bearer, postJson } from './helpers/http.js';

const INGEST = 'route-matrix-ingest-1111';
const READ = 'route-matrix-read-2222';
const WEB_DIR = join(ROOT, 'dist', 'web');
/** In every stored line: no answer without the read token may contain it. */
const SECRET = 'routematrixsecret';

/** The access this test expects of every non-static route; a route missing here fails the test. */
const EXPECTED: Record<string, Access> = {
  'POST /api/v1/logs': 'ingest',
  'POST /logs': 'ingest',
  'POST /v1/logs': 'ingest',
  'POST /otlp/v1/logs': 'ingest',
  'POST /loki/api/v1/push': 'ingest',
  'GET /api/v1/streams': 'ingest',
  'GET /api/v1/logs': 'read',
  'GET /api/v1/logs/export': 'read',
  'GET /api/v1/logs/:id': 'read',
  'GET /api/v1/logs/:id/context': 'read',
  'GET /api/v1/histogram': 'read',
  'GET /api/v1/fields': 'read',
  'GET /api/v1/sources': 'read',
  'GET /api/v1/tail': 'read',
  'GET /logs': 'read',
  'GET /metrics': 'read',
  'GET /loki/api/v1/labels': 'read',
  'GET /loki/api/v1/label': 'read',
  'GET /loki/api/v1/label/:name/values': 'read',
  'GET /healthz': 'public',
  'GET /ready': 'public',
};

/** A body each POST route accepts, so that the right token really gets through. */
const BODIES: Record<string, string> = {
  '/api/v1/logs': JSON.stringify([{ message: `native ${SECRET}`, source: 'matrix', host: 'matrix-host' }]),
  '/logs': JSON.stringify([{ message: `seed ${SECRET}` }]),
  '/v1/logs': JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: `otlp ${SECRET}` } }] }] }] }),
  '/otlp/v1/logs': JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: `otlp2 ${SECRET}` } }] }] }] }),
  '/loki/api/v1/push': JSON.stringify({ streams: [{ stream: { job: 'matrix' }, values: [[String(Date.now() * 1e6), `loki ${SECRET}`]] }] }),
};

let server: ServerHandle;
let routes: RouteInfo[];
let builtFiles: string[];
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** One request with the path exactly as given (no URL normalisation), keep-alive; SSE answers are cut after their head. */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, agent, headers: { accept: '*/*', ...headers, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (type.includes('text/event-stream')) {
        // The stream never ends; its head is the answer. Closing this socket ends the subscription.
        res.destroy();
        req.destroy();
        resolve({ status: res.statusCode ?? 0, type, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // An answer that never comes is a failure to report (HEAD of the live tail once hung), not a hang.
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end(body);
  });
}

/** The route's pattern with its parameters filled in: a path that reaches it when spelled plainly. */
function concrete(url: string): string {
  return url.replace(':id', '1').replace(':name', 'job');
}

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** Ways to spell `path`: the plain one first, then each byte encoded, each byte double-encoded, and the rest. */
export function spellings(path: string): string[] {
  const out = new Set<string>([path]);
  const bytes = [...Buffer.from(path)];
  for (let i = 0; i < bytes.length; i++) {
    const enc = `%${hex(bytes[i])}`;
    out.add(path.slice(0, i) + enc + path.slice(i + 1));
    out.add(path.slice(0, i) + enc.toLowerCase() + path.slice(i + 1));
    out.add(path.slice(0, i) + `%25${hex(bytes[i])}` + path.slice(i + 1));
  }
  out.add(path.replace(/[^/]/g, (c) => `%${hex(c.charCodeAt(0))}`));
  out.add(path.replace(/[^/]/g, (c) => `%${hex(c.charCodeAt(0))}`.toLowerCase()));
  out.add(path.replace(/[^/]/g, (c) => `%25${hex(c.charCodeAt(0))}`));
  out.add(path.replace(/\//g, '%2F'));
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(`/${path}`);
  out.add(path.replace(/\//g, '//'));
  out.add(path.toUpperCase());
  out.add(path.replace(/\/([a-z])/g, (_m, c: string) => `/${c.toUpperCase()}`));
  out.add(path.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)));
  out.add(`${path};x`);
  out.add(`${path}%00`);
  out.add(`${path}/.`);
  out.add(`${path}/..${path}`);
  out.add(`${path}?${SECRET}=1`);
  out.add(`${path}%3F`);
  out.add(`${path}%23`);
  out.add(`${path}.json`);
  if (path !== '/') out.add(path.replace(/\/[^/]*$/, '/./$&').replace('/.//', '/./'));
  return [...out];
}

/** The app as the server process builds it (same web dir and tokens), in this process; close() undoes it. */
async function buildInProcess(): Promise<{ built: Awaited<ReturnType<typeof buildApp>>; close(): Promise<void> }> {
  const dir = makeTempDir('logpipe-routes-');
  const store = await openStore({ dataDir: dir });
  const built = await buildApp(
    { host: '127.0.0.1', port: 0, dataDir: dir, ingestTokens: [INGEST], readTokens: [READ], insecure: false, corsOrigins: [], limits: DEFAULT_LIMITS, heartbeatMs: 15_000, webDir: WEB_DIR, logLevel: 'silent' },
    store,
    { logger: false },
  );
  return {
    built,
    async close() {
      await built.app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

before(async () => {
  builtFiles = (JSON.parse(readFileSync(join(WEB_DIR, '.vite', 'logpipe-files.json'), 'utf8')) as { files: string[] }).files;
  // The routes, from the app itself.
  const inProcess = await buildInProcess();
  await inProcess.built.app.ready();
  routes = inProcess.built.routes;
  await inProcess.close();

  server = await startServer({ args: ['--ingest-token', INGEST, '--read-token', READ, '--web-dir', WEB_DIR] });
  const res = await postJson(`${server.url}/api/v1/logs`, [{ message: `first line ${SECRET}`, source: 'matrix', host: 'matrix-host' }], bearer(INGEST));
  assert.equal(res.status, 200, res.text);
});

after(async () => {
  agent.destroy();
  await server?.stop();
  server?.cleanup();
});

/** The access this test expects of a registered route (HEAD twins as their GET). */
function expectedAccess(r: RouteInfo): Access | undefined {
  const method = r.method === 'HEAD' ? 'GET' : r.method;
  if (EXPECTED[`${method} ${r.url}`]) return EXPECTED[`${method} ${r.url}`];
  // The dashboard's files: `/` and each file the build listed, nothing else.
  if (method === 'GET' && (r.url === '/' || builtFiles.includes(r.url.slice(1)))) return 'public';
  return undefined;
}

test('every route the app registers declares the access this test expects of it, and every expected route exists', () => {
  assert.ok(routes.length > 20, `only ${routes.length} routes were seen`);
  for (const r of routes) {
    const want = expectedAccess(r);
    assert.ok(want, `${r.method} ${r.url} is a route this test does not know: add it to EXPECTED with the access it needs`);
    assert.equal(r.access, want, `${r.method} ${r.url} declares "${r.access}"`);
  }
  const seen = new Set(routes.map((r) => `${r.method} ${r.url}`));
  for (const key of Object.keys(EXPECTED)) assert.ok(seen.has(key), `${key} is not registered`);
  for (const f of builtFiles) assert.ok(seen.has(`GET /${f}`), `the built file ${f} has no route`);
  // Every GET has its HEAD twin, which needs the same.
  for (const r of routes.filter((x) => x.method === 'GET')) {
    assert.ok(routes.some((x) => x.method === 'HEAD' && x.url === r.url && x.access === r.access), `HEAD ${r.url}`);
  }
});

test('a route that declares no access level cannot be added: the app refuses it', async () => {
  const inProcess = await buildInProcess();
  try {
    assert.throws(() => inProcess.built.app.get('/api/v1/undeclared', async () => 'open?'), /declares no access level/);
    assert.throws(() => inProcess.built.app.post('/x', { config: { access: 'everyone' as 'public' } }, async () => 'open?'), /declares no access level/);
  } finally {
    await inProcess.close();
  }
});

test('no route answers 2xx without the right token, however its path is spelled; none answers 5xx', async () => {
  const tokens: Record<string, Record<string, string>> = { none: {}, ingest: bearer(INGEST), read: bearer(READ), bogus: bearer('route-matrix-bogus-3333') };
  const failures: string[] = [];
  let requests = 0;
  const reached = new Set<string>();
  const jobs: (() => Promise<void>)[] = [];
  for (const r of routes) {
    const access = expectedAccess(r)!;
    const plain = concrete(r.url);
    for (const path of spellings(plain)) {
      for (const [kind, headers] of Object.entries(tokens)) {
        jobs.push(async () => {
          const body = r.method === 'POST' ? (BODIES[r.url] ?? '[]') : undefined;
          const a = await send(r.method, path, headers, body).catch((err: Error) => ({ status: 0, type: '', body: `request failed: ${err.message}` }));
          requests++;
          const what = `${r.method} ${path} (route ${r.url}, needs ${access}) with ${kind} token: ${a.status} ${a.body.slice(0, 120)}`;
          if (a.status >= 500 || a.status === 0) failures.push(`server error or no valid answer: ${what}`);
          const rightToken = access === 'public' || kind === access;
          if (!rightToken) {
            if (a.status > 0 && a.status < 400) failures.push(`answered without the right token: ${what}`);
            if (a.body.includes(SECRET)) failures.push(`stored text leaked: ${what}`);
          }
          if (rightToken && path === plain) {
            // The plain spelling with the right token reaches the route (so the matrix tests something).
            if (a.status >= 400) failures.push(`the right token was refused: ${what}`);
            else reached.add(`${r.method} ${r.url}`);
          }
        });
      }
    }
  }
  // Eight at a time over keep-alive connections.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < jobs.length) await jobs[next++]();
  }));
  // Leaks first, then the rest, a few of each kind.
  const kinds = ['answered without the right token', 'stored text leaked', 'the right token was refused', 'server error or no valid answer'];
  const shown = kinds.flatMap((k) => failures.filter((f) => f.startsWith(k)).slice(0, 12));
  assert.deepEqual(shown, [], `${failures.length} of ${requests} requests went wrong`);
  assert.equal(reached.size, routes.length, 'every route answered its plain spelling with the right token');
  assert.ok(requests > 5000, `${requests} requests`);
});

test('the spellings named in the report: /%6Coki/… label endpoints need the read token', async () => {
  for (const path of ['/%6Coki/api/v1/labels', '/%6coki/api/v1/label', '/%6coki/api/v1/label/job/values', '/%6Coki/api/v1/label/host/values']) {
    const none = await send('GET', path, {});
    assert.equal(none.status, 401, `${path}: ${none.body}`);
    assert.equal(JSON.parse(none.body).error, 'LP_ERR_UNAUTHORIZED');
    assert.equal((await send('GET', path, bearer(INGEST))).status, 403, path);
    const ok = await send('GET', path, bearer(READ));
    assert.equal(ok.status, 200, path);
    assert.equal(JSON.parse(ok.body).status, 'success');
  }
});

/**
 * Writes `data` on a fresh socket and reads until the server closes it, `done` says the answer
 * is complete, or 10 s pass: every response, raw.
 */
function rawExchange(data: string, done: (raw: string) => boolean = () => false): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(server.port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => sock.destroy(), 10_000);
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (done(got)) sock.destroy();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.write(data);
  });
}

/** The status lines of every response in a raw exchange. */
const statuses = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

test('requests no client library would send: absolute-form targets, CONNECT, upgrades, pipelined and smuggled requests', async () => {
  const host = `127.0.0.1:${server.port}`;
  const close = 'Connection: close\r\n';
  // Absolute-form targets (a proxy's spelling) reach the route the path names, token and all.
  for (const target of [`http://${host}/api/v1/logs`, `http://x/api/v1/logs/export`, `HTTP://X/metrics`, `http://[::1]/loki/api/v1/labels`, `https://${host}/api/v1/tail`]) {
    const raw = await rawExchange(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
    assert.deepEqual(statuses(raw), [401], `${target}: ${raw.slice(0, 200)}`);
    assert.ok(!raw.includes(SECRET), target);
    const withRead = await rawExchange(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${INGEST}\r\n${close}\r\n`);
    assert.deepEqual(statuses(withRead), [403], `${target} with the ingest token`);
  }
  // CONNECT (a proxy tunnel) is answered like any path that holds nothing, not with a dropped connection.
  for (const target of [host, `127.0.0.1:22`, '/api/v1/logs']) {
    const raw = await rawExchange(`CONNECT ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.deepEqual(statuses(raw), [404], `CONNECT ${target}: ${JSON.stringify(raw.slice(0, 200))}`);
    assert.match(raw, /content-type: application\/json/i);
    assert.match(raw, /x-content-type-options: nosniff/i);
    assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error, 'LP_ERR_NOT_FOUND');
  }
  // Upgrades to WebSocket or h2c are not taken: the route answers, with its token check.
  const ws = await rawExchange(`GET /api/v1/tail HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, (raw) => raw.endsWith('}'));
  assert.deepEqual(statuses(ws), [401], ws.slice(0, 200));
  // A second request on a connection is checked on its own: the first one's token does not carry over.
  const pipelined = await rawExchange(`POST /api/v1/logs HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${INGEST}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]GET /api/v1/logs HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
  assert.deepEqual(statuses(pipelined), [200, 401], pipelined.slice(0, 300));
  assert.ok(!pipelined.includes(SECRET));
  // A request hidden in a body stays a body; Content-Length beside Transfer-Encoding is refused.
  const inBody = `GET /api/v1/logs HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${READ}\r\n\r\n`;
  const hidden = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${inBody.length}\r\n${close}\r\n${inBody}`);
  assert.deepEqual(statuses(hidden), [200], hidden.slice(0, 200));
  assert.ok(!hidden.includes(SECRET));
  const both = await rawExchange(`POST /healthz HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /api/v1/logs HTTP/1.1\r\nHost: ${host}\r\n${close}\r\n`);
  assert.deepEqual(statuses(both), [400], both.slice(0, 200));
});
