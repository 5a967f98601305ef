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
