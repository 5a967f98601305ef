// Debian's real logrotate for rotation tests: a generated configuration and its own state file
// in the test's directory, run as `logrotate -s STATE -f CONF` whenever the test says "rotate
// now". What is left on disk afterwards (rotated copies, compressed or not) is read back by
// seqsOnDisk(), so that a test can tell a line the collector lost from a line that logrotate
// itself destroyed (copytruncate drops what is written between its copy and its truncate).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Where logrotate lives on Debian (root's PATH has /usr/sbin, a user's may not). */
export const LOGROTATE = existsSync('/usr/sbin/logrotate') ? '/usr/sbin/logrotate' : 'logrotate';

/** One logrotate configuration block. */
export interface RotateConfig {
  /** Paths or globs the block names (absolute). */
  paths: string[];
  /** create: rename the file and create a new empty one; copytruncate: copy it, then truncate it in place. */
  style: 'create' | 'copytruncate';
  /** How many rotated copies to keep (default 100: nothing is deleted, so the disk shows what existed). */
  rotate?: number;
  compress?: boolean;
  delaycompress?: boolean;
  /** Name copies app.log-<date> instead of app.log.1 (dateformat down to the second). */
  dateext?: boolean;
  /** Shell run after rotating, e.g. `kill -HUP 1234` so the writer reopens. */
  postrotate?: string;
  /** Move rotated copies into this directory (absolute; logrotate's `olddir`). */
  olddir?: string;
}

/** Writes the configuration of `cfg` (the text logrotate reads). */
export function renderConfig(cfg: RotateConfig): string {
  const lines = [
    `${cfg.paths.join(' ')} {`,
    `  rotate ${cfg.rotate ?? 100}`,
    '  missingok',
    '  ifempty',
    '  nomail',
    cfg.olddir ? `  olddir ${cfg.olddir}` : '  noolddir',
    cfg.style === 'copytruncate' ? '  copytruncate' : '  create',
    cfg.compress ? '  compress' : '  nocompress',
  ];
  if (cfg.delaycompress) lines.push('  delaycompress');
  // Seconds in the name: two rotations within one second would collide (logrotate skips one).
  if (cfg.dateext) lines.push('  dateext', '  dateformat -%Y%m%d-%H%M%S');
  if (cfg.postrotate) lines.push('  postrotate', `    ${cfg.postrotate}`, '  endscript');
  lines.push('}', '');
  return lines.join('\n');
}

/** A logrotate set-up owned by one test: its config and state live in `dir`. */
export class LogRotate {
  readonly confPath: string;
  readonly statePath: string;
  readonly #cfg: RotateConfig;
  /** Completed rotations. */
  runs = 0;
  #lastSecond = 0;

  constructor(dir: string, cfg: RotateConfig) {
    this.#cfg = cfg;
    // Names that no `app.log*` glob matches.
    this.confPath = join(dir, 'logrotate.conf');
    this.statePath = join(dir, 'logrotate.status');
    writeFileSync(this.confPath, renderConfig(cfg), { mode: 0o644 });
  }

  /** Rotates now (-f) and resolves when logrotate has finished, postrotate script included. */
  async rotate(timeoutMs = 15_000): Promise<void> {
    if (this.#cfg.dateext) {
      // dateext names carry the second: wait for the next one rather than let logrotate skip.
      while (Math.floor(Date.now() / 1000) === this.#lastSecond) await new Promise((r) => setTimeout(r, 20));
    }
    const out = await runLogrotate(['-s', this.statePath, '-f', this.confPath], timeoutMs);
    this.#lastSecond = Math.floor(Date.now() / 1000);
    this.runs++;
    if (/error/i.test(out)) throw new Error(`logrotate reported an error:\n${out}`);
  }
}

/** Runs logrotate with `args`; rejects on a non-zero exit or after the timeout, with its output. */
export function runLogrotate(args: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(LOGROTATE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`logrotate ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    p.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${LOGROTATE} (${err.message}); .ci/run installs it with apt-get`));
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`logrotate ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/** What one file on disk holds: its seq numbers and the lines that carry none. */
export interface DiskFile {
  name: string;
  seqs: number[];
  other: string[];
}

/**
 * Reads every file in `dir` whose name starts with `prefix` (the live file and every rotated
 * copy, .gz ones decompressed) and returns the seq numbers each holds. Dangling symlinks and
 * anything that is not a regular file are skipped.
 */
export function filesOnDisk(dir: string, prefix = 'app.log'): DiskFile[] {
  const files: DiskFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith(prefix)) continue;
    let raw: Buffer;
    try {
      raw = readFileSync(join(dir, name));
    } catch {
      continue;
    }
    const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    const seqs: number[] = [];
    const other: string[] = [];
    for (const l of text.split('\n')) {
      if (!l) continue;
      const m = /seq=(\d+) /.exec(l);
      if (m) seqs.push(Number(m[1]));
      else other.push(l);
    }
    files.push({ name, seqs, other });
  }
  return files;
}

/** The set of seq numbers that exist on disk in `dir` (see filesOnDisk). */
export function seqsOnDisk(dir: string, prefix = 'app.log'): Set<number> {
  const all = new Set<number>();
  for (const f of filesOnDisk(dir, prefix)) for (const s of f.seqs) all.add(s);
  return all;
}
