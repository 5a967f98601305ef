// Runs benchmarks one after the other: `npm run bench` runs all, `npm run bench -- ingest query`
// those whose file name contains one of the words. Each prints its own reference and ratio;
// results are copied by hand into docs/benchmarks.md with the command that made them.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const words = process.argv.slice(2);
const files = readdirSync(`${root}bench`).filter((f) => f.endsWith('.bench.ts') && (!words.length || words.some((w) => f.includes(w)))).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
