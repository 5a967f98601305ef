// Memory: the server is down while a large amount of new lines piles up in the tailed file;
// the collector reads all of it into its on-disk spool meanwhile, and its RSS must stay under
// 100 MB. Then a counting sink comes up on the same port and the collector catches up at full
// speed from the spool; RSS is watched during that too. Reference: the RSS of the same
// collector idle before the pile-up, the size of the backlog, and the spool's size on disk.
// Run: npm run build:node && node --import tsx bench/collector-memory.bench.ts [MB=1024]
// BENCH_ENV=NAME=VALUE passes one variable to the collector (e.g. MALLOC_ARENA_MAX=2).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../test/helpers/server.js';
import { sleep, startCollector } from '../test/collector-helpers.js';
import { writeSequencedFile } from './collector-file.js';

const MB = Number(process.argv[2] ?? 1024);

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  const r = m ? Number(m[1]) / 1024 : 0;
  if (r > peakParts.rss) {
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    peakParts = { rss: r, anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
  }
  return r;
}
/** The largest RSS seen so far, split as the kernel accounts it (anonymous, file-backed, shared). */
let peakParts = { rss: 0, anon: 0, file: 0, shmem: 0 };
const parts = () => `anon ${peakParts.anon.toFixed(1)}, file ${peakParts.file.toFixed(1)}, shmem ${peakParts.shmem.toFixed(1)} MB`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const dir = mkdtempSync(join(tmpdir(), 'logpipe-mem-'));
const log = join(dir, 'app.log');
writeFileSync(log, '');
const port = await freePort(); // nothing listens here: the server is down
const collector = startCollector(['--url', `http://127.0.0.1:${port}`, '--state', join(dir, 'state.json'), log], { LOGPIPE_RETRY_BASE: '500ms', ...(process.env.BENCH_ENV ? Object.fromEntries([[process.env.BENCH_ENV.slice(0, process.env.BENCH_ENV.indexOf('=')), process.env.BENCH_ENV.slice(process.env.BENCH_ENV.indexOf('=') + 1)]]) : {}) });
const pid = collector.proc.pid!;
let peakDown = 0;
let peakUp = 0;
let phase: 'down' | 'up' = 'down';
const sampler = setInterval(() => {
  try {
    const r = rssMB(pid);
    if (phase === 'down') peakDown = Math.max(peakDown, r);
    else peakUp = Math.max(peakUp, r);
  } catch {
    // exited
  }
}, 50);
try {
  await sleep(1500);
  peakParts = { rss: 0, anon: 0, file: 0, shmem: 0 };
  const idle = rssMB(pid);
  const idleParts = parts();
  peakParts = { rss: 0, anon: 0, file: 0, shmem: 0 };
  const t0 = Date.now();
  // Write the backlog in 64 MB steps (each a fresh batch of sequenced lines).
  let lines = 0;
  while (statSync(log).size < MB * 1024 * 1024) {
    await writeSequencedFile(log, 500_000, lines + 1, 'a');
    lines += 500_000;
  }
  const size = statSync(log).size;
  const writeSecs = (Date.now() - t0) / 1000;
  // Wait until the collector has read the whole backlog into its spool (the state file's offset).
  const spooled = () => {
    try {
      return (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { files: { offset: number }[] }).files[0]?.offset ?? 0;
    } catch {
      return 0;
    }
  };
  while (spooled() < size) await sleep(200);
  const spoolBytes = readdirSync(join(dir, 'state.spool')).reduce((n, f) => n + statSync(join(dir, 'state.spool', f)).size, 0);
  console.log(`spool on disk once the backlog is read: ${(spoolBytes / 1024 / 1024).toFixed(0)} MB (${(spoolBytes / size).toFixed(2)}x the backlog), read in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`backlog: ${(size / 1024 / 1024).toFixed(0)} MB, ${lines.toLocaleString('en')} lines written in ${writeSecs.toFixed(1)} s while the server was down`);
  console.log(`reference  collector RSS idle before the backlog:   ${idle.toFixed(1)} MB (${idleParts})`);
  console.log(`collector  peak RSS while the server was down:      ${peakDown.toFixed(1)} MB (${parts()})`);

  // The server comes back: a counting sink on the same port; the collector drains the backlog.
  phase = 'up';
  peakParts = { rss: 0, anon: 0, file: 0, shmem: 0 };
  const sink = spawn(process.execPath, [join(ROOT, 'bench', 'collector-counting-sink.mjs'), String(lines), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: sink.stdout! });
  const reached = new Promise<void>((resolve) => rl.on('line', (l) => l.startsWith('reached') && resolve()));
  const t1 = Date.now();
  await reached;
  const catchUp = (Date.now() - t1) / 1000;
  sink.kill();
  console.log(`collector  peak RSS while catching up:              ${peakUp.toFixed(1)} MB (${parts()}; ${(lines / catchUp).toFixed(0)} lines/s, ${catchUp.toFixed(1)} s, retry backoff included)`);
  console.log(`target: < 100 MB RSS while the server is down -> ${peakDown < 100 ? 'met' : 'NOT met'}; while catching up -> ${peakUp < 100 ? 'also under 100 MB' : 'over 100 MB'}`);
} finally {
  clearInterval(sampler);
  await collector.stop();
  rmSync(dir, { recursive: true, force: true });
}
