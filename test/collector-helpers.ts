// Shared pieces of the collector's end-to-end tests: a collector child process, reading back
// everything a server stored, and checking sequence numbers (none missing, none twice).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { BIN } from './helpers/server.js';
import type { LogRecord } from '../src/shared/record.js';

export interface CollectorHandle {
  proc: ChildProcess;
  output(): string;
  /**
   * Resolves true once the collector printed "Shipping …" (it handles SIGTERM and SIGINT from
   * then on), or false if it exited first.
   */
  ready: Promise<boolean>;
  /**
   * Sends a signal and resolves to the exit code (or signal name). SIGTERM and SIGINT wait for
   * `ready` first: sent earlier, they would find no handler yet and kill the process outright.
   */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  exited: Promise<number | string>;
}

/** Spawns `bin/logpipe collect` with the given arguments (it prints "Shipping …" once it tails). */
export function startCollector(args: string[], env: Record<string, string> = {}): CollectorHandle {
  const proc = spawn(process.execPath, [BIN, 'collect', '--progress-interval', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let announced: (v: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (announced = resolve));
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => {
    out += d;
    if (/"name":"logpipe collect","msg":"Shipping \d+ file/.test(out)) announced(true);
  });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  void exited.then(() => announced(false));
  return {
    proc,
    output: () => out,
    ready,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (signal === 'SIGTERM' || signal === 'SIGINT') {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 60_000)));
        await Promise.race([ready, late]);
        clearTimeout(timer);
      }
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** The value of one of the collector's Prometheus metrics (it must run with `--metrics 0`), or -1 while it is not serving them yet. */
export async function collectorMetric(c: CollectorHandle, name: string): Promise<number> {
  const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(c.output())?.[1];
  if (!port) return -1;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? -1);
}

/** Every stored record, oldest first, through the paginated query API. */
export async function fetchAll(url: string): Promise<LogRecord[]> {
  const all: LogRecord[] = [];
  let cursor: string | null = null;
  for (;;) {
    const q = new URLSearchParams({ limit: '5000', order: 'asc' });
    if (cursor) q.set('cursor', cursor);
    const res = await fetch(`${url}/api/v1/logs?${q}`);
    assert.equal(res.status, 200, `GET /api/v1/logs answered ${res.status}`);
    const page = (await res.json()) as { logs: LogRecord[]; nextCursor?: string | null };
    all.push(...page.logs);
    if (!page.nextCursor || page.logs.length === 0) return all;
    cursor = page.nextCursor;
  }
}

/** Asserts that the messages hold seq=1..n exactly once each. */
export function assertSequence(messages: string[], n: number, label = ''): void {
  const seen = new Map<number, number>();
  for (const m of messages) {
    const hit = /seq=(\d+)/.exec(m);
    if (hit) seen.set(Number(hit[1]), (seen.get(Number(hit[1])) ?? 0) + 1);
  }
  const missing: number[] = [];
  const twice: number[] = [];
  for (let i = 1; i <= n; i++) {
    const c = seen.get(i) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) twice.push(i);
  }
  const extra = [...seen.keys()].filter((k) => k < 1 || k > n);
  assert.deepEqual(
    { missing: missing.slice(0, 20), missingCount: missing.length, twice: twice.slice(0, 20), twiceCount: twice.length, extra: extra.slice(0, 20) },
    { missing: [], missingCount: 0, twice: [], twiceCount: 0, extra: [] },
    `sequence check ${label}`,
  );
}

/** Polls `fn` until it returns true; fails with `what` after the timeout. */
export async function waitUntil(fn: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** How many records the server stores, from /api/v1/sources (a cheap progress hint; the newest record by time need not be the last one stored). */
export async function storedCount(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/api/v1/sources`);
    if (res.status !== 200) return 0;
    const body = (await res.json()) as { sources: { count: number }[] };
    return body.sources.reduce((a, s) => a + s.count, 0);
  } catch {
    return 0; // the server is restarting
  }
}

/** Waits until the server stores at least n records; polls cheaply, confirms with a full read. */
export async function waitForRecords(url: string, n: number, timeoutMs: number): Promise<LogRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  for (;;) {
    if ((await storedCount(url)) >= n) {
      const all = await fetchAll(url);
      last = all.length;
      if (all.length >= n) return all;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} records (last full count ${last})`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One line with a sequence number, in the prototype's format. */
export function seqLine(seq: number): string {
  return `2026-11-28 03:29:09.${String(seq % 1000).padStart(3, '0')} - [INFO]: seq=${seq} order accepted for customer c${seq % 97}`;
}

/** Appends lines first..last in small bursts, `perTick` lines every `tickMs`. */
export async function writeSteadily(path: string, first: number, last: number, perTick: number, tickMs: number): Promise<void> {
  for (let seq = first; seq <= last; ) {
    let chunk = '';
    for (let i = 0; i < perTick && seq <= last; i++, seq++) chunk += seqLine(seq) + '\n';
    appendFileSync(path, chunk);
    await sleep(tickMs);
  }
}
