import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** Every file under `dir` (recursively), as `/`-separated paths relative to `dir`. */
function filesUnder(dir: string, base = dir): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), base) : e.isFile() ? [relative(base, join(dir, e.name)).split('\\').join('/')] : []));
}

/**
 * Writes `.vite/logpipe-files.json`, the list of every file this build emitted (chunks, CSS,
 * assets, index.html, and what web/public copied). The server serves those files and nothing
 * else from dist/web (src/server/routes/web.ts).
 */
function listBuiltFiles(): Plugin {
  let publicDir = '';
  return {
    name: 'logpipe-list-built-files',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    // After writing, when the bundle holds everything every plugin emitted (index.html included).
    writeBundle(options, bundle) {
      const files = [...new Set([...Object.keys(bundle), ...(publicDir ? filesUnder(publicDir) : [])])].filter((f) => !f.endsWith('.map') && !f.startsWith('.')).sort();
      const dir = join(options.dir!, '.vite');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'logpipe-files.json'), `${JSON.stringify({ files }, null, 2)}\n`);
    },
  };
}

// The dashboard is built into dist/web, which `logpipe server` serves at `/`.
// `npm run dev` serves it with hot reload and proxies the API to a running server.
// No source maps in the build: the server would not serve them anyway (they are not in the
// file list), and they would only show our sources to anyone who can reach the port.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [react(), listBuiltFiles()],
  build: { outDir: new URL('../dist/web', import.meta.url).pathname, emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      '/api': process.env.LOGPIPE_URL ?? 'http://127.0.0.1:8000',
      '/healthz': process.env.LOGPIPE_URL ?? 'http://127.0.0.1:8000',
    },
  },
});
