// Collector into a real logpipe server: a 2,000,000-line file tailed from the start until the
// server stores every line, against the reference measured in the same run: a client that
// posts pre-built batches (the same gzip NDJSON records, 1000 per batch, with stream and
// offset) as fast as it can, 4 requests in flight, into a fresh server. Target ratio >= 0.7.
// Run: npm run build:node && node --import tsx bench/collector-server.bench.ts [lines=2000000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, type ServerHandle } from '../test/helpers/server.js';
import { sleep, startCollector, storedCount } from '../test/collector-helpers.js';
import { writeSequencedFile } from './collector-file.js';

const LINES = Number(process.argv[2] ?? 2_000_000);
const dir = mkdtempSync(join(tmpdir(), 'logpipe-bench-srv-'));
const file = join(dir, 'app.log');
await writeSequencedFile(file, LINES);

/** The same records the collector sends, pre-built and pre-compressed. */
function buildBatches(): Buffer[] {
  const text = readFileSync(file);
  const out: Buffer[] = [];
  let records: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf(10, pos);
    records.push(JSON.stringify({ offset: nl + 1, message: text.toString('utf8', pos, nl), source: 'app.log', host: 'bench', stream: 'reference-stream' }));
    pos = nl + 1;
    if (records.length === 1000) {
      out.push(gzipSync(records.join('\n') + '\n', { level: 1 }));
      records = [];
    }
  }
  if (records.length) out.push(gzipSync(records.join('\n') + '\n', { level: 1 }));
  return out;
}

async function postAll(url: string, batches: Buffer[], inFlight: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const target = new URL('/api/v1/logs', url);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++];
      for (;;) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', 'content-length': body.length } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(body);
        });
        if (status === 200) break;
        if (status !== 429 && status !== 503) throw new Error(`the server answered ${status}`);
        await sleep(50);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  agent.destroy();
}

async function untilStored(server: ServerHandle, n: number): Promise<void> {
  while ((await storedCount(server.url)) < n) await sleep(100);
}

let server = await startServer();
const batches = buildBatches();
let t0 = performance.now();
await postAll(server.url, batches, 4);
const reference = LINES / ((performance.now() - t0) / 1000);
await server.stop();
server.cleanup();

server = await startServer();
t0 = performance.now();
const collector = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), ...(process.env.COLLECT_ARGS ?? '').split(' ').filter(Boolean), file]);
await untilStored(server, LINES);
const viaCollector = LINES / ((performance.now() - t0) / 1000);
await collector.stop();
const summary = /CPU ([\d.]+) s \(([\d.]+) s per million lines\)/.exec(collector.output());
await server.stop();
server.cleanup();
rmSync(dir, { recursive: true, force: true });

const f = (x: number) => Math.round(x).toLocaleString('en').padStart(9);
console.log(`lines: ${LINES.toLocaleString('en')}`);
console.log(`reference  client posting pre-built batches (4 in flight): ${f(reference)} lines/s`);
console.log(`collector  tailing the file from the start:                ${f(viaCollector)} lines/s (collector CPU ${summary?.[2] ?? '?'} s per million lines)`);
console.log(`ratio ${(viaCollector / reference).toFixed(2)} (target >= 0.7) -> ${viaCollector / reference >= 0.7 ? 'met' : 'NOT met'}`);
