// Server memory under concurrent gzip bombs: N requests at once, each a 260 KB gzip body that
// inflates to 256 MiB, against the default limits (16 MiB decompressed per request, 256 MiB of
// bodies in flight). Every bomb must get 413 (or 503 once the in-flight budget is full) and the
// server's peak RSS stay bounded by the budget, not grow with N.
// Reference: the same server's RSS at rest, and its peak after one bomb alone, in the same run.
// Run: node --import tsx bench/gzip-bombs.bench.ts [bombs=128] [inflatedMiB=256]
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { memoryOf } from '../test/helpers/proc.js';
import { startServer } from '../test/helpers/server.js';

const BOMBS = Number(process.argv[2] ?? 128);
const INFLATED_MIB = Number(process.argv[3] ?? 256);
const MIB = 1024 * 1024;

const bomb = gzipSync(Buffer.alloc(INFLATED_MIB * MIB, 0x20), { level: 9 });
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/api/v1/logs`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

const srv = await startServer();
try {
  const pid = srv.proc.pid!;
  const rest = memoryOf(pid)!;
  const one = await post(srv.url, bomb);
  const afterOne = memoryOf(pid)!;
  const t0 = performance.now();
  const statuses = await Promise.all(Array.from({ length: BOMBS }, () => post(srv.url, bomb)));
  const ms = performance.now() - t0;
  const after = memoryOf(pid)!;
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  const health = await fetch(`${srv.url}/healthz`);
  const mb = (b: number) => `${(b / MIB).toFixed(0)} MiB`;
  console.log(`bomb: ${(bomb.length / 1000).toFixed(0)} KB gzip, ${INFLATED_MIB} MiB inflated; limits: server defaults (16 MiB decompressed, 256 MiB in flight)`);
  console.log(`reference: RSS at rest ${mb(rest.rss)}; one bomb alone: answered ${one}, peak RSS ${mb(afterOne.peak)}`);
  console.log(`${BOMBS} bombs at once: answers ${[...counts].map(([s, n]) => `${n}x ${s}`).join(', ')} in ${(ms / 1000).toFixed(1)} s; peak RSS ${mb(after.peak)} (${mb(after.peak - rest.rss)} over rest); RSS after ${mb(after.rss)}; /healthz ${health.status}`);
} finally {
  await srv.stop();
  srv.cleanup();
}
