// Dispatches `logpipe <command>`; each command's module is imported only when it runs,
// so `logpipe collect` never loads the server or SQLite.
import { readFileSync } from 'node:fs';
import { LogpipeError } from '../shared/errors.js';
import { UsageError, formatHelp, parseOptions, type CommandSpec, type OptionsOf } from '../command/options.js';

/** What a command's module exports: its option spec and a run typed by that spec. */
interface CommandModule<C extends CommandSpec> {
  spec: C;
  run(opts: OptionsOf<C>): Promise<number | void>;
}

/** A loaded command with its options parsed; the spec's types stay inside `bind`. */
interface BoundCommand {
  spec: CommandSpec;
  /** Parses argv (throws UsageError); `run` then runs the command with those options. */
  parse(argv: string[]): { help: boolean; run(): Promise<number | void> };
}

function bind<C extends CommandSpec>(mod: CommandModule<C>): BoundCommand {
  return {
    spec: mod.spec,
    parse(argv) {
      const opts = parseOptions(mod.spec, argv);
      return { help: !!opts.help, run: () => mod.run(opts) };
    },
  };
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<BoundCommand> }> = {
  server: { summary: 'run the API, live tail and dashboard on one port', load: async () => bind(await import('../server/cli.js')) },
  collect: { summary: 'tail log files and ship them to a server', load: async () => bind(await import('../collector/cli.js')) },
  generate: { summary: 'write realistic log lines (for demos, tests and benchmarks)', load: async () => bind(await import('../generator/cli.js')) },
  demo: { summary: 'server + generator + collector together; prints the dashboard URL', load: async () => bind(await import('./demo.js')) },
};

function mainHelp(): string {
  const lines = ['Usage: logpipe <command> [options]', '', 'Real-time log ingestion: tail, ship, store, search and watch logs live.', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)}${c.summary}`);
  lines.push('', 'Run "logpipe <command> --help" for the options of a command.');
  return lines.join('\n') + '\n';
}

/** The version in package.json (src/cli/main.ts and dist/cli/main.js both sit two folders below it). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs the CLI with the given arguments and resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`logpipe: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  let mod: Awaited<ReturnType<typeof entry.load>>;
  try {
    mod = await entry.load();
  } catch (err) {
    // A dependency that is not installed (or a native one that did not build for this machine:
    // better-sqlite3, zstd-napi) stops here with one sentence rather than a loader stack.
    const e = err as Error & { code?: unknown };
    if (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'ERR_DLOPEN_FAILED') throw err;
    process.stderr.write(`logpipe ${name}: [LP_ERR_MISSING_MODULE] The command cannot be loaded: ${e.message.split('\n')[0]}. Reinstall logpipe's dependencies ("npm ci" in its folder) and start again.\n`);
    return 1;
  }
  let opts: ReturnType<BoundCommand['parse']>;
  try {
    opts = mod.parse(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`logpipe ${name}: ${err.problems.join(`\nlogpipe ${name}: `)}\nRun "logpipe ${name} --help" for usage.\n`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(formatHelp(mod.spec));
    return 0;
  }
  try {
    return (await opts.run()) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`logpipe ${name}: ${err.problems.join(`\nlogpipe ${name}: `)}\n`);
      return 2;
    }
    // Errors we foresaw carry a catalogue code (LogpipeError, as on the server); anything else
    // is a bug or a system error, shown with its own code (EACCES…) or LP_ERR_INTERNAL.
    const e = err as Error & { code?: unknown };
    const code = err instanceof LogpipeError ? err.code : typeof e.code === 'string' ? e.code : 'LP_ERR_INTERNAL';
    process.stderr.write(`logpipe ${name}: [${code}] ${e.message}\n`);
    if (process.env.LOGPIPE_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
