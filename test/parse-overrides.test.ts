// Per-source parsing overrides through real processes: the collector's --timestamp-format,
// --level-regex, --level-field and --line-regex on files it tails, and the server's
// --parse-config on lines pushed by source; plus the clear errors for bad overrides.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, waitUntil } from './collector-helpers.js';
import { logsOf, postJson } from './helpers/http.js';
import { BIN, makeTempDir, startServer } from './helpers/server.js';

test('collect applies --timestamp-format, --level-regex and a --line-regex per file pattern', async (t) => {
  const server = await startServer({ env: { TZ: 'UTC' } });
  const dir = makeTempDir();
  t.after(async () => {
    await server.stop();
    server.cleanup();
  });
  // Layouts no heuristic reads: a time written `28|11|2026 03h29m09s`, a level as `lvl#warn`.
  writeFileSync(join(dir, 'odd.log'), '28|11|2026 03h29m09s lvl#warn disk almost full\n28|11|2026 03h29m10s lvl#error disk full\n');
  writeFileSync(join(dir, 'weird-1.log'), '@1795832949123 <crit> user=alice payment declined\n');
  const c = startCollector([
    '--url', server.url, '--state', join(dir, 'state.json'), '--poll-interval', '100ms', '--batch-wait', '100ms',
    '--timestamp-format', "dd|MM|yyyy HH'h'mm'm'ss's'",
    '--level-regex', 'lvl#(?<level>\\w+)',
    '--line-regex', 'weird-*.log=^@(?<ts>\\d+) <(?<level>\\w+)> user=(?<user>\\w+) (?<msg>.*)$',
    join(dir, '*.log'),
  ], { TZ: 'UTC' });
  t.after(() => c.stop());
  await waitUntil(async () => (await logsOf(server.url, 'odd.log')).length === 2 && (await logsOf(server.url, 'weird-1.log')).length === 1, 30_000, 'three records stored');
  const odd = await logsOf(server.url, 'odd.log');
  assert.deepEqual(odd.map((r) => [r.ts, r.level]), [[Date.UTC(2026, 10, 28, 3, 29, 9), 'warn'], [Date.UTC(2026, 10, 28, 3, 29, 10), 'error']]);
  assert.equal(odd[0].message, '28|11|2026 03h29m09s lvl#warn disk almost full');
  const [weird] = await logsOf(server.url, 'weird-1.log');
  assert.equal(weird.ts, 1795832949123);
  assert.equal(weird.level, 'fatal');
  assert.equal(weird.attrs?.user, 'alice');
});

test('collect --level-field takes the level from a JSON key the heuristics do not know', async (t) => {
  const server = await startServer({ env: { TZ: 'UTC' } });
  const dir = makeTempDir();
  t.after(async () => {
    await server.stop();
    server.cleanup();
  });
  writeFileSync(join(dir, 'svc.log'), '{"sev":"ERROR","msg":"boom","when":"2026-11-28T03:29:09Z"}\n');
  const c = startCollector(['--url', server.url, '--state', join(dir, 'state.json'), '--poll-interval', '100ms', '--batch-wait', '100ms', '--level-field', 'sev', join(dir, 'svc.log')]);
  t.after(() => c.stop());
  await waitUntil(async () => (await logsOf(server.url, 'svc.log')).length === 1, 30_000, 'one record stored');
  const [r] = await logsOf(server.url, 'svc.log');
  assert.equal(r.level, 'error');
  assert.equal(r.message, 'boom');
  assert.equal(r.attrs?.sev, 'ERROR');
});

test('collect reports bad overrides at once and exits non-zero', () => {
  const dir = makeTempDir();
  const r = spawnSync(process.execPath, [BIN, 'collect', '--url', 'http://127.0.0.1:9', '--state', join(dir, 's.json'), '--timestamp-format', 'yyyy-QQ', '--level-regex', '(', '--line-regex', 'no-equals-sign', join(dir, 'x.log')], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown letter "Q"/);
  assert.match(r.stderr, /level regex "\(" is not a valid regular expression/);
  assert.match(r.stderr, /--line-regex "no-equals-sign": write GLOB=REGEX/);
});

test('the server applies --parse-config overrides to lines pushed by source, and only to that source', async (t) => {
  const dir = makeTempDir();
  const config = join(dir, 'parse.json');
  writeFileSync(config, JSON.stringify({ sources: { legacy: { timestampFormat: 'yyyyMMdd.HHmmss', regex: '^(?<ts>\\S+) (?<code>\\d+) (?<level>[A-Z]) (?<msg>.*)$' } } }));
  const server = await startServer({ args: ['--parse-config', config], env: { TZ: 'UTC' } });
  t.after(async () => {
    await server.stop();
    server.cleanup();
  });
  const line = '20261128.032909 0042 E controller lost its lease';
  const res = await postJson(`${server.url}/api/v1/logs`, [{ message: line, source: 'legacy' }, { message: line, source: 'other' }]);
  assert.equal(res.status, 200, res.text);
  const [legacy] = await logsOf(server.url, 'legacy');
  assert.equal(legacy.ts, Date.UTC(2026, 10, 28, 3, 29, 9));
  assert.equal(legacy.level, 'error');
  assert.equal(legacy.attrs?.code, '0042');
  assert.equal(legacy.message, line);
  const [other] = await logsOf(server.url, 'other');
  assert.equal(other.level, 'unknown');
  assert.notEqual(other.ts, Date.UTC(2026, 10, 28, 3, 29, 9));
});

test('server --parse-config with problems is refused with every problem named', () => {
  const dir = makeTempDir();
  const config = join(dir, 'parse.json');
  writeFileSync(config, JSON.stringify({ sources: { a: { timestampFormat: 'HH:mm' }, b: { regex: '(?<x' }, c: { levelFeild: 'x' } } }));
  const r = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', dir, '--parse-config', config], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /source "a": the timestamp format "HH:mm" has no day field/);
  assert.match(r.stderr, /source "b": the line regex/);
  assert.match(r.stderr, /source "c" has unknown key\(s\) "levelFeild"/);
  const missing = spawnSync(process.execPath, [BIN, 'server', '--port', '0', '--data', dir, '--parse-config', join(dir, 'nope.json')], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /--parse-config: cannot read/);
});

test('through POST /api/v1/logs a JSON line keeps its service key in attrs and ANSI colour codes leave the stored message', async (t) => {
  const server = await startServer({ env: { TZ: 'UTC' } });
  t.after(async () => {
    await server.stop();
    server.cleanup();
  });
  const res = await postJson(`${server.url}/api/v1/logs`, [
    // The record names its own source (as the collector does): the line's service must still be kept.
    { message: '{"service":"billing","service.name":"billing-api","level":"warn","msg":"card declined"}', source: 'app.log' },
    { message: '\u001b[31mERROR\u001b[0m 2026-11-29 03:29:09 payment failed\r', source: 'color.log' },
  ]);
  assert.equal(res.status, 200, res.text);
  const [json] = await logsOf(server.url, 'app.log');
  assert.equal(json.level, 'warn');
  assert.deepEqual(json.attrs, { service: 'billing', 'service.name': 'billing-api' });
  const [color] = await logsOf(server.url, 'color.log');
  assert.equal(color.message, 'ERROR 2026-11-29 03:29:09 payment failed');
  assert.equal(color.level, 'error');
  assert.equal(color.ts, Date.UTC(2026, 10, 29, 3, 29, 9));
});
