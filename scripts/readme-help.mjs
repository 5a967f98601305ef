// Rewrites the `--help` blocks of README.md (between <!-- help:CMD --> and <!-- /help -->)
// from the real CLI, so the README cannot drift from it; test/readme.test.ts checks they match.
// Usage: npm run build:node && node scripts/readme-help.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const file = `${root}README.md`;
const before = readFileSync(file, 'utf8');
const after = before.replace(/<!-- help:(\w+) -->\n```\n[\s\S]*?```\n<!-- \/help -->/g, (_, cmd) => {
  const args = cmd === 'main' ? ['--help'] : [cmd, '--help'];
  const text = execFileSync(process.execPath, [`${root}bin/logpipe`, ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  return `<!-- help:${cmd} -->\n\`\`\`\n${text.trimEnd()}\n\`\`\`\n<!-- /help -->`;
});
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md help blocks differ from the CLI; run: node scripts/readme-help.mjs');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  console.log('README.md help blocks updated.');
}
