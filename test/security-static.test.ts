// The dashboard's directory serves what the build listed and nothing else: no source maps (the
// production build makes none), no file planted beside the build (before or after the server
// started), no dotfile, nothing reached through `..` — in any spelling, with or without a token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, relative } from 'node:path';
import { ROOT, makeTempDir, startServer, type ServerHandle } from './helpers/server.js';
import { bearer } from './helpers/http.js';

const BUILD = join(ROOT, 'dist', 'web');
const READ = 'static-read-token-1111';
const PLANTED = 'PLANTED-NOT-IN-THE-BUILD';

let server: ServerHandle;
let outside: string;
let webDir: string;
let listed: string[];
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))]));
}

/** GET with the path exactly as given (no URL normalisation). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, agent, headers: { accept: '*/*', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${path} within 10 s`)));
    req.end();
  });
}

before(async () => {
  listed = (JSON.parse(readFileSync(join(BUILD, '.vite', 'logpipe-files.json'), 'utf8')) as { files: string[] }).files;
  // A copy of the real build, with things planted in and beside it.
  outside = makeTempDir('logpipe-static-');
  webDir = join(outside, 'web');
  cpSync(BUILD, webDir, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), PLANTED);
  const js = listed.find((f) => f.endsWith('.js'))!;
  const plant = (path: string) => {
    mkdirSync(join(webDir, path, '..'), { recursive: true });
    writeFileSync(join(webDir, path), PLANTED);
  };
  for (const p of ['planted.txt', 'assets/planted.js', `${js}.map`, 'assets/index.js.map', '.env', '.git/config', 'assets/.hidden.js', 'index.html.bak', 'src/main.tsx']) plant(p);
  symlinkSync(join(outside, 'secret.txt'), join(webDir, 'assets', 'link.js'));
  server = await startServer({ args: ['--web-dir', webDir, '--read-token', READ, '--ingest-token', 'static-ingest-token-2222'] });
  // Planted after the server started: no more servable than before.
  plant('late.js');
  plant('assets/late.js');
});

after(async () => {
  agent.destroy();
  await server?.stop();
  server?.cleanup();
});

test('the production build has no source maps, and its file list names every file it wrote', () => {
  const files = walk(BUILD).filter((f) => !f.startsWith('.vite'));
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'source maps in dist/web');
  for (const f of files.filter((x) => /\.(js|css)$/.test(x))) {
    assert.doesNotMatch(readFileSync(join(BUILD, f), 'utf8'), /sourceMappingURL/, `${f} points at a source map`);
  }
  assert.deepEqual([...files].sort(), [...listed].sort());
  assert.ok(listed.includes('index.html') && listed.some((f) => f.endsWith('.js')) && listed.some((f) => f.endsWith('.css')));
});

test('every listed file is served as built; / is index.html', async () => {
  for (const f of listed) {
    const res = await get(`/${f}`);
    assert.equal(res.status, 200, f);
    assert.ok(res.body.equals(readFileSync(join(BUILD, f))), `${f} served as built`);
  }
  const index = await get('/', { accept: 'text/html' });
  assert.equal(index.status, 200);
  assert.ok(index.body.equals(readFileSync(join(BUILD, 'index.html'))));
  assert.match(index.type, /^text\/html/);
});

test('planted files, source maps, dotfiles and traversal are 404 (or 400), never their content', async () => {
  const js = listed.find((f) => f.endsWith('.js'))!;
  const paths = [
    '/planted.txt', '/assets/planted.js', `/${js}.map`, '/assets/index.js.map', '/.env', '/.git/config', '/.git/', '/assets/.hidden.js',
    '/index.html.bak', '/src/main.tsx', '/late.js', '/assets/late.js', '/assets/link.js',
    '/.vite/logpipe-files.json', '/.vite/', '/assets/', '/assets',
    '/%2eenv', '/%2Eenv', '/assets/%2ehidden.js', '/planted%2etxt', '/%70lanted.txt', '/assets%2fplanted.js', '/assets%2Fplanted.js',
    `/${js}%2emap`, `/${js.replace('.js', '%2ejs')}.map`, '/%252eenv', '/PLANTED.TXT', '/planted.txt/', '/planted.txt%00', '/planted.txt%00.js',
    '/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt', '/..\\secret.txt', '/..%5csecret.txt', '/%252e%252e/secret.txt', '//secret.txt', '/./../secret.txt',
    `/assets/..%2f${js.split('/')[1]}.map`, '/assets/../planted.txt', '/assets/%2e%2e/planted.txt',
  ];
  for (const path of paths) {
    for (const headers of [{}, bearer(READ), { accept: 'text/html' }, { accept: 'text/html', ...bearer(READ) }]) {
      const res = await get(path, headers);
      const what = `${path} (${JSON.stringify(headers)}): ${res.status} ${res.body.toString('utf8', 0, 120)}`;
      assert.ok(!res.body.includes(PLANTED), `served what is not in the build: ${what}`);
      assert.ok(res.status === 404 || res.status === 400, what);
      assert.match(res.type, /^application\/json/, what);
      assert.match(JSON.parse(res.body.toString('utf8')).error, /^LP_ERR_(NOT_FOUND|BAD_REQUEST)$/, what);
    }
  }
});
