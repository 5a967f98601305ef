// `logpipe collect`: options, up-front validation, signals, progress and the final summary.
import { accessSync, constants, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createLogger, LOG_LEVELS } from '../command/logger.js';
import { UsageError, type CommandSpec, type OptionsOf } from '../command/options.js';
import { LogpipeError } from '../shared/errors.js';
import { Collector, deadLetterPath, type CollectorOptions } from './collector.js';
import picomatch from 'picomatch';
import { compileOverride, type LineOverride, type OverrideSpec } from '../shared/parse/index.js';
import type { OverrideFor } from './batcher.js';
import { parsePattern } from './discover.js';
import { portOf } from './metrics.js';
import { ingestUrl } from './shipper.js';
import { exitWithParent } from '../command/parent-watch.js';

/** Default state file: in the working directory, so one collector per directory by default. */
export const DEFAULT_STATE = '.logpipe-state.json';

export const spec = {
  name: 'collect',
  summary: 'Tail log files (paths or globs) and ship their lines to a logpipe server, exactly once.',
  usage: 'logpipe collect --url URL [options] FILE_OR_GLOB…',
  positionals: true,
  options: {
    url: { kind: 'string', arg: 'URL', help: 'server base URL, e.g. http://127.0.0.1:8000 (batches go to /api/v1/logs)' },
    token: { kind: 'string', arg: 'TOKEN', help: 'ingest token sent as "Authorization: Bearer"' },
    state: { kind: 'string', arg: 'FILE', default: DEFAULT_STATE, help: 'checkpoint file (acknowledged offsets); dead letters go beside it' },
    source: { kind: 'string', arg: 'NAME', help: 'source name for every record (default: the file basename)' },
    host: { kind: 'string', arg: 'NAME', help: 'host name for every record (default: os.hostname())', env: 'LOGPIPE_COLLECT_HOST' },
    from: { kind: 'string', arg: 'WHERE', default: 'beginning', choices: ['beginning', 'end'], help: 'where to start in a file seen for the first time at start-up' },
    'poll-interval': { kind: 'duration', arg: 'DURATION', default: '1s', help: 'how often files and patterns are checked where no event tells (fs.watch, an unwatched directory, a symlink, a file system inotify misses); with inotify watching everything, a backstop every 10 s' },
    'batch-lines': { kind: 'int', arg: 'N', default: 1000, help: 'close a batch at this many lines' },
    'batch-bytes': { kind: 'bytes', arg: 'SIZE', default: '1MiB', help: 'close a batch at this many (uncompressed) bytes' },
    'batch-wait': { kind: 'duration', arg: 'DURATION', default: '1s', help: 'close a batch after this long while another is in flight' },
    linger: { kind: 'duration', arg: 'DURATION', default: '250ms', help: 'while lines keep coming, send at most one partial batch per file per DURATION (a line after a quiet DURATION goes at once; 0: every line at once)' },
    'linger-max': { kind: 'duration', arg: 'DURATION', default: '1s', help: 'while lines keep coming during a linger, the next one doubles, from --linger up to DURATION: lines of a busy file wait up to that long, and it costs about one request per DURATION (a line after a quiet --linger still goes at once)' },
    'max-line-bytes': { kind: 'bytes', arg: 'SIZE', default: '256KiB', help: 'cut longer lines, marking them "… [truncated N bytes]"' },
    multiline: { kind: 'boolean', default: false, help: 'join continuation lines (indented, "at …", "Caused by:", "... N more") to their record' },
    'multiline-start': { kind: 'string', arg: 'REGEX', help: 'a record starts at lines matching REGEX; others continue it (implies --multiline)' },
    'multiline-timeout': { kind: 'duration', arg: 'DURATION', default: '500ms', help: 'send a held multiline record after this much quiet' },
    'flush-partial': { kind: 'boolean', default: false, help: 'on shutdown, also ship a last line that has no newline yet' },
    'rotate-wait': { kind: 'duration', arg: 'DURATION', default: '5s', help: 'keep reading a rotated or deleted file until it has been quiet this long' },
    spool: { kind: 'string', arg: 'DIR', help: 'on-disk spool of batches not yet acknowledged (default: beside --state, "<state>.spool")' },
    'spool-max': { kind: 'bytes', arg: 'SIZE', default: '1GiB', help: 'pause reading (loudly) when the spool holds this much' },
    'read-compressed': { kind: 'boolean', default: false, help: 'import compressed rotated copies (.gz) matched by the patterns instead of skipping them' },
    'progress-interval': { kind: 'duration', arg: 'DURATION', default: '10s', help: 'progress line on stderr every DURATION (0: only the summary)' },
    metrics: { kind: 'int', arg: 'PORT', help: 'serve Prometheus metrics on 127.0.0.1:PORT/metrics' },
    'shutdown-timeout': { kind: 'duration', arg: 'DURATION', default: '10s', help: 'on SIGTERM, wait this long for the server to acknowledge' },
    'retry-base': { kind: 'duration', arg: 'DURATION', default: '500ms', help: 'first retry delay ceiling; doubles per failed attempt up to 30s, with full jitter' },
    'timestamp-format': { kind: 'string', arg: 'FORMAT', help: 'read timestamps with this layout instead of guessing, e.g. "dd/MM/yyyy HH:mm:ss.SSS", "%d/%b/%Y:%H:%M:%S %z" or epoch_ms' },
    'level-field': { kind: 'string', arg: 'NAME', help: 'take the level from this field (JSON or logfmt key, key=value name, or --line-regex group)' },
    'level-regex': { kind: 'string', arg: 'REGEX', help: 'take the level from the group "level" (or group 1) of REGEX, e.g. "\\|(?<level>[A-Z]+)\\|"' },
    'line-regex': { kind: 'list', arg: 'GLOB=REGEX', help: 'for files whose name matches GLOB, read each line with REGEX\'s named groups (ts, level, msg; any other becomes a field), e.g. \'app-*.log=^(?<ts>\\S+ \\S+) (?<level>\\w+) (?<msg>.*)$\' (repeatable)' },
    'gzip-level': { kind: 'int', arg: 'N', default: 1, help: 'gzip level of request bodies (1 fastest … 9 smallest)' },
    'log-level': { kind: 'string', default: 'info', choices: LOG_LEVELS, help: "level of the collector's own logs (JSON lines on stderr)" },
  },
} as const satisfies CommandSpec;

