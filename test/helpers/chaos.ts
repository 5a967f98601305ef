// Shared pieces of the rotation chaos tests: a collector started and waited for, a server-side
// count, "wait until delivery settles", and the verdict on what the server stored against what
// was written and what still exists on disk (each seq exactly once, counts in the message).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LogRecord } from '../../src/shared/record.js';
import { fetchAll, seqLine, sleep, startCollector, waitUntil, type CollectorHandle } from '../collector-helpers.js';
import { makeTempDir, startServer, type ServerHandle } from './server.js';
import { startWriter, type WriterHandle, type WriterOptions } from './writer.js';
import { filesOnDisk } from './logrotate.js';
import { readStateFile } from '../../src/collector/checkpoint.js';

/** Collector options of every chaos test: quick polls, and a short --rotate-wait so that "the rotated file is still growing after it" happens in seconds. */
export const CHAOS_ARGS = ['--poll-interval', '100ms', '--rotate-wait', '1s'];

/** Starts `logpipe collect` and resolves once it prints its "Shipping …" line (it tails from then on). */
export async function startReadyCollector(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<CollectorHandle> {
  const c = startCollector(args, env);
  let exited: number | string | null = null;
  c.exited.then((code) => (exited = code));
  try {
    await waitUntil(() => /Shipping /.test(c.output()) || exited !== null, timeoutMs, 'the collector to print "Shipping …"');
  } catch (err) {
    await c.stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n${c.output()}`);
  }
  if (exited !== null) throw new Error(`the collector exited with ${exited} before it was ready:\n${c.output()}`);
  return c;
}

/** Records the server stored (sum over sources: cheap), or -1 while it cannot answer. */
export async function storedCount(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/api/v1/sources`);
    if (res.status !== 200) return -1;
    const body = (await res.json()) as { sources: { count: number }[] };
    return body.sources.reduce((n, s) => n + Number(s.count), 0);
  } catch {
    return -1;
  }
}

/** Waits until the server's count passes `n` (e.g. "delivery resumed"); rejects after the timeout. */
export async function waitForCount(url: string, n: number, timeoutMs: number, what = `${n} stored records`): Promise<void> {
  let last = -1;
  await waitUntil(async () => (last = await storedCount(url)) >= n, timeoutMs, `${what} (server has ${last})`).catch((err) => {
    throw new Error(`${(err as Error).message.replace(/\(server has -?\d+\)/, '')}(server has ${last})`);
  });
}

export interface SettleOptions {
  /** Stop waiting when nothing new arrived for this long (the collector has nothing more to send). */
  quietMs?: number;
  timeoutMs?: number;
}

/**
 * Waits until delivery is over and returns everything stored: either `target` records arrived
 * and nothing more came for a second (a late re-send would still be counted), or nothing at
 * all arrived for `quietMs` (lines the collector lost never come; waiting longer would only
 * hide that behind a timeout), or the timeout passed.
 */
export async function settle(url: string, target: number, o: SettleOptions = {}): Promise<LogRecord[]> {
  // Generous on purpose: on a busy machine a restarted collector can take seconds before it
  // sends again, and judging then would report lines as missing that are merely late.
  const quietMs = o.quietMs ?? 15_000;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let last = -2;
  let since = Date.now();
  for (;;) {
    const n = await storedCount(url);
    if (n !== last) {
      last = n;
      since = Date.now();
    }
    const quiet = Date.now() - since;
    if (n >= target && quiet >= 3000) break;
    if (quiet >= quietMs || Date.now() > deadline) break;
    await sleep(100);
  }
  return fetchAll(url);
}

/** What was stored against what was written and what exists on disk. */
export interface Verdict {
  written: number;
  /** Seqs that must be stored exactly once (written, or still on disk when the collector got to it). */
  expected: number;
  stored: number;
  missing: number[];
  twice: number[];
  /** Stored seqs never written. */
  extra: number[];
  /** Stored records without a seq that are not an expected header: binary junk, mixed lines. */
  junk: string[];
  /** The collector's loss reports (warn records from source "logpipe"). */
  notices: string[];
  /** Header lines stored, when the test writes them. */
  headers: number;
}

export interface JudgeOptions {
  /** Seqs first..last were written. */
  first?: number;
  last: number;
  /** The seqs that must be there once (default: all written). Others may be absent, never twice. */
  expected?: Set<number>;
  /** A line without a seq that the test writes on purpose. */
  header?: string;
}

