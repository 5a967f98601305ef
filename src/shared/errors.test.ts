import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS } from './errors.js';

const root = new URL('../../', import.meta.url).pathname;

test('every error code of the catalogue is documented in docs/errors.md with its status', () => {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  for (const [code, def] of Object.entries(ERRORS)) {
    assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`);
    // Command-line errors have no HTTP status; they sit in the start-up table.
    const cliOnly = /^LP_ERR_(USAGE|COLLECTOR_CONFIG|STATE_FILE|FILE_UNREADABLE|DATA_DIR|PORT_IN_USE|BAD_HOST|PORT_DENIED)$/.test(code);
    if (def.status < 500 && !cliOnly) assert.match(doc, new RegExp(`\`${code}\` \\| ${def.status} \\|`), `${code} has status ${def.status} in the docs`);
  }
});

test('every LP_ERR_ code used in the sources is in the catalogue', () => {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name)) for (const m of readFileSync(p, 'utf8').matchAll(/LP_ERR_[A-Z_]+/g)) used.add(m[0]);
    }
  };
  walk(join(root, 'src'));
  for (const code of used) assert.ok(code in ERRORS, `${code} is used but not in src/shared/errors.ts`);
});