/** The options of this command as parsed from its spec. */
export type CollectOptions = OptionsOf<typeof spec>;

/** Checks every option at once and builds the collector's configuration. */
export function buildOptions(opts: CollectOptions): CollectorOptions {
  const problems: string[] = [];
  if (!opts.url) problems.push('--url is required (e.g. --url http://127.0.0.1:8000)');
  else {
    try {
      ingestUrl(opts.url);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (opts._.length === 0) problems.push('name at least one FILE or GLOB to tail');
  for (const [flag, v] of [['--batch-lines', opts.batchLines], ['--batch-bytes', opts.batchBytes], ['--max-line-bytes', opts.maxLineBytes]] as const) {
    if (!(v > 0)) problems.push(`${flag} must be greater than 0`);
  }
  if (!(opts.pollInterval > 0)) problems.push('--poll-interval must be greater than 0');
  if (!(opts.retryBase > 0)) problems.push('--retry-base must be greater than 0');
  if (!(opts.spoolMax > 0)) problems.push('--spool-max must be greater than 0');
  if (!(opts.gzipLevel >= 0 && opts.gzipLevel <= 9)) problems.push('--gzip-level must be between 0 and 9');
  if (opts.metrics !== undefined && !(opts.metrics >= 0 && opts.metrics < 65536)) problems.push('--metrics must be a port number');
  let start: RegExp | null = null;
  if (opts.multilineStart) {
    try {
      start = new RegExp(opts.multilineStart);
    } catch (err) {
      problems.push(`--multiline-start is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const overrideFor = buildOverrides(opts, problems);
  const statePath = resolve(opts.state);
  try {
    if (!statSync(dirname(statePath)).isDirectory()) problems.push(`--state: "${dirname(statePath)}" is not a directory`);
  } catch {
    problems.push(`--state: the directory "${dirname(statePath)}" does not exist`);
  }
  if (problems.length) throw new UsageError(problems);
  // A literal path that exists but cannot be read is a mistake to report now, not to wait for.
  for (const raw of opts._) {
    const p = parsePattern(raw);
    if (p.match) continue;
    const path = resolve(raw);
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new LogpipeError('LP_ERR_FILE_UNREADABLE', `"${raw}" is a directory; name files or a glob such as "${raw}/*.log".`);
      accessSync(path, constants.R_OK);
    } catch (err) {
      if (err instanceof LogpipeError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new LogpipeError('LP_ERR_FILE_UNREADABLE', `Cannot read "${raw}" (${code}).`);
    }
  }
  return {
    url: opts.url!, // no --url is one of the problems above
    token: opts.token || undefined,
    patterns: opts._,
    statePath,
    source: opts.source || undefined,
    host: opts.host || hostname(),
    from: opts.from,
    pollIntervalMs: opts.pollInterval,
    batchLines: opts.batchLines,
    batchBytes: opts.batchBytes,
    batchWaitMs: opts.batchWait,
    lingerMs: opts.linger,
    lingerMaxMs: opts.lingerMax,
    maxLineBytes: opts.maxLineBytes,
    multiline: Boolean(opts.multiline || start),
    multilineStart: start,
    multilineTimeoutMs: opts.multilineTimeout,
    flushPartial: Boolean(opts.flushPartial),
    rotateWaitMs: opts.rotateWait,
    spoolDir: opts.spool ? resolve(opts.spool) : undefined,
    spoolMaxBytes: opts.spoolMax,
    readCompressed: Boolean(opts.readCompressed),
    shutdownTimeoutMs: opts.shutdownTimeout,
    gzipLevel: opts.gzipLevel,
    baseBackoffMs: opts.retryBase,
    overrideFor,
    log: createLogger('collect', opts.logLevel),
  };
}

/**
 * The per-file parsing overrides: --timestamp-format, --level-field and --level-regex apply to
 * every file; each --line-regex GLOB=REGEX to the files whose name (the record's source) matches
 * GLOB, the first match winning. Problems are added to `problems`.
 */
function buildOverrides(opts: CollectOptions, problems: string[]): OverrideFor | undefined {
  const base: OverrideSpec = {};
  if (opts.timestampFormat !== undefined) base.timestampFormat = opts.timestampFormat;
  if (opts.levelField !== undefined) base.levelField = opts.levelField;
  if (opts.levelRegex !== undefined) base.levelRegex = opts.levelRegex;
  const rules: { match: (name: string) => boolean; override: LineOverride }[] = [];
  for (const raw of (opts.lineRegex ?? []) as string[]) {
    const eq = raw.indexOf('=');
    if (eq <= 0 || eq === raw.length - 1) {
      problems.push(`--line-regex "${raw}": write GLOB=REGEX, e.g. 'app-*.log=^(?<ts>\\S+ \\S+) (?<level>\\w+) (?<msg>.*)$'`);
      continue;
    }
    const glob = raw.slice(0, eq);
    try {
      rules.push({ match: picomatch(glob, { dot: true, basename: true }), override: compileOverride({ ...base, regex: raw.slice(eq + 1) }) });
    } catch (err) {
      problems.push(`--line-regex "${glob}=…": ${(err as Error).message}`);
    }
  }
  let fallback: LineOverride | undefined;
  if (Object.keys(base).length > 0) {
    try {
      fallback = compileOverride(base);
    } catch (err) {
      problems.push(`--timestamp-format/--level-field/--level-regex: ${(err as Error).message}`);
    }
  }
  if (rules.length === 0 && fallback === undefined) return undefined;
  const cache = new Map<string, LineOverride | undefined>();
  return (source) => {
    if (!cache.has(source)) cache.set(source, rules.find((r) => r.match(source))?.override ?? fallback);
    return cache.get(source);
  };
}

export async function run(opts: CollectOptions): Promise<number> {
  const config = buildOptions(opts);
  const log = config.log;
  const collector = await Collector.start(config);
  const m = collector.metrics;
  let metricsNote = '';
  if (opts.metrics !== undefined) {
    const server = await m.serve(opts.metrics);
    metricsNote = `; metrics on http://127.0.0.1:${portOf(server)}/metrics`;
  }
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    exitWithParent();
  });
  // Announced once SIGTERM is handled: whoever waits for this line may signal from here on.
  const files = collector.files;
  log.info(
    `Shipping ${files.length} file(s) matching ${config.patterns.map((p) => `"${p}"`).join(', ')} to "${collector.shipper.url}"; state in "${config.statePath}", spool in "${collector.spool.dir}", dead letters in "${deadLetterPath(config.statePath)}"${metricsNote}.`,
  );
  const progress = opts.progressInterval > 0 ? setInterval(() => log.info(m.formatProgress()), opts.progressInterval) : null;
  progress?.unref();
  const signal = await signalled;
  // A second signal while we wait for acknowledgements: save what is acknowledged and leave.
  const hurry = () => {
    log.info('Second signal: saving the checkpoint and exiting without waiting for the server.');
    collector.saveNow();
    process.exit(1);
  };
  process.once('SIGTERM', hurry);
  process.once('SIGINT', hurry);
  log.info(`${signal}: shipping what was read and saving the checkpoint.`);
  if (progress) clearInterval(progress);
  await collector.stop();
  const secs = (Date.now() - m.startedAt) / 1000;
  const cpu = process.cpuUsage();
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  log.info(
    `Done: ${m.linesRead} lines read, ${m.linesShipped} shipped in ${m.batchesShipped} batches over ${secs.toFixed(1)} s, ` +
      `${m.duplicates} duplicates skipped by the server, ${m.retries} retries, ${m.deadLetters} dead-lettered; CPU ${cpuSecs.toFixed(2)} s (${m.linesRead ? ((cpuSecs * 1e6) / m.linesRead).toFixed(2) : '0'} s per million lines).`,
  );
  return 0;
}