/** Counts seqs in stored messages against what was written. */
export function judge(messages: string[], o: JudgeOptions): Verdict {
  const first = o.first ?? 1;
  const seen = new Map<number, number>();
  const junk: string[] = [];
  const notices: string[] = [];
  let headers = 0;
  for (const m of messages) {
    // The whole line as written, not a fragment of one (a read from the middle of a line).
    const hit = /seq=(\d+) /.exec(m);
    if (hit && m === seqLine(Number(hit[1]))) seen.set(Number(hit[1]), (seen.get(Number(hit[1])) ?? 0) + 1);
    else if (o.header !== undefined && m === o.header) headers++;
    // The collector's own warn record about bytes that were gone before it could read them
    // (e.g. lines written between logrotate's copy and its truncate): a true report, not junk.
    else if (m.startsWith('logpipe collect lost bytes ')) notices.push(m);
    else junk.push(m);
  }
  const expected = o.expected ?? new Set(Array.from({ length: o.last - first + 1 }, (_, i) => first + i));
  const missing = [...expected].filter((s) => !seen.has(s)).sort((a, b) => a - b);
  const twice = [...seen].filter(([, c]) => c > 1).map(([s]) => s).sort((a, b) => a - b);
  const extra = [...seen.keys()].filter((s) => s < first || s > o.last).sort((a, b) => a - b);
  return { written: o.last - first + 1, expected: expected.size, stored: messages.length, missing, twice, extra, junk, headers, notices };
}

/** One line for the test report. */
export function describe(v: Verdict): string {
  const ranges = (xs: number[]) => {
    const out: string[] = [];
    for (let i = 0; i < xs.length && out.length < 6; ) {
      let j = i;
      while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
      out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
      i = j + 1;
    }
    return out.join(',') + (out.length >= 6 ? ',…' : '');
  };
  return (
    `written ${v.written}, expected once ${v.expected}, stored ${v.stored}: missing ${v.missing.length}` +
    (v.missing.length ? ` [${ranges(v.missing)}]` : '') +
    `, twice ${v.twice.length}` +
    (v.twice.length ? ` [${ranges(v.twice)}]` : '') +
    `, never written ${v.extra.length}, junk ${v.junk.length}` +
    (v.junk.length ? ` (e.g. ${JSON.stringify(v.junk[0].slice(0, 60))})` : '') +
    (v.notices.length ? `, ${v.notices.length} loss report(s) (e.g. ${JSON.stringify(v.notices[0].slice(0, 80))})` : '')
  );
}

/** Reports the verdict and fails unless every expected seq is stored once, nothing twice, no junk. */
export function assertVerdict(t: TestContext, v: Verdict, label: string, o: { headers?: number; notes?: string } = {}): void {
  const headers = o.headers;
  const line = `${label}: ${describe(v)}` + (headers !== undefined ? `, headers ${v.headers} of ${headers}` : '');
  t.diagnostic(line);
  // Also on stderr, so that a run's log keeps the counts next to the collector's own lines.
  process.stderr.write(`[chaos] ${line}\n`);
  assert.deepEqual(
    { missing: v.missing.length, twice: v.twice.length, extra: v.extra.length, junk: v.junk.length, headers: headers === undefined ? 0 : v.headers - headers },
    { missing: 0, twice: 0, extra: 0, junk: 0, headers: 0 },
    line + (o.notes ? `\n--- the collector said:\n${o.notes}` : ''),
  );
}


/** One scenario's processes and files: a server, a directory with app.log, a collector, a writer. */
export class Rig {
  readonly dir: string;
  readonly log: string;
  readonly state: string;
  server: ServerHandle;
  collector: CollectorHandle | null = null;
  writer: WriterHandle | null = null;
  /** What the collector tails (default: the literal path of app.log). */
  readonly pattern: string;
  readonly env: Record<string, string>;
  /** Output of collectors that were stopped or killed, kept for the failure report. */
  #pastOutput = '';

  private constructor(server: ServerHandle, dir: string, pattern: string | undefined, env: Record<string, string>) {
    this.server = server;
    this.dir = dir;
    this.log = join(dir, 'app.log');
    this.state = join(dir, 'state.json');
    this.pattern = pattern ?? this.log;
    this.env = env;
  }

  /** A fresh server and directory; app.log is created empty unless told otherwise. */
  static async create(o: { pattern?: (dir: string) => string; createLog?: boolean; env?: Record<string, string> } = {}): Promise<Rig> {
    const server = await startServer();
    const dir = makeTempDir('logpipe-chaos-');
    const rig = new Rig(server, dir, o.pattern?.(dir), { LOGPIPE_RETRY_BASE: '50ms', ...o.env });
    if (o.createLog !== false) writeFileSync(rig.log, '');
    return rig;
  }

  get args(): string[] {
    // CHAOS_DUMP also turns on the collector's debug lines (its identity decisions).
    const debug = process.env.CHAOS_DUMP ? ['--log-level', 'debug'] : [];
    return ['--url', this.server.url, '--state', this.state, ...CHAOS_ARGS, ...debug, this.pattern];
  }

