// docs/security.md lists every limit and access option with its flag, environment variable
// and default; this keeps those tables in step with `logpipe server` (src/server/cli.ts) and
// the defaults in src/server/config.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBytes, parseDuration, type CommandSpec } from '../src/command/options.js';
import { spec } from '../src/server/cli.js';
import { DEFAULT_LIMITS } from '../src/server/config.js';
import { ROOT } from './helpers/server.js';

const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');

/** Rows of the markdown tables whose first cell is a flag: flag → [env, default]. */
function documentedFlags(): Map<string, { env: string; def: string }> {
  const rows = new Map<string, { env: string; def: string }>();
  for (const line of doc.split('\n')) {
    const m = /^\| `--([a-z0-9-]+)` \| `([A-Z0-9_]+)` \| ([^|]+) \|/.exec(line);
    if (m) rows.set(m[1], { env: m[2], def: m[3].trim() });
  }
  return rows;
}

/** How the docs write a default: sizes in KiB/MiB, numbers plain, absent as "none". */
function formatDefault(kind: string, value: unknown): string {
  if (value === undefined) return 'none';
  // Defaults may be written as text ('120s', '1MiB'): compare what they mean.
  if (typeof value === 'string' && kind === 'duration') value = parseDuration(value);
  if (typeof value === 'string' && kind === 'bytes') value = parseBytes(value);
  if (kind === 'duration' && typeof value === 'number') return `${value / 1000} s`;
  if (kind === 'bytes' && typeof value === 'number') {
    if (value % 2 ** 20 === 0) return `${value / 2 ** 20} MiB`;
    if (value % 1024 === 0) return `${value / 1024} KiB`;
  }
  return String(value);
}

const LIMIT_FLAGS = ['max-body-bytes', 'max-decompressed-bytes', 'max-inflight-bytes', 'max-records', 'max-line-bytes', 'max-json-depth', 'max-attrs-bytes', 'max-subscribers', 'tail-buffer', 'rate-limit', 'max-query-limit', 'query-scan-rows', 'query-scan-time', 'request-timeout'];
const ACCESS_FLAGS = ['host', 'ingest-token', 'ingest-token-file', 'read-token', 'read-token-file', 'insecure', 'cors-origin', 'trust-proxy', 'sqlite-max-page-count'];

test('every limit and access option of logpipe server is in docs/security.md with its environment variable and default', () => {
  const rows = documentedFlags();
  for (const flag of [...LIMIT_FLAGS, ...ACCESS_FLAGS]) {
    const opt = (spec.options as CommandSpec['options'])[flag];
    assert.ok(opt, `--${flag} is an option of logpipe server`);
    const row = rows.get(flag);
    assert.ok(row, `--${flag} is documented`);
    assert.equal(row.env, `LOGPIPE_${flag.replace(/-/g, '_').toUpperCase()}`, `--${flag} environment variable`);
    assert.ok(row.def.startsWith(formatDefault(opt.kind, opt.default)), `--${flag} default: docs say "${row.def}", the CLI says ${formatDefault(opt.kind, opt.default)}`);
  }
  for (const flag of rows.keys()) assert.ok((spec.options as CommandSpec['options'])[flag], `documented --${flag} exists`);
  // Every limit in config.ts has a flag here (a new limit must be documented too).
  assert.equal(LIMIT_FLAGS.length, Object.keys(DEFAULT_LIMITS).length);
});

test('every option whose name says it is a limit is listed', () => {
  const rows = documentedFlags();
  for (const flag of Object.keys(spec.options)) {
    if (/^max-(body|decompressed|inflight|records|line|json|attrs|subscribers|query)|rate-limit|request-timeout|token|cors|proxy|insecure/.test(flag)) assert.ok(rows.has(flag), `--${flag} is in docs/security.md`);
  }
});
