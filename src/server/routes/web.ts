// The dashboard's static files (dist/web) at `/`, with the SPA fallback to index.html.
// @fastify/static resolves paths inside its root only, so `..` cannot escape it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface WebRoutesOptions {
  webDir: string;
}

export default async function webRoutes(app: FastifyInstance, opts: WebRoutesOptions): Promise<void> {
  if (!existsSync(join(opts.webDir, 'index.html'))) {
    app.log.warn(`The dashboard is not built ("${opts.webDir}/index.html" is missing); run "npm run build". The API works without it.`);
    app.get('/', { config: { access: 'public' } }, async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('logpipe server: the dashboard is not built (run "npm run build"); the API is at /api/v1/.\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root: opts.webDir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(res, path) {
      // Hashed assets never change; index.html must be re-checked so a new build is picked up.
      res.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
