// Runs every test file (src/**/*.test.ts, test/**/*.test.ts, web/**/*.test.ts) with node's
// test runner and tsx. Node 20's runner does not expand globs itself, so we do.
// Usage: node scripts/run-tests.mjs [substring-filter…]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(root, p));
  }
  return out;
}

let files = ['src', 'test', 'web'].flatMap((d) => { try { return walk(join(root, d), []); } catch { return []; } }).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}
// A guard against a hung file, far above what a file takes on an idle machine. On a loaded one
// (scripts/test-loaded.mjs) everything is several times slower, and the guard is raised with it.
const timeoutMs = Number(process.env.LOGPIPE_TEST_TIMEOUT_MS) || 300_000;
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeoutMs}`, ...files];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, LOGPIPE_TEST: '1', LOGPIPE_TEST_TIMEOUT_MS: String(timeoutMs) } });
process.exit(r.status ?? 1);
