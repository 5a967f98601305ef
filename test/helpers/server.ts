// Starts a real `logpipe server` process on 127.0.0.1 and a free port, for end-to-end tests.
// The server prints `logpipe server: listening on http://127.0.0.1:PORT` on stderr when ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'logpipe');

export interface ServerHandle {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the process wrote on stderr and stdout so far. */
  output(): string;
  /** Sends a signal and waits for exit; resolves to the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** Removes the data directory (after stop). */
  cleanup(): void;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Reuse a data directory (e.g. to restart on the same database). */
  dataDir?: string;
  /** Fixed port (e.g. to restart on the same URL); default 0 = free port. */
  port?: number;
  timeoutMs?: number;
  /** Another checkout's `bin/logpipe` (benchmarks compare against an older build); default this one. */
  bin?: string;
  /** Options for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs?: string[];
}

export function makeTempDir(prefix = 'logpipe-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Spawns `bin/logpipe server` and resolves once it listens. */
export async function startServer(opts: StartOptions = {}): Promise<ServerHandle> {
  const dataDir = opts.dataDir ?? makeTempDir();
  const args = ['server', '--host', '127.0.0.1', '--port', String(opts.port ?? 0), '--data', dataDir, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.bin ?? BIN, ...args], {
    env: { ...process.env, LOGPIPE_LOG_LEVEL: process.env.LOGPIPE_LOG_LEVEL ?? 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    // An upper bound only: a server on an idle machine listens in well under a second, but on
    // two cores with a load of 10+ node alone takes seconds to start (see npm run test:loaded).
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      // Killed, or the child would keep the test file's process alive until its own timeout.
      proc.kill('SIGKILL');
      reject(new Error(`the server did not print "listening on" within ${timeoutMs} ms; its output:\n${out}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    cleanup() {
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
