import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard is built into dist/web, which `logpipe server` serves at `/`.
// `npm run dev` serves it with hot reload and proxies the API to a running server.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [react()],
  build: { outDir: new URL('../dist/web', import.meta.url).pathname, emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': process.env.LOGPIPE_URL ?? 'http://127.0.0.1:8000',
      '/healthz': process.env.LOGPIPE_URL ?? 'http://127.0.0.1:8000',
    },
  },
});