  async startCollector(): Promise<CollectorHandle> {
    this.collector = await startReadyCollector(this.args, this.env);
    return this.collector;
  }

  /** Stops the collector (SIGTERM waits for its summary; SIGKILL is immediate). */
  async stopCollector(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    const c = this.collector;
    if (!c) return -1;
    this.collector = null;
    const code = await c.stop(signal);
    this.#pastOutput += c.output() + `--- collector ended: ${code}\n`;
    return code;
  }

  /** Kills the server and starts it again on the same port and database. */
  async restartServer(signal: NodeJS.Signals, beforeStart?: () => Promise<void>): Promise<void> {
    await this.server.stop(signal);
    if (beforeStart) await beforeStart();
    this.server = await startServer({ dataDir: this.server.dataDir, port: this.server.port });
  }

  async startWriter(o: WriterOptions): Promise<WriterHandle> {
    this.writer = await startWriter(this.log, o);
    return this.writer;
  }

  /**
   * Waits for delivery to settle (see settle()), then stops the collector with SIGTERM — its
   * summary ("… N duplicates skipped by the server …") goes into notes() — and returns
   * everything the server stored by then.
   */
  async finish(target: number, o: SettleOptions = {}): Promise<LogRecord[]> {
    await settle(this.server.url, target, o);
    await this.stopCollector('SIGTERM');
    return fetchAll(this.server.url);
  }

  /** Everything every collector of this rig printed. */
  collectorOutput(): string {
    return this.#pastOutput + (this.collector?.output() ?? '');
  }

  /** Lines of the collectors' output that say something happened (not progress). */
  notes(max = 15): string {
    const lines = this.collectorOutput()
      .split('\n')
      .filter((l) => /truncat|rotat|moved|lost|gone|skip|fail|error|Cannot|ended|Done/i.test(l));
    return lines.slice(-max).join('\n');
  }

  async cleanup(): Promise<void> {
    await this.writer?.stop();
    await this.stopCollector('SIGKILL');
    // CHAOS_DUMP=DIR keeps each scenario's collector output, state file and file listing there.
    const dump = process.env.CHAOS_DUMP;
    if (dump) {
      mkdirSync(dump, { recursive: true });
      const listing = readdirSync(this.dir).map((n) => {
        try {
          const st = statSync(join(this.dir, n));
          const f = n.startsWith('app.log') ? filesOnDisk(this.dir).find((d) => d.name === n) : undefined;
          const seqs = f && f.seqs.length ? ` seqs=${f.seqs.length} [${f.seqs[0]}…${f.seqs[f.seqs.length - 1]}]` : '';
          return `${n} ino=${st.ino} size=${st.size} birth=${st.birthtimeMs} mtime=${st.mtimeMs}${seqs}`;
        } catch {
          return `${n} (dangling)`;
        }
      });
      const state = existsSync(this.state) ? JSON.stringify(readStateFile(this.state), null, 1) : '(no state file)';
      writeFileSync(join(dump, `${basename(this.dir)}.log`), `${this.collectorOutput()}\n--- files\n${listing.join('\n')}\n--- state\n${state}\n`);
    }
    await this.server.stop('SIGKILL');
    rmSync(this.server.dataDir, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A step of a scenario, run when the writer has written `at` lines. */
export type Step = [at: number, run: () => Promise<void>];

/**
 * Runs the steps in order of `at`, each when the writer has written `at` lines — and at least
 * `gap` lines after the previous step finished. On a loaded machine a restart can take seconds
 * while the writer keeps its pace; without the gap, the steps behind it would bunch up (a
 * collector killed the moment it started, rotations of an empty file) and the scenario would
 * quietly become another one.
 */
export async function onSchedule(w: WriterHandle, steps: Step[], gap = 400): Promise<void> {
  for (const [at, run] of [...steps].sort((a, b) => a[0] - b[0])) {
    await w.reached(Math.max(at, w.written() + gap));
    await run();
  }
}

/** The seq lines first..last, each with its newline (what a test writes into a file at once). */
export function seqLines(first: number, last: number): string {
  let s = '';
  for (let i = first; i <= last; i++) s += seqLine(i) + '\n';
  return s;
}

/** Runs a scenario on a fresh Rig and cleans it up (dumped with CHAOS_DUMP) whatever happens. */
export async function withRig<T>(o: Parameters<typeof Rig.create>[0], fn: (rig: Rig) => Promise<T>): Promise<T> {
  const rig = await Rig.create(o);
  try {
    return await fn(rig);
  } finally {
    await rig.cleanup();
  }
}
