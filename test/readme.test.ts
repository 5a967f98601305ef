// The README is the front door: its --help blocks must be what the CLI prints, and the files
// it points at must exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT } from './helpers/server.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('every --help block in the README is what the CLI prints', () => {
  const blocks = [...readme.matchAll(/<!-- help:(\w+) -->\n```\n([\s\S]*?)```\n<!-- \/help -->/g)];
  assert.ok(blocks.length >= 5, 'the README shows the help of the CLI and of each command');
  for (const [, cmd, shown] of blocks) {
    const real = execFileSync(process.execPath, [BIN, ...(cmd === 'main' ? ['--help'] : [cmd, '--help'])], { encoding: 'utf8' });
    assert.equal(shown.trimEnd(), real.trimEnd(), `README help of "${cmd}" is stale: run node scripts/readme-help.mjs`);
  }
});

test('files the README links to exist, and it shows the two commands', () => {
  for (const m of readme.matchAll(/\]\(((?:docs|bench|src|test)\/[^)#\s]+)\)/g)) {
    assert.ok(existsSync(join(ROOT, m[1])), `README links to missing ${m[1]}`);
  }
  assert.match(readme, /npm install && npm start/);
  assert.match(readme, /npm test/);
});
