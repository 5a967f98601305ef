#!/usr/bin/env node
// A log-writing application for rotation tests: appends lines carrying `seq=N` to one path at a
// steady rate, the way a daemon does (one descriptor opened O_APPEND, kept open). On SIGHUP it
// reopens its path — at once, after some more lines (a slow application), or never — so that
// logrotate's `create` (rename, then the application reopens) and `copytruncate` (the
// application never reopens) can be played exactly as they happen on a real host.
//
// Usage: node seq-writer.mjs PATH --first N --count N [--rate LINES_PER_S]
//          [--on-hup reopen|ignore] [--reopen-after LINES] [--header LINE]
// Prints, on stdout: `ready PID` once the file is open and the SIGHUP handler exists,
// `at SEQ` every 250 lines, `reopened SEQ` after each reopen (SEQ = last line written before),
// and `done SEQ` once every line is written (or after SIGUSR2, which ends writing early). It then stays alive (still reopening on SIGHUP, as
// an idle daemon does, so a late postrotate `kill -HUP` finds it) until SIGTERM.
import { closeSync, openSync, writeSync } from 'node:fs';

const args = process.argv.slice(2);
const path = args[0];
function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
}
const first = Number(opt('first', '1'));
const count = Number(opt('count', '10000'));
const rate = Number(opt('rate', '2000'));
const onHup = opt('on-hup', 'reopen');
const reopenAfter = Number(opt('reopen-after', '0'));
const header = opt('header', '');
let last = first + count - 1;

/** The same shape as test/collector-helpers.ts seqLine(): a timestamp, a level, seq=N. */
function line(seq) {
  return `2026-11-28 03:29:09.${String(seq % 1000).padStart(3, '0')} - [INFO]: seq=${seq} order accepted for customer c${seq % 97}`;
}

let fd = openSync(path, 'a');
if (header) writeSync(fd, header + '\n');
let seq = first - 1;
/** Lines still to write to the old descriptor before reopening (-1: no reopen pending). */
let reopenIn = -1;

process.on('SIGHUP', () => {
  if (onHup === 'reopen' && reopenIn === -1) reopenIn = reopenAfter;
});
process.on('SIGTERM', () => process.exit(0));
// SIGUSR2: stop writing now (the test decides when enough was written, not a count).
process.on('SIGUSR2', () => {
  last = Math.max(seq, first - 1);
});

function reopen() {
  closeSync(fd);
  fd = openSync(path, 'a');
  reopenIn = -1;
  process.stdout.write(`reopened ${seq}\n`);
}

const started = Date.now();
let lastReport = seq;
process.stdout.write(`ready ${process.pid}\n`);

function tick() {
  if (reopenIn === 0) reopen();
  // Lines due by now at the steady rate (catching up after a stall, at most 500 per tick).
  const due = Math.min(last, first - 1 + Math.floor(((Date.now() - started) * rate) / 1000), seq + 500);
  if (seq >= last) return finish();
  let chunk = '';
  while (seq < due) {
    seq++;
    chunk += line(seq) + '\n';
    if (reopenIn > 0 && --reopenIn === 0) break; // the rest goes to the reopened path
  }
  // One write per tick: a rotation sees whole lines, as with a real application's buffered writes.
  if (chunk) writeSync(fd, chunk);
  if (seq - lastReport >= 250 || seq === last) {
    lastReport = seq;
    process.stdout.write(`at ${seq}\n`);
  }
  if (seq >= last) return finish();
  setTimeout(tick, reopenIn === 0 ? 0 : 10);
}

function finish() {
  process.stdout.write(`done ${seq}\n`);
  setInterval(() => {
    if (reopenIn !== -1) reopen();
  }, 10);
}
tick();
