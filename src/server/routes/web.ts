// The dashboard's static files (dist/web) at `/`, with the SPA fallback to index.html.
//
// Only what the build produced is served, and only what it listed: the Vite build writes
// `.vite/logpipe-files.json` (see web/vite.config.ts) naming every file it emitted, and one
// GET route is registered per file at start-up. Anything else in the directory — a source map
// left from a development build, an editor's backup, a dotfile, a file planted later — has no
// route and so is a 404, whatever the spelling of its path. The files themselves are public:
// code and styles, no data (the data needs the read token).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface WebRoutesOptions {
  webDir: string;
}

/** Where the build lists its files, relative to the dashboard directory (a dotfile: never served). */
export const FILE_LIST = '.vite/logpipe-files.json';

/** A listed path that may be served: relative, no dot segments or dotfiles, no source maps, a file inside the root. */
function servable(root: string, file: unknown): file is string {
  if (typeof file !== 'string' || !file || file.length > 512) return false;
  const segments = file.split('/');
  if (segments.some((s) => !s || s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return false;
  if (file.endsWith('.map')) return false;
  const full = join(root, ...segments);
  try {
    if (!statSync(full).isFile()) return false;
    const real = realpathSync(full);
    return !relative(root, real).startsWith(`..${sep}`) && relative(root, real) !== '..';
  } catch {
    return false;
  }
}

/** The files the build listed, filtered to those that may be served; index.html always. */
function listedFiles(root: string, warn: (msg: string) => void): string[] {
  const listPath = join(root, FILE_LIST);
  let listed: unknown[] = [];
  try {
    const parsed = JSON.parse(readFileSync(listPath, 'utf8')) as { files?: unknown };
    if (Array.isArray(parsed.files)) listed = parsed.files;
    else warn(`"${listPath}" has no "files" array; only index.html is served. Rebuild with "npm run build".`);
  } catch (err) {
    warn(`The dashboard's file list "${listPath}" cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); only index.html is served. Rebuild with "npm run build".`);
  }
  return [...new Set(['index.html', ...listed.filter((f): f is string => servable(root, f))])].sort();
}

export default async function webRoutes(app: FastifyInstance, opts: WebRoutesOptions): Promise<void> {
  const publicRoute = { config: { access: 'public' as const } };
  if (!existsSync(join(opts.webDir, 'index.html'))) {
    app.log.warn(`The dashboard is not built ("${opts.webDir}/index.html" is missing); run "npm run build". The API works without it.`);
    app.get('/', publicRoute, async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('logpipe server: the dashboard is not built (run "npm run build"); the API is at /api/v1/.\n'));
    return;
  }
  const root = realpathSync(opts.webDir);
  // @fastify/static only for reply.sendFile (range, ETag, content types); it serves nothing by itself.
  await app.register(fastifyStatic, {
    root,
    serve: false,
    dotfiles: 'deny',
    cacheControl: false,
    setHeaders(res, path) {
      // Hashed assets never change; index.html must be re-checked so a new build is picked up.
      res.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const send = (file: string) => async (_req: unknown, reply: FastifyReply) => reply.sendFile(file);
  for (const file of listedFiles(root, (m) => app.log.warn(m))) app.get(`/${file}`, publicRoute, send(file));
  app.get('/', publicRoute, send('index.html'));
}
