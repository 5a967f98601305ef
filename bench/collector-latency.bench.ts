// Latency: a line appended to a quiet tailed file → queryable on a real logpipe server
// (100 samples, median and p99). Reference measured in the same run: the same line POSTed
// straight to the server's API by a client (what the server itself costs), so the difference
// is what the collector adds (fs.watch wake-up, read, batch, gzip, HTTP). "Quiet" means nothing
// was written for longer than --linger (250 ms by default). Then the price of the linger: lines
// written 100 ms apart (a trickle of 10 lines/s) wait for the linger to end, each measured the
// same way (TRICKLE samples, default 50).
// Run: npm run build:node && node --import tsx bench/collector-latency.bench.ts [samples]
// COLLECT_ARGS adds options to the collector (e.g. COLLECT_ARGS='--linger-max 250ms').
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/helpers/server.js';
import { startCollector, sleep } from '../test/collector-helpers.js';

const SAMPLES = Number(process.argv[2] ?? 100);
const TRICKLE = Number(process.argv[3] ?? 50);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

const server = await startServer();
const dir = mkdtempSync(join(tmpdir(), 'logpipe-lat-'));
const log = join(dir, 'quiet.log');
writeFileSync(log, 'first line\n');
const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), ...(process.env.COLLECT_ARGS ?? '').split(' ').filter(Boolean), log]);

/** Polls the newest record until it is `marker`; resolves to the ms it took since `t0`. */
async function waitQueryable(marker: string, t0: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/logs?limit=1&order=desc`);
    const page = (await res.json()) as { logs: { message: string }[] };
    if (page.logs[0]?.message === marker) return performance.now() - t0;
    if (performance.now() - t0 > 10_000) throw new Error(`"${marker}" not queryable after 10 s`);
  }
}

/** Times lines from their append until they are stored: one poller over the newest records for all of them. */
function trickleWatcher() {
  const waiting = new Map<string, (at: number) => void>();
  let running = false;
  const loop = async () => {
    running = true;
    while (waiting.size) {
      const page = (await (await fetch(`${server.url}/api/v1/logs?limit=50&order=desc`)).json()) as { logs: { message: string }[] };
      const now = performance.now();
      for (const l of page.logs) waiting.get(l.message)?.(now);
      await sleep(5);
    }
    running = false;
  };
  return (message: string) =>
    new Promise<number>((resolve) => {
      waiting.set(message, (at) => {
        waiting.delete(message);
        resolve(at);
      });
      if (!running) void loop();
    });
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
    await sleep(300 + Math.random() * 50); // a quiet file: nothing written for longer than --linger
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
  // A trickle: lines 100 ms apart, each timed from its append until it is queryable.
  const trickle: number[] = [];
  const pending: Promise<void>[] = [];
  const waitStored = trickleWatcher();
  const t1 = performance.now();
  for (let i = 0; i < TRICKLE; i++) {
    const due = t1 + i * 100;
    await sleep(Math.max(0, due - performance.now()));
    const m = `trickle ${i}`;
    const t0 = performance.now();
    appendFileSync(log, m + '\n');
    pending.push(waitStored(m).then((at) => void trickle.push(at - t0)));
  }
  await Promise.all(pending);
  const f = (x: number) => x.toFixed(1).padStart(6);
  console.log(`samples: ${SAMPLES}`);
  console.log(`reference  client POST → queryable:      median ${f(pct(direct, 50))} ms, p99 ${f(pct(direct, 99))} ms`);
  console.log(`collector  append → queryable:            median ${f(pct(viaCollector, 50))} ms, p99 ${f(pct(viaCollector, 99))} ms`);
  console.log(`collector adds (median):                  ${f(pct(viaCollector, 50) - pct(direct, 50))} ms; ratio ${(pct(viaCollector, 50) / pct(direct, 50)).toFixed(2)}`);
  console.log(`target: median < 50 ms, p99 < 200 ms -> ${pct(viaCollector, 50) < 50 && pct(viaCollector, 99) < 200 ? 'met' : 'NOT met'}`);
  if (TRICKLE) console.log(`trickle    10 lines/s, append → queryable:   median ${f(pct(trickle, 50))} ms, p99 ${f(pct(trickle, 99))} ms (${TRICKLE} lines; the linger holds them)`);
} finally {
  await collector.stop();
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
