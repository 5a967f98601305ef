// Builds the collector's inotify addon (native/inotify.c → build/Release/logpipe_inotify.node)
// at install, with the node-gyp that npm runs scripts with. Without it (not Linux, no compiler)
// the collector watches files with fs.watch, which wakes it for every write of a busy file, and
// says so at start; so a failed build warns instead of failing the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.platform !== 'linux') {
  console.log(`logpipe: the inotify addon is Linux only (this is ${process.platform}); the collector uses fs.watch.`);
  process.exit(0);
}
// npm puts its node-gyp on PATH for scripts and names it in npm_config_node_gyp.
const gypJs = process.env.npm_config_node_gyp;
const [cmd, args] = gypJs && existsSync(gypJs) ? [process.execPath, [gypJs, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(
    `logpipe: building the inotify addon failed (${r.error ? r.error.message : `exit ${r.status}`}); the collector will watch files with fs.watch ` +
      '(every write of a busy file wakes it). Install a C compiler, make and python3, then run "npm rebuild logpipe".',
  );
}
