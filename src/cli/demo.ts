// `logpipe demo` (what `npm start` runs): a server, three generated log files written at a
// visible rate, and a collector tailing them into the server — one command, one URL, Ctrl-C
// stops everything.
//
// The server and the collector run as child processes of the real CLI (`bin/logpipe server`,
// `bin/logpipe collect`), exactly as a user would run them; the generators run in this process,
// since they only append small chunks to files. Children get their own process group so a
// terminal's Ctrl-C reaches only us and we can stop them in order: generators first, then the
// collector (it ships what it has read and saves its checkpoint), then the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractSeq, LineFactory, type Format } from '../generator/lines.js';
import { generate } from '../generator/writer.js';
import { UsageError, type CommandSpec, type OptionsOf } from '../command/options.js';
import { LogpipeError } from '../shared/errors.js';
import { createLogger, LOG_LEVELS } from '../command/logger.js';

const BIN = fileURLToPath(new URL('../../bin/logpipe', import.meta.url));
const HOST = '127.0.0.1';
const STOP_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 30_000;

export const spec = {
  name: 'demo',
  summary:
    'Runs a server, writes realistic logs to three files under <data>/demo (app.log plain, worker.log JSON,\n' +
    'gateway.log logfmt) and tails them into the server with the collector. Prints the dashboard URL; Ctrl-C stops all.',
  usage: 'logpipe demo [--port 8000] [--data ./data] [--rate 20]',
  options: {
    port: { kind: 'int', arg: 'PORT', default: 8000, help: 'port of the server and dashboard (0 = any free port)' },
    data: { kind: 'string', arg: 'DIR', default: './data', help: 'data directory: the SQLite database and demo/*.log live here' },
    rate: { kind: 'number', arg: 'N', default: 20, help: 'lines per second into app.log, with bursts; worker.log gets a quarter, gateway.log a tenth' },
    steady: { kind: 'boolean', help: 'keep the rate steady (no bursts or quiet spells)' },
    'log-level': { kind: 'string', default: 'info', choices: LOG_LEVELS, help: "level of the demo's own logs (JSON lines on stderr; its server logs at warn unless LOGPIPE_LOG_LEVEL is set)" },
  },
} as const satisfies CommandSpec;

/** The options of this command as parsed from its spec. */
export type DemoOptions = OptionsOf<typeof spec>;

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | string>;
}

/** What the demo tells the person who started it (the dashboard URL…): plain lines on stdout. */
function say(line: string): void {
  process.stdout.write(`logpipe demo: ${line}\n`);
}

/** The demo's own log (pino JSON on stderr, as its children's); run() sets its level. */
let log = createLogger('demo');

/**
 * A child's output line on the demo's stderr. Its logs are pino JSON lines already and pass as
 * they are (each names its command); anything else (a start-up error) is wrapped in one.
 */
function relay(child: string, line: string): void {
  if (line.startsWith('{"level":')) process.stderr.write(`${line}\n`);
  else if (line.trim()) log.info({ child }, line);
}

/** Spawns `bin/logpipe …` in its own process group, forwarding its output line by line with a prefix. */
function spawnLogpipe(name: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Child {
  // LOGPIPE_PARENT_PID: the child stops by itself if the demo dies without stopping it (SIGKILL).
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...env, LOGPIPE_PARENT_PID: String(process.pid) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | string>((r) => proc.on('exit', (code, sig) => r(code ?? sig ?? -1)));
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine?.(line);
        relay(name, line);
      }
    });
  }
  return { name, proc, exited };
}

/** Sends `signal`, then SIGKILL if the child has not exited within the timeout. */
async function stopChild(c: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), STOP_TIMEOUT_MS)));
  const result = await Promise.race([c.exited, timeout]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  log.warn(`"${c.name}" did not stop within ${STOP_TIMEOUT_MS / 1000}s; killing it.`);
  c.proc.kill('SIGKILL');
  return c.exited;
}

