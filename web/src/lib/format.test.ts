import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstLine, formatCount, formatValue, ROW_TEXT_MAX, stripAnsi } from './format.js';

test('counts are compact', () => {
  assert.deepEqual([0, 999, 1000, 1250, 15_400, 999_499, 3_400_000, 52_000_000].map(formatCount), ['0', '999', '1k', '1.3k', '15k', '999k', '3.4M', '52M']);
});

test('the first line of a message is cut at the first newline', () => {
  assert.deepEqual(firstLine('a\r\n  at b'), { text: 'a', more: true });
  assert.deepEqual(firstLine('one'), { text: 'one', more: false });
});

test('values render as text', () => {
  assert.equal(formatValue({ a: 1 }), '{"a":1}');
  assert.equal(formatValue('x'), 'x');
  assert.equal(formatValue(null), 'null');
});

test('terminal colour codes are removed for display', () => {
  assert.equal(stripAnsi('\x1b[31mERROR\x1b[0m disk \x1b[1;33mfull\x1b[m'), 'ERROR disk full');
  assert.equal(stripAnsi('\x1b]8;;http://x\x07link\x1b]8;;\x07'), 'link');
  assert.equal(firstLine('\x1b[32mok\x1b[0m\nmore').text, 'ok');
});

test('very long lines are cut for the row, with a mark', () => {
  const r = firstLine('x'.repeat(300_000));
  assert.equal(r.text.length, ROW_TEXT_MAX + 1);
  assert.ok(r.text.endsWith('…'));
  assert.equal(r.more, true);
});
