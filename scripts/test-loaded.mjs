// Runs the test suite (scripts/run-tests.mjs, the runner of `npm test`) while a CPU hog keeps
// every core busy, to prove that no test depends on the machine being idle: a test that waits
// for a fixed time instead of the event it needs fails here first.
// Usage: node scripts/test-loaded.mjs [substring-filter…]   (`npm run test:loaded` builds and
// typechecks first, as `npm test` does). LOGPIPE_HOGS=N sets the number of spinning processes
// (default: one per CPU).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const hogCount = Number(process.env.LOGPIPE_HOGS) || availableParallelism();

// Each hog spins at normal priority. It checks now and then that its parent is still the one
// that started it, so a runner killed with SIGKILL does not leave spinning processes behind.
const spin = `const p = process.ppid; for (let i = 0; ; i++) if ((i & 0xffffff) === 0 && process.ppid !== p) process.exit(0);`;
const hogs = Array.from({ length: hogCount }, () => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const h of hogs) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
};
process.on('exit', stopHogs);

const loads = [];
const sample = () => loads.push(loadavg()[0]);
const sampler = setInterval(sample, 5000);
const started = Date.now();
console.log(`# test:loaded: ${hogCount} CPU hog process(es) spinning (pids ${hogs.map((h) => h.pid).join(', ')}); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// Each file's hang guard (300 s by default) is tripled: at a load of 15-20 on two cores a
// file that takes a minute idle takes five (measured: security-limits 300+ s, fuzz 265 s).
// Tests themselves wait for events, not for times, so nothing else needs to change.
const env = { ...process.env, LOGPIPE_TEST_TIMEOUT_MS: process.env.LOGPIPE_TEST_TIMEOUT_MS ?? '900000' };
const runner = spawn(process.execPath, [new URL('./run-tests.mjs', import.meta.url).pathname, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
// Ctrl-C reaches the runner through the terminal's process group; on SIGTERM pass it on.
process.on('SIGTERM', () => runner.kill('SIGTERM'));
process.on('SIGINT', () => {});
runner.on('exit', (code, signal) => {
  clearInterval(sampler);
  sample();
  stopHogs();
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
  console.log(
    `# test:loaded: suite ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${secs} s under ${hogCount} hog(s); ` +
      `1-minute load average mean ${mean.toFixed(1)}, max ${Math.max(...loads).toFixed(1)} (sampled every 5 s)`,
  );
  process.exit(code ?? 1);
});
