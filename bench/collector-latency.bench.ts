// Latency: a line appended to a quiet tailed file → queryable on a real logpipe server
// (100 samples, median and p99). Reference measured in the same run: the same line POSTed
// straight to the server's API by a client (what the server itself costs), so the difference
// is what the collector adds (fs.watch wake-up, read, batch, gzip, HTTP).
// Run: npm run build:node && node --import tsx bench/collector-latency.bench.ts [samples]
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/helpers/server.js';
import { startCollector, sleep } from '../test/collector-helpers.js';

const SAMPLES = Number(process.argv[2] ?? 100);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

const server = await startServer();
const dir = mkdtempSync(join(tmpdir(), 'logpipe-lat-'));
const log = join(dir, 'quiet.log');
writeFileSync(log, 'first line\n');
const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), log]);

/** Polls the newest record until it is `marker`; resolves to the ms it took since `t0`. */
async function waitQueryable(marker: string, t0: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/logs?limit=1&order=desc`);
    const page = (await res.json()) as { logs: { message: string }[] };
    if (page.logs[0]?.message === marker) return performance.now() - t0;
    if (performance.now() - t0 > 10_000) throw new Error(`"${marker}" not queryable after 10 s`);
  }
}

try {
  // Wait until the collector has shipped its first line (it is tailing).
  for (let i = 0; ; i++) {
    const page = (await (await fetch(`${server.url}/api/v1/logs?limit=1`)).json()) as { logs: unknown[] };
    if (page.logs.length) break;
    if (i > 400) throw new Error('the collector never shipped its first line');
    await sleep(25);
  }
  const viaCollector: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await sleep(50 + Math.random() * 50); // a quiet file: nothing in flight
    const a = `latency probe ${i} via collector`;
    let t0 = performance.now();
    appendFileSync(log, a + '\n');
    viaCollector.push(await waitQueryable(a, t0));

    await sleep(20);
    const b = `latency probe ${i} direct`;
    t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: JSON.stringify({ message: b }) + '\n' });
    await res.arrayBuffer();
    direct.push(await waitQueryable(b, t0));
  }
  const f = (x: number) => x.toFixed(1).padStart(6);
  console.log(`samples: ${SAMPLES}`);
  console.log(`reference  client POST → queryable:      median ${f(pct(direct, 50))} ms, p99 ${f(pct(direct, 99))} ms`);
  console.log(`collector  append → queryable:            median ${f(pct(viaCollector, 50))} ms, p99 ${f(pct(viaCollector, 99))} ms`);
  console.log(`collector adds (median):                  ${f(pct(viaCollector, 50) - pct(direct, 50))} ms; ratio ${(pct(viaCollector, 50) / pct(direct, 50)).toFixed(2)}`);
  console.log(`target: median < 50 ms, p99 < 200 ms -> ${pct(viaCollector, 50) < 50 && pct(viaCollector, 99) < 200 ? 'met' : 'NOT met'}`);
} finally {
  await collector.stop();
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
