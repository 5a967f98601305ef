// Children started by `logpipe demo` stop when the demo dies, even by SIGKILL (which it cannot
// catch to stop them): the demo names itself in LOGPIPE_PARENT_PID, and a child whose parent
// changes (it was re-parented to init or a subreaper) shuts itself down as on SIGTERM.
// Otherwise an orphaned server would keep the port, and the next `npm start` would fail.

/** Starts watching when LOGPIPE_PARENT_PID is set; returns a function that stops watching. */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env): () => void {
  const parent = Number(env.LOGPIPE_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 0) return () => {};
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      // Our stdout and stderr were pipes to the parent: writes now fail with EPIPE, which must
      // not turn the orderly shutdown into a crash.
      process.stdout.on('error', () => {});
      process.stderr.on('error', () => {});
      process.stderr.write(`logpipe: the parent process ${parent} is gone; shutting down.\n`);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}
