import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packageVersion } from './main.js';

test('--version is the version in package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(packageVersion(), pkg.version);
});

test('a LogpipeError is printed as "logpipe <command>: [<code>] <message>" with exit 1, a usage error lists its problems with exit 2', async () => {
  const { runCli } = await import('./main.js');
  const chunks: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const usage = await runCli(['generate', '--rate=-1', '--rotate-keep=0']);
    const usageText = chunks.splice(0).join('');
    // A path below a regular file can be neither made nor written.
    const below = new URL('../../package.json', import.meta.url).pathname + '/x.log';
    const bad = await runCli(['generate', '--out', below, '--count', '1']);
    const badText = chunks.splice(0).join('');
    assert.equal(usage, 2);
    assert.match(usageText, /^logpipe generate: --rate: must be 0 or more/m);
    assert.match(usageText, /^logpipe generate: --rotate-keep: must be 1 or more/m);
    assert.equal(bad, 1);
    assert.equal(badText, `logpipe generate: [LP_ERR_OUTPUT_FILE] Cannot write to "${below}" (EEXIST); choose another --out.\n`);
  } finally {
    process.stderr.write = write;
  }
});
