// Declarative command-line options, shared by every command (src/cli dispatches; each part's cli.ts
// declares its spec here): one spec per option gives its flag, its environment
// variable, its default and its help line. Parsing reports every problem at once.
import { parseArgs } from 'node:util';
import { LogpipeError } from '../shared/errors.js';

export type OptionKind = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'duration' | 'bytes';

export interface OptionSpec {
  kind: OptionKind;
  help: string;
  default?: string | number | boolean | readonly string[];
  /** Environment variable read when the flag is absent; defaults to LOGPIPE_<NAME>. */
  env?: string | false;
  short?: string;
  /** Placeholder shown in --help. */
  arg?: string;
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
}

/** `max-body-bytes` → `maxBodyBytes`, as parseOptions names the parsed values. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** The value of one option once parsed: its kind's type, narrowed to its choices if it has some. */
type ValueOf<O extends OptionSpec> = O['kind'] extends 'boolean' ? boolean
  : O['kind'] extends 'list' ? string[]
  : O['kind'] extends 'string' ? (O extends { choices: readonly (infer C)[] } ? C : string)
  : number;

/**
 * The parsed options of a command, typed from its spec (declare the spec `as const satisfies
 * CommandSpec`): one camel-cased key per option, undefined only for options without a default.
 */
export type OptionsOf<C extends CommandSpec> = { _: string[]; help?: boolean } & {
  -readonly [N in keyof C['options'] & string as Camel<N>]: C['options'][N] extends { default: unknown } ? ValueOf<C['options'][N]> : ValueOf<C['options'][N]> | undefined;
};

/** Bad or missing options: every problem at once; the CLI lists them and exits 2. */
export class UsageError extends LogpipeError {
  constructor(readonly problems: string[]) {
    super('LP_ERR_USAGE', problems.join('\n'), { problems });
  }
}

function envName(name: string): string {
  return 'LOGPIPE_' + name.replace(/-/g, '_').toUpperCase();
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const UNITS_BYTES: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** Parses "7d", "12h", "30m", "1500ms", "2s" into milliseconds; a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS_MS[(m[2] ?? 's').toLowerCase()]);
}

/** Parses "512MB", "1GiB", "256k", "1048576" into bytes. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS_BYTES[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

function convert(name: string, spec: OptionSpec, raw: string | boolean | string[], problems: string[]): unknown {
  const flag = `--${name}`;
  switch (spec.kind) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|yes|on)$/i.test(String(raw))) return true;
      if (/^(0|false|no|off|)$/i.test(String(raw))) return false;
      problems.push(`${flag}: expected true or false, got "${raw}"`);
      return undefined;
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n)) problems.push(`${flag}: expected a whole number, got "${raw}"`);
      return n;
    }
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n)) problems.push(`${flag}: expected a number, got "${raw}"`);
      return n;
    }
    case 'duration': {
      const n = parseDuration(String(raw));
      if (n === undefined) problems.push(`${flag}: expected a duration such as 30s, 15m, 12h or 7d, got "${raw}"`);
      return n;
    }
    case 'bytes': {
      const n = parseBytes(String(raw));
      if (n === undefined) problems.push(`${flag}: expected a size such as 512MB or 2GB, got "${raw}"`);
      return n;
    }
    case 'list':
      return (Array.isArray(raw) ? raw : [String(raw)]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    case 'string':
      if (spec.choices && !spec.choices.includes(String(raw))) {
        problems.push(`${flag}: expected one of ${spec.choices.join(', ')}, got "${raw}"`);
      }
      return String(raw);
  }
}

/** Parses argv against a command spec: flags first, then LOGPIPE_* variables, then defaults. */
export function parseOptions<C extends CommandSpec>(cmd: C, argv: string[], env: NodeJS.ProcessEnv = process.env): OptionsOf<C> {
  const problems: string[] = [];
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(cmd.options)) {
    config[name] = { type: spec.kind === 'boolean' ? 'boolean' : 'string', multiple: spec.kind === 'list' };
    if (spec.short) config[name].short = spec.short;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError([(err as Error).message.replace(/\. To specify a positional.*$/s, '')]);
  }
  const out: Record<string, unknown> & { _: string[] } = { _: parsed.positionals };
  if (parsed.values.help) {
    out.help = true;
    return out as OptionsOf<C>;
  }
  if (!cmd.positionals && parsed.positionals.length > 0) {
    problems.push(`unexpected argument "${parsed.positionals[0]}"`);
  }
  for (const [name, spec] of Object.entries(cmd.options)) {
    const key = camel(name);
    let raw: any = parsed.values[name];
    if (raw === undefined && spec.env !== false) {
      const fromEnv = env[spec.env ?? envName(name)];
      if (fromEnv !== undefined && fromEnv !== '') raw = spec.kind === 'list' ? [fromEnv] : fromEnv;
    }
    if (raw === undefined) {
      // Defaults written as text ("15s", "1MiB") go through the same conversion as flags.
      out[key] = typeof spec.default === 'string' && spec.kind !== 'string' ? convert(name, spec, spec.default, problems) : spec.default;
      continue;
    }
    out[key] = convert(name, spec, raw, problems);
  }
  if (problems.length) throw new UsageError(problems);
  return out as OptionsOf<C>;
}

export function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Renders the --help text of one command. */
export function formatHelp(cmd: CommandSpec): string {
  const lines = [`Usage: ${cmd.usage}`, '', cmd.summary, '', 'Options:'];
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(cmd.options)) {
    const arg = spec.kind === 'boolean' ? '' : ` ${spec.arg ?? spec.kind.toUpperCase()}`;
    const left = `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${arg}`;
    const extras: string[] = [];
    if (spec.default !== undefined && spec.default !== false && !(Array.isArray(spec.default) && !spec.default.length)) {
      extras.push(`default: ${Array.isArray(spec.default) ? spec.default.join(',') : spec.default}`);
    }
    if (spec.env !== false) extras.push(`env: ${spec.env ?? envName(name)}`);
    rows.push([left, `${spec.help}${extras.length ? ` (${extras.join('; ')})` : ''}`]);
  }
  rows.push(['  -h, --help', 'show this help']);
  const width = Math.min(36, Math.max(...rows.map(([l]) => l.length)) + 2);
  for (const [l, r] of rows) lines.push(l.length >= width ? `${l}\n${' '.repeat(width)}${r}` : l.padEnd(width) + r);
  return lines.join('\n') + '\n';
}