/** Resolves to whether HOST:port is free (a quick listen and close). */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once('error', () => resolvePromise(false));
    probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => resolvePromise(true)));
  });
}

/** The sequence number after the last one in an existing file, so a restarted demo continues counting. */
function nextSeqOf(path: string): number {
  for (const p of [path, `${path}.1`]) {
    let fd: number;
    try {
      fd = openSync(p, 'r');
    } catch {
      continue;
    }
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const seq = extractSeq(lines[i]);
        if (seq !== undefined) return seq + 1;
      }
    } finally {
      closeSync(fd);
    }
  }
  return 1;
}

export async function run(opts: DemoOptions): Promise<number> {
  log = createLogger('demo', opts.logLevel);
  const problems: string[] = [];
  if (!(opts.port >= 0 && opts.port < 65536)) problems.push(`--port: expected 0 to 65535, got ${opts.port}`);
  if (!(opts.rate > 0)) problems.push(`--rate: must be greater than 0, got ${opts.rate}`);
  if (problems.length) throw new UsageError(problems);

  const dataDir = resolve(opts.data);
  const demoDir = join(dataDir, 'demo');
  mkdirSync(demoDir, { recursive: true });
  const lock = join(demoDir, 'demo.pid');
  const holder = lockDemo(lock);
  if (holder !== undefined) {
    throw new LogpipeError('LP_ERR_DEMO_BUSY', `Another logpipe demo (pid ${holder}) is using "${dataDir}"; stop it first, or choose another --data.`);
  }
  try {
    return await runDemo(opts, dataDir, demoDir);
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Takes the demo's pid file; returns the pid of a live demo that holds it instead. Two demos on
 * one data directory would append to the same files and share one collector state file.
 */
function lockDemo(path: string): number | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    rmSync(path, { force: true }); // left behind by a demo that was killed
  }
  return undefined;
}

