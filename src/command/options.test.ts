import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, formatHelp, parseBytes, parseDuration, parseOptions, type CommandSpec } from './options.js';

const spec: CommandSpec = {
  name: 't',
  summary: 'test',
  usage: 't',
  positionals: true,
  options: {
    port: { kind: 'int', default: 8000, help: 'port' },
    heartbeat: { kind: 'duration', default: '15s', help: 'hb' },
    size: { kind: 'bytes', default: '1MiB', help: 'size' },
    token: { kind: 'list', help: 'tokens' },
    insecure: { kind: 'boolean', default: false, help: 'x' },
    mode: { kind: 'string', default: 'a', choices: ['a', 'b'], help: 'mode' },
  },
};

test('defaults written as text are converted like flags', () => {
  const o = parseOptions(spec, [], {});
  assert.equal(o.heartbeat, 15_000);
  assert.equal(o.size, 1024 * 1024);
  assert.equal(o.port, 8000);
});

test('flags, then LOGPIPE_* variables, then defaults', () => {
  const o = parseOptions(spec, ['--port', '9000', 'file.log'], { LOGPIPE_PORT: '7000', LOGPIPE_TOKEN: 'aaaaaaaa,bbbbbbbb', LOGPIPE_INSECURE: 'true' });
  assert.equal(o.port, 9000);
  assert.deepEqual(o.token, ['aaaaaaaa', 'bbbbbbbb']);
  assert.equal(o.insecure, true);
  assert.deepEqual(o._, ['file.log']);
});

test('every problem is reported at once', () => {
  assert.throws(
    () => parseOptions(spec, ['--port', 'x', '--heartbeat', 'soon', '--mode', 'c'], {}),
    (err: unknown) => err instanceof UsageError && err.problems.length === 3,
  );
  assert.throws(() => parseOptions(spec, ['--nope'], {}), UsageError);
});

test('durations and sizes', () => {
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('x'), undefined);
  assert.equal(parseBytes('512MB'), 512 * 1024 * 1024);
  assert.equal(parseBytes('256k'), 256 * 1024);
  assert.equal(parseBytes('1 parsec'), undefined);
});

test('help lists every option with its default and variable', () => {
  const h = formatHelp(spec);
  assert.match(h, /--heartbeat DURATION\s+hb \(default: 15s; env: LOGPIPE_HEARTBEAT\)/);
  assert.match(h, /-h, --help/);
});

test('parsed options are typed from the spec: kinds, choices, and undefined only without a default', () => {
  const typed = {
    name: 't', summary: 's', usage: 'u',
    options: {
      'max-size': { kind: 'bytes', default: '1MiB', help: 'h' },
      mode: { kind: 'string', choices: ['a', 'b'], default: 'a', help: 'h' },
      tag: { kind: 'list', help: 'h' },
      quiet: { kind: 'boolean', help: 'h' },
    },
  } as const satisfies CommandSpec;
  const o = parseOptions(typed, ['--mode', 'b', '--tag', 'x,y'], {});
  const size: number = o.maxSize;
  const mode: 'a' | 'b' = o.mode;
  const tags: string[] | undefined = o.tag;
  const quiet: boolean | undefined = o.quiet;
  assert.deepEqual([size, mode, tags, quiet], [1024 * 1024, 'b', ['x', 'y'], undefined]);
  // The compiler rejects what the spec does not allow (npm run typecheck checks these lines).
  // @ts-expect-error an option the spec does not have
  void o.nope;
  // @ts-expect-error a list without a default may be undefined
  void (o.tag satisfies string[]);
  // @ts-expect-error a choice outside the spec's choices
  void ('c' satisfies typeof o.mode);
});
