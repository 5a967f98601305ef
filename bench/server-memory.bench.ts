// Server memory while ingesting at full speed with 20 live-tail subscribers.
// Reference: the same server's RSS at rest (after start-up) in the same run.
// Run: node --import tsx bench/server-memory.bench.ts [seconds=300] [subscribers=20]
// SERVER_BIN=/other/checkout/bin/logpipe measures that checkout's built server instead.
import { readFileSync } from 'node:fs';
import { LineFactory } from '../src/generator/lines.js';
import { startServer } from '../test/helpers/server.js';
import { SseClient } from '../test/helpers/sse.js';
import { fmt, median, postRaw } from './lib/http.js';

const SECONDS = Number(process.argv[2] ?? 300);
const SUBS = Number(process.argv[3] ?? 20);

function rssOf(pid: number): number {
  // /proc gives the server's own RSS without asking it over HTTP (which would queue behind ingest).
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}


const srv = await startServer({ bin: process.env.SERVER_BIN });
const pid = srv.proc.pid!;
await new Promise((r) => setTimeout(r, 1000));
const idle = rssOf(pid);

// Subscribers: half follow everything, half filter (level, search), as dashboards do.
const subs: SseClient[] = [];
for (let i = 0; i < SUBS; i++) {
  const q = i % 4 === 0 ? '' : i % 4 === 1 ? '?level=error,fatal' : i % 4 === 2 ? '?q=timeout' : '?source=api';
  subs.push(new SseClient(`${srv.url}/api/v1/tail${q}`, {}, { keep: false }));
}

const f = new LineFactory({ format: 'plain', seed: 7, stackTraces: false });
const bodies: Buffer[] = [];
for (let b = 0; b < 200; b++) {
  const recs = [];
  for (let i = 0; i < 1000; i++) recs.push({ message: f.record(Date.now()).replace(/\n$/, ''), source: ['api', 'worker', 'db'][i % 3] });
  bodies.push(Buffer.from(JSON.stringify(recs)));
}

let sent = 0;
let stop = false;
const samples: number[] = [];
const started = Date.now();
const sampler = setInterval(() => samples.push(rssOf(pid)), 1000);
const worker = async () => {
  let i = 0;
  while (!stop) {
    const res = await postRaw(`${srv.url}/api/v1/logs`, bodies[i++ % bodies.length], { 'content-type': 'application/json' });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${res.text}`);
    sent += 1000;
  }
};
const workers = [worker(), worker(), worker()];
const progress = setInterval(() => {
  const s = (Date.now() - started) / 1000;
  console.log(`${s.toFixed(0)} s: ${fmt(sent)} lines (${fmt(sent / s)}/s), RSS ${Math.round(samples[samples.length - 1] / 1048576)} MB, subscriber 0 got ${fmt(subs[0].count)}`);
}, 30_000);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
stop = true;
await Promise.all(workers);
clearInterval(sampler);
clearInterval(progress);
const got = subs[0].count;
const gaps = subs.reduce((n, s) => n + s.events.filter((e) => e.event === 'gap').length, 0);
for (const s of subs) s.close();
await srv.stop();
srv.cleanup();

const max = Math.max(...samples);
console.log(`\n${SECONDS} s at full speed with ${SUBS} live-tail subscribers: ${fmt(sent)} lines (${fmt(sent / SECONDS)} lines/s)`);
console.log(`server RSS: at rest ${Math.round(idle / 1048576)} MB (reference), median ${Math.round(median(samples) / 1048576)} MB, max ${Math.round(max / 1048576)} MB (target < 250 MB)`);
console.log(`unfiltered subscriber received ${fmt(got)} of ${fmt(sent)} lines; gap events across all subscribers: ${gaps}`);