/** Whether `pid` is a running logpipe demo (on Linux, its command line says so; a reused pid does not count). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('demo');
  } catch {
    return true; // no /proc: trust the signal check
  }
}

async function runDemo(opts: DemoOptions, dataDir: string, demoDir: string): Promise<number> {
  if (opts.port !== 0 && !(await isPortFree(opts.port))) {
    throw new LogpipeError('LP_ERR_PORT_IN_USE', `Port ${opts.port} on ${HOST} is already in use (another logpipe demo or server?). Stop it, or choose another port with --port ${opts.port + 1} (--port 0 picks a free one).`);
  }

  const children: Child[] = [];
  // Last resort if we exit without the orderly stop below (an exception): leave nothing behind.
  const killAll = (): void => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  };
  process.on('exit', killAll);

  let stopRequested: (why: string) => void = () => {};
  const stopped = new Promise<string>((r) => (stopRequested = r));
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    // A second Ctrl-C means "now": kill the children instead of waiting for them.
    if (++signals > 1) {
      log.warn(`Second ${sig}; killing everything now.`);
      killAll();
      process.exit(130);
    }
    stopRequested(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const generators = new AbortController();
  const running: Promise<unknown>[] = [];
  let code = 0;
  try {
    // 1. The server; wait until it listens (with --port 0 it tells us the real port).
    const serverEnv = { ...process.env, LOGPIPE_LOG_LEVEL: process.env.LOGPIPE_LOG_LEVEL ?? 'warn' };
    let onListening: (url: string) => void = () => {};
    const listening = new Promise<string>((r) => (onListening = r));
    const server = spawnLogpipe('server', ['server', '--host', HOST, '--port', String(opts.port), '--data', dataDir], serverEnv, (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) onListening(m[1].replace(/\/$/, ''));
    });
    children.push(server);
    const first = await Promise.race([
      listening.then((u) => ({ url: u })),
      server.exited.then((c) => ({ exit: c })),
      stopped.then((s) => ({ signal: s })),
      new Promise<{ timeout: true }>((r) => setTimeout(() => r({ timeout: true }), START_TIMEOUT_MS).unref()),
    ]);
    if ('exit' in first) {
      log.error(`The server exited with ${first.exit} before listening (see its messages above).`);
      return 1;
    }
    if ('timeout' in first) {
      log.error(`The server did not start within ${START_TIMEOUT_MS / 1000}s; stopping.`);
      return 1;
    }
    if ('signal' in first) return 0;
    const url = first.url;

    // 2. The files (created now, so the collector finds them) and the collector tailing them.
    const files: { name: string; format: Format; rate: number; services: string[] }[] = [
      { name: 'app.log', format: 'plain', rate: opts.rate, services: ['api', 'auth', 'billing', 'db', 'cache', 'search'] },
      { name: 'worker.log', format: 'json', rate: Math.max(0.5, opts.rate / 4), services: ['worker'] },
      { name: 'gateway.log', format: 'logfmt', rate: Math.max(0.2, opts.rate / 10), services: ['gateway'] },
    ];
    for (const f of files) closeSync(openSync(join(demoDir, f.name), 'a'));
    const collectorEnv: NodeJS.ProcessEnv = { ...process.env };
    // A server started with an ingest token in the environment needs the collector to send it.
    if (process.env.LOGPIPE_INGEST_TOKEN && !process.env.LOGPIPE_TOKEN) collectorEnv.LOGPIPE_TOKEN = process.env.LOGPIPE_INGEST_TOKEN.split(',')[0].trim();
    const collector = spawnLogpipe(
      'collect',
      ['collect', '--url', url, '--state', join(demoDir, 'collector-state.json'), '--multiline', '--progress-interval', '0', ...files.map((f) => join(demoDir, f.name))],
      collectorEnv,
    );
    children.push(collector);

    // 3. The generators, in this process, continuing the sequence numbers of an earlier run.
    for (const f of files) {
      const out = join(demoDir, f.name);
      running.push(
        generate({
          factory: new LineFactory({ format: f.format, startSeq: nextSeqOf(out), services: f.services }),
          out,
          rate: f.rate,
          bursts: !opts.steady,
          rotateBytes: 10 * 1024 * 1024,
          rotateKeep: 2,
          signal: generators.signal,
        }).catch((err: Error) => stopRequested(`generator for ${f.name} failed: ${err.message}`)),
      );
    }

    const shown = (p: string): string => {
      const rel = relative(process.cwd(), p);
      return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
    };
    say(`dashboard at ${url}/`);
    say(`writing ${files.map((f) => `${shown(join(demoDir, f.name))} (${f.format}, ~${+f.rate.toFixed(1)} lines/s)`).join(', ')}${opts.steady ? '' : ' with bursts'}; the collector ships them to the server.`);
    say(`API: ${url}/api/v1/logs?limit=10 · database in ${shown(dataDir)} · press Ctrl-C to stop.`);

    const why = await Promise.race([
      stopped,
      server.exited.then((c) => `the server exited unexpectedly (${c})`),
      collector.exited.then((c) => `the collector exited unexpectedly (${c})`),
    ]);
    if (why !== 'SIGINT' && why !== 'SIGTERM') {
      log.error(`${why[0].toUpperCase()}${why.slice(1)}; stopping everything.`);
      code = 1;
    } else say(`${why} received; stopping the generators, the collector and the server.`);
  } finally {
    // Orderly stop: no new lines, then the collector ships what it read and saves its
    // checkpoint while the server is still up, then the server closes its store.
    generators.abort();
    await Promise.allSettled(running);
    for (const c of [...children].reverse()) {
      const result = await stopChild(c);
      if (result !== 0 && code === 0 && c.name !== 'server') log.warn(`"${c.name}" exited with ${result}.`);
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAll);
  }
  if (code === 0) say('stopped cleanly.');
  return code;
}
