// `logpipe generate`: realistic log records to a file or stdout, at a rate or as fast as possible.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError, type CommandSpec, type OptionsOf } from '../command/options.js';
import { LogpipeError } from '../shared/errors.js';
import { FORMATS, LineFactory, SERVICES, type Format } from './lines.js';
import { ProgressBar } from './progress.js';
import { generate, type Progress } from './writer.js';

export const spec = {
  name: 'generate',
  summary:
    'Write realistic log records (services, requests, latencies, stack traces) to a file or stdout.\n' +
    'Every record carries a sequence number (" seq=N", "seq":N, or the N of "Log N") to check completeness.\n' +
    'Formats: plain = "YYYY-MM-DD HH:MM:SS.mmm - [LEVEL]: text" with ~5% seed-style "… - Log N" lines mixed in;\n' +
    'seed = only "… - Log N" lines (as the prototype\'s logs.sh); json = one object per line; logfmt = key=value.',
  usage: 'logpipe generate [--out FILE] [--count N] [--rate N] [--format plain|seed|json|logfmt] [options]',
  options: {
    out: { kind: 'string', short: 'o', arg: 'FILE', help: 'append to this file instead of stdout' },
    count: { kind: 'int', short: 'n', arg: 'N', help: 'records to write; 0 = unlimited (default: 1000, or unlimited with --rate)' },
    rate: { kind: 'number', short: 'r', arg: 'N', help: 'records per second, steady; 0 = as fast as possible', default: 0 },
    bursts: { kind: 'boolean', help: 'vary the rate: bursts of 4-10x --rate and quiet spells (needs --rate)' },
    format: { kind: 'string', short: 'f', arg: 'FORMAT', help: `output format: ${FORMATS.join(', ')}`, default: 'plain', choices: [...FORMATS] },
    services: { kind: 'list', arg: 'LIST', help: `only records of these services (comma list of ${SERVICES.join(', ')}; default all)` },
    seed: { kind: 'string', arg: 'S', help: 'seed for repeatable output (same seed and options, same records)' },
    'start-seq': { kind: 'int', arg: 'N', help: 'sequence number of the first record', default: 1 },
    'start-time': { kind: 'string', arg: 'TIME', help: 'stamp records from this ISO-8601 time or epoch ms on, 1000/rate ms (or 1 ms) apart, instead of the clock' },
    'rotate-bytes': { kind: 'bytes', arg: 'SIZE', help: 'rotate --out when it would exceed SIZE (rename to FILE.1, create a new FILE)' },
    'rotate-keep': { kind: 'int', arg: 'N', help: 'rotated files to keep (FILE.1 … FILE.N)', default: 5 },
    'no-stack-traces': { kind: 'boolean', help: 'never add multi-line stack traces after ERROR/FATAL records' },
    'no-progress': { kind: 'boolean', help: 'no progress bar (it is drawn only when writing a file and stderr is a terminal)' },
  },
} as const satisfies CommandSpec;

/** The options of this command as parsed from its spec. */
export type GenerateOptions = OptionsOf<typeof spec>;

/** Checks the options together and reports every problem at once. */
function validate(opts: GenerateOptions): { count: number; startTime?: number } {
  const problems: string[] = [];
  if (opts.rate < 0) problems.push(`--rate: must be 0 or more, got ${opts.rate}`);
  if (opts.count !== undefined && opts.count < 0) problems.push(`--count: must be 0 or more, got ${opts.count}`);
  if (opts.startSeq < 0) problems.push(`--start-seq: must be 0 or more, got ${opts.startSeq}`);
  if (opts.rotateKeep < 1) problems.push(`--rotate-keep: must be 1 or more, got ${opts.rotateKeep}`);
  if (opts.rotateBytes !== undefined && !opts.out) problems.push('--rotate-bytes: needs --out FILE (stdout cannot be rotated)');
  if (opts.rotateBytes !== undefined && opts.rotateBytes < 1) problems.push('--rotate-bytes: must be at least 1 byte');
  const unknown = (opts.services ?? []).filter((x: string) => !(SERVICES as readonly string[]).includes(x));
  if (unknown.length) problems.push(`--services: unknown service${unknown.length > 1 ? 's' : ''} ${unknown.map((x: string) => `"${x}"`).join(', ')}; choose from ${SERVICES.join(', ')}`);
  if (opts.bursts && !(opts.rate > 0)) problems.push('--bursts: needs --rate N');
  let startTime: number | undefined;
  if (opts.startTime !== undefined) {
    startTime = /^\d+$/.test(opts.startTime) ? Number(opts.startTime) : Date.parse(opts.startTime);
    if (!Number.isFinite(startTime)) problems.push(`--start-time: expected an ISO-8601 time or epoch milliseconds, got "${opts.startTime}"`);
  }
  if (problems.length) throw new UsageError(problems);
  const count = opts.count === undefined ? (opts.rate > 0 ? Infinity : 1000) : opts.count === 0 ? Infinity : opts.count;
  return { count, startTime };
}

export async function run(opts: GenerateOptions): Promise<number> {
  const { count, startTime } = validate(opts);
  const factory = new LineFactory({
    format: opts.format as Format,
    seed: opts.seed,
    startSeq: opts.startSeq,
    stackTraces: !opts.noStackTraces,
    services: opts.services,
  });
  if (opts.out) {
    try {
      mkdirSync(dirname(opts.out), { recursive: true });
      closeSync(openSync(opts.out, 'a'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new LogpipeError('LP_ERR_OUTPUT_FILE', `Cannot write to "${opts.out}" (${e.code ?? e.message}); choose another --out.`);
    }
  }

  const bar = opts.out && process.stderr.isTTY && !opts.noProgress ? new ProgressBar(process.stderr) : undefined;
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await generate({
      factory,
      out: opts.out,
      count,
      rate: opts.rate,
      bursts: opts.bursts,
      startTime,
      rotateBytes: opts.rotateBytes,
      rotateKeep: opts.rotateKeep,
      signal: abort.signal,
      onProgress: bar ? (p: Progress) => bar.update(p) : undefined,
    });
    bar?.finish({ records: summary.records, bytes: summary.bytes, elapsedMs: summary.elapsedMs, total: Number.isFinite(count) ? count : undefined });
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
