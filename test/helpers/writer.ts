// Drives test/helpers/seq-writer.mjs, the application that writes `seq=N` lines in rotation
// tests: start it, wait for it to be ready (its SIGHUP handler exists), follow how far it got.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./seq-writer.mjs', import.meta.url));

export interface WriterOptions {
  first?: number;
  count: number;
  /** Lines per second (default 2000). */
  rate?: number;
  /** On SIGHUP: reopen the path (default) or keep writing to the old descriptor forever. */
  onHup?: 'reopen' | 'ignore';
  /** Lines still written to the old descriptor after SIGHUP before reopening (a slow application). */
  reopenAfter?: number;
  /** A first line written once at start (no seq). */
  header?: string;
}

export interface WriterHandle {
  proc: ChildProcess;
  pid: number;
  /** The last seq written so far (from the writer's own reports). */
  written(): number;
  /** Seqs after which the writer reopened its path. */
  reopens: number[];
  /** Resolves once the writer has written at least `seq` (rejects after the timeout or if it died). */
  reached(seq: number, timeoutMs?: number): Promise<void>;
  /** Resolves to the last seq when the writer has written everything (it stays alive, idle, until stop()). */
  done: Promise<number>;
  /** Ends writing now (SIGUSR2) and resolves to the last seq written. */
  finish(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the writer on `path` and resolves once it is ready. */
export async function startWriter(path: string, o: WriterOptions, timeoutMs = 10_000): Promise<WriterHandle> {
  const args = [SCRIPT, path, '--first', String(o.first ?? 1), '--count', String(o.count), '--rate', String(o.rate ?? 2000)];
  args.push('--on-hup', o.onHup ?? 'reopen', '--reopen-after', String(o.reopenAfter ?? 0));
  if (o.header) args.push('--header', o.header);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let at = (o.first ?? 1) - 1;
  let out = '';
  const reopens: number[] = [];
  const waiters: { seq: number; resolve: () => void }[] = [];
  let ready!: () => void;
  let finish!: (seq: number) => void;
  const allWritten = new Promise<number>((r) => (finish = r));
  const isReady = new Promise<void>((r) => (ready = r));
  let finished = false;
  const exited = new Promise<number | string>((r) => proc.on('exit', (code, sig) => ((finished = true), r(code ?? sig ?? -1))));
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl;
    while ((nl = out.indexOf('\n')) !== -1) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const [word, n] = line.split(' ');
      if (word === 'ready') ready();
      else if (word === 'at') at = Math.max(at, Number(n));
      else if (word === 'done') finish((at = Math.max(at, Number(n))));
      else if (word === 'reopened') reopens.push(Number(n));
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (at >= waiters[i].seq) {
        waiters[i].resolve();
        waiters.splice(i, 1);
      }
    }
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  await Promise.race([isReady, exited.then((c) => Promise.reject(new Error(`writer exited with ${c} before it was ready`)))]);
  clearTimeout(timer);
  const done = Promise.race([
    allWritten,
    exited.then((code) => {
      throw new Error(`writer exited with ${code} at seq ${at} before writing everything`);
    }),
  ]);
  done.catch(() => {});
  return {
    proc,
    pid: proc.pid!,
    written: () => at,
    reopens,
    reached(seq, ms = 60_000) {
      if (at >= seq) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`writer reached only seq ${at} of ${seq} within ${ms} ms`)), ms);
        const w = { seq, resolve: () => (clearTimeout(t), resolve()) };
        waiters.push(w);
        exited.then(() => {
          if (at < seq) (clearTimeout(t), reject(new Error(`writer exited at seq ${at} before reaching ${seq}`)));
        });
      });
    },
    done,
    finish() {
      if (!finished) proc.kill('SIGUSR2');
      return done;
    },
    async stop() {
      if (!finished) proc.kill('SIGTERM');
      await exited;
    },
  };
}
