// Properties of the plain-text parser over generated lines: a level word in the free text never
// sets the level, and every timestamp shape is found wherever a header's first tokens put it.
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newLayout, parseLine } from './index.js';
import type { Level } from '../levels.js';

const NOW = new Date(2026, 10, 28, 12, 0, 0).getTime();
const L = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => new Date(y, mo - 1, d, h, mi, s, ms).getTime();
const U = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);

let seed = 20261128;
const rand = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) % n;
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)];

// Headers as loggers write them, with the level they state (`unknown`: none).
const HEADERS: [string, Level][] = [
  ['2026-11-28 03:29:09.123 - [INFO]: ', 'info'],
  ['2026-11-28 03:29:09,123 ERROR [main] c.e.App - ', 'error'],
  ['2026-11-28T03:29:09Z ', 'unknown'],
  ['2026/11/28 03:29:09 ', 'unknown'],
  ['Nov 28 03:29:09 web-1 app[42]: ', 'unknown'],
  ['[2026-11-28 03:29:09,123] WARN ', 'warn'],
  ['I1128 03:29:09.123456    42 main.go:10] ', 'info'],
  ['2026-11-28 03:29:09,123 - payments - DEBUG - ', 'debug'],
  ['28-Nov-2026 03:29:09.123 SEVERE [main] o.a.c.Catalina ', 'error'],
  ['127.0.0.1 - - [28/Nov/2026:03:29:09 +0000] ', 'unknown'],
  ['', 'unknown'],
  ['03:29:09.123 [info] ', 'info'],
  ['2026-11-28 03:29:09 [main] ', 'unknown'],
];
const WORDS = ['user', 'clicked', 'the', 'report', 'button', 'payment', 'retry', 'Connection', 'to', 'backend', 'closed', 'after', '3', 'attempts', 'cache', 'Order', '4711', 'shipped', 'disk', 'at', '91%'];
const LEVEL_WORDS = ['error', 'warn', 'warning', 'info', 'debug', 'fatal', 'critical', 'panic', 'severe', 'notice', 'trace', 'err', 'alert', 'emerg', 'failure', 'fine', 'crit'];

function shape(word: string): string {
  const cased = pick([word.toUpperCase(), word, word[0].toUpperCase() + word.slice(1)]);
  return pick([cased, cased, `[${cased}]`, `${cased}:`, `<${cased}>`, `(${cased})`, `${cased},`]);
}

test('a level word placed in the free text never sets the level', () => {
  for (let i = 0; i < 5000; i++) {
    const [header, level] = pick(HEADERS);
    const words = [pick(WORDS.filter((w) => /^[A-Za-z]+$/.test(w))), ...Array.from({ length: 1 + rand(8) }, () => pick(WORDS))];
    // The message's first word is ordinary text; the level word goes anywhere after it.
    words.splice(1 + rand(words.length), 0, shape(pick(LEVEL_WORDS)));
    const line = header + words.join(' ');
    assert.equal(parseLine(line, { now: NOW }).level, level, `line ${JSON.stringify(line)}`);
  }
});

// Every timestamp shape the parser reads, with the instant it names.
const SHAPES: [string, number][] = [
  ['2026-11-28T03:29:09Z', U(2026, 11, 28, 3, 29, 9)],
  ['2026-11-28T03:29:09.123+01:00', U(2026, 11, 28, 2, 29, 9, 123)],
  ['2026-11-28 03:29:09,123', L(2026, 11, 28, 3, 29, 9, 123)],
  ['2026-11-28 03:29:09.123 +0100', U(2026, 11, 28, 2, 29, 9, 123)],
  ['2026/11/28 03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['2026.11.28 03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['2026-11-28_03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['20261128 032909.123', L(2026, 11, 28, 3, 29, 9, 123)],
  ['20261128T032909Z', U(2026, 11, 28, 3, 29, 9)],
  ['261128 032909', L(2026, 11, 28, 3, 29, 9)],
  ['261128  3:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['28/11/2026 03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['11/28/2026 3:29:09 PM', L(2026, 11, 28, 15, 29, 9)],
  ['28.11.2026 03:29:09,5', L(2026, 11, 28, 3, 29, 9, 500)],
  ['2026-11-28-03.29.09.123456', L(2026, 11, 28, 3, 29, 9, 123)],
  ['28 Nov 2026 03:29:09.123', L(2026, 11, 28, 3, 29, 9, 123)],
  ['Nov 28, 2026 3:29:09 AM', L(2026, 11, 28, 3, 29, 9)],
  ['November 28, 2026 03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['28-Nov-2026 03:29:09.123', L(2026, 11, 28, 3, 29, 9, 123)],
  ['28-Nov-2026::03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['[28/Nov/2026:03:29:09 +0000]', U(2026, 11, 28, 3, 29, 9)],
  ['Nov 28 03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['Sat Nov 28 03:29:09 2026', L(2026, 11, 28, 3, 29, 9)],
  ['Sat, 28 Nov 2026 03:29:09 GMT', U(2026, 11, 28, 3, 29, 9)],
  ['[2026-11-28 03:29:09]', L(2026, 11, 28, 3, 29, 9)],
  ['2026-11-28 | 03:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['2026-11-28  3:29:09', L(2026, 11, 28, 3, 29, 9)],
  ['1795832949', U(2026, 11, 28, 2, 29, 9)],
  ['1795832949.123', U(2026, 11, 28, 2, 29, 9, 123)],
  ['1795832949123', U(2026, 11, 28, 2, 29, 9, 123)],
  ['1795832949123456', U(2026, 11, 28, 2, 29, 9, 123)],
  ['1795832949123456789', U(2026, 11, 28, 2, 29, 9, 123)],
];
// Header tokens that may come before a timestamp: hosts, pids, threads, services, separators.
const PREFIX = ['web-1', '[worker-3]', '4242', 'api', '|', 'pid=17', 'host.example.com', '-', '1234:M', '<app>', 'I,', '[pod/api-7d9f/api]'];

test('every timestamp shape is found at any of the first five token positions', () => {
  for (const [text, want] of SHAPES) {
    for (let position = 0; position < 5; position++) {
      for (let k = 0; k < 4; k++) {
        const prefix = Array.from({ length: position }, () => pick(PREFIX));
        const line = [...prefix, text, pick(['INFO', 'user logged in', '[main] WARN x', 'Hello, world'])].join(' ');
        const got = parseLine(line, { now: NOW });
        assert.equal(got.ts, want, `line ${JSON.stringify(line)}: ${got.ts === undefined ? 'none' : new Date(got.ts).toISOString()}`);
        // The same through a source's layout, remembered from a line with another prefix.
        const layout = newLayout();
        parseLine([...prefix.slice(1), text, 'x'].join(' '), { now: NOW, layout });
        assert.equal(parseLine(line, { now: NOW, layout }).ts, want, `line ${JSON.stringify(line)} with a layout`);
      }
    }
  }
});
