import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './lines.js';
import { MultilineJoiner, isContinuation } from './multiline.js';

function join(text: string, opts: { start?: RegExp; maxBytes?: number } = {}) {
  const out: { text: string; end: number }[] = [];
  const j = new MultilineJoiner({ addText: (t, e) => out.push({ text: t, end: e }) }, { start: opts.start, maxBytes: opts.maxBytes ?? 10_000 });
  const s = new LineSplitter(10_000, j);
  const buf = Buffer.from(text);
  s.push(buf, buf.length, 0);
  return { out, j };
}

const TRACE = [
  '2026-11-28 03:29:09.123 - [ERROR]: request failed',
  'java.lang.IllegalStateException: boom',
  '\tat com.example.Foo.bar(Foo.java:42)',
  '    at com.example.Main.main(Main.java:7)',
  'Caused by: java.io.IOException: disk',
  '\t... 12 more',
  '2026-11-28 03:29:09.200 - [INFO]: next',
].join('\n') + '\n';

test('default rules join indented lines, "at", "Caused by:" and "... N more"', () => {
  assert.ok(isContinuation('\tat x'));
  assert.ok(isContinuation('at x.y(Z.java:1)'));
  assert.ok(isContinuation('Caused by: x'));
  assert.ok(isContinuation('... 3 more'));
  assert.ok(isContinuation('java.lang.IllegalStateException: boom'));
  assert.ok(isContinuation('Traceback (most recent call last):'));
  assert.ok(isContinuation('ZeroDivisionError: division by zero'));
  assert.ok(!isContinuation('2026-11-28 INFO ok'));
  assert.ok(!isContinuation('Error: plain line'));
  assert.ok(!isContinuation('{"level":"info"}'));
  const { out, j } = join(TRACE);
  assert.equal(out.length, 1);
  assert.equal(out[0].text, TRACE.split('\n').slice(0, 6).join('\n'));
  assert.equal(out[0].end, Buffer.byteLength(TRACE.split('\n').slice(0, 6).join('\n')) + 1);
  // The last record is held until the next one starts or the timeout flushes it.
  assert.ok(j.heldSince > 0);
  j.flush();
  assert.equal(out[1].text, '2026-11-28 03:29:09.200 - [INFO]: next');
  assert.equal(out[1].end, Buffer.byteLength(TRACE));
});

test('a start pattern makes every other line a continuation', () => {
  const { out, j } = join(TRACE, { start: /^\d{4}-\d\d-\d\d / });
  j.flush();
  assert.equal(out.length, 2);
  assert.equal(out[0].text, TRACE.split('\n').slice(0, 6).join('\n'));
});

test('a joined record over the limit is cut with a marker', () => {
  const text = 'head\n' + Array.from({ length: 20 }, () => '  at frame.function(File.java:123)').join('\n') + '\n';
  const { out, j } = join(text, { maxBytes: 100 });
  j.flush();
  assert.equal(out.length, 1);
  assert.ok(Buffer.byteLength(out[0].text.split('… [truncated')[0]) <= 100);
  assert.match(out[0].text, /… \[truncated \d+ bytes\]$/);
  assert.equal(out[0].end, Buffer.byteLength(text));
});
