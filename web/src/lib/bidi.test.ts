import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeBidiJson, escapeBidiText, hasBidiControl, splitBidi } from './bidi.js';

const ALL = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];

test('a right-to-left override is split out as a marked escape, the text around it kept in order', () => {
  assert.deepEqual(splitBidi('invoice_\u202Egnp.exe'), [
    { kind: 'text', text: 'invoice_' },
    { kind: 'control', char: '\u202E', label: '<U+202E>', name: 'RIGHT-TO-LEFT OVERRIDE' },
    { kind: 'text', text: 'gnp.exe' },
  ]);
});

test('every bidirectional formatting character is caught, adjacent ones one by one', () => {
  const parts = splitBidi(ALL.join(''));
  assert.equal(parts.length, ALL.length);
  assert.deepEqual(parts.map((p) => p.kind === 'control' && p.label), ['<U+202A>', '<U+202B>', '<U+202C>', '<U+202D>', '<U+202E>', '<U+2066>', '<U+2067>', '<U+2068>', '<U+2069>', '<U+200E>', '<U+200F>', '<U+061C>']);
  for (const p of parts) assert.ok(p.kind === 'control' && p.name.length > 3);
});

test('text without them is one part (or none), and neighbours of the ranges are left alone', () => {
  assert.deepEqual(splitBidi('plain line'), [{ kind: 'text', text: 'plain line' }]);
  assert.deepEqual(splitBidi(''), []);
  // U+2029 (paragraph separator), U+2065 (unassigned), U+206A, U+200D (ZWJ), U+061B: not bidi controls.
  for (const ch of ['\u2029', '\u2065', '\u206A', '\u200D', '\u061B', 'שלום', 'مرحبا']) {
    assert.equal(hasBidiControl(ch), false, ch);
    assert.deepEqual(splitBidi(ch), [{ kind: 'text', text: ch }]);
  }
});

test('joined back, the parts give the original text', () => {
  const text = 'a\u202Eb\u2066\u2069c\u200F';
  assert.equal(splitBidi(text).map((p) => (p.kind === 'text' ? p.text : p.char)).join(''), text);
});

test('text for people shows the escape; JSON keeps the value and writes a JSON escape', () => {
  assert.equal(escapeBidiText('file \u202Egnp.exe'), 'file <U+202E>gnp.exe');
  assert.equal(escapeBidiText(ALL.join('')), '<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069><U+200E><U+200F><U+061C>');
  const value = { message: 'file \u202Egnp.exe', attrs: { k: '\u2067x\u2069' } };
  const json = escapeBidiJson(JSON.stringify(value));
  assert.equal(json, '{"message":"file \\u202egnp.exe","attrs":{"k":"\\u2067x\\u2069"}}');
  assert.equal(hasBidiControl(json), false);
  assert.deepEqual(JSON.parse(json), value);
});

test('control characters are marked escapes too (ESC of an ANSI sequence, backspace, CR, DEL, C1); tab and newline are text', () => {
  const parts = splitBidi('red\u001b[31m x\b\by cr\r del\u007f csi\u009b');
  assert.deepEqual(parts.filter((p) => p.kind === 'control').map((p) => p.kind === 'control' && p.label), ['<U+001B>', '<U+0008>', '<U+0008>', '<U+000D>', '<U+007F>', '<U+009B>']);
  const esc = parts.find((p) => p.kind === 'control')!;
  assert.match(esc.kind === 'control' ? esc.name : '', /ESCAPE/);
  for (const ch of ['\t', '\n', ' ', '\u00a0', '\u00a9']) {
    assert.equal(hasBidiControl(ch), false, JSON.stringify(ch));
  }
  assert.equal(escapeBidiText('a\u0007b'), 'a<U+0007>b');
  assert.equal(escapeBidiJson(JSON.stringify({ m: 'c1\u0085' })), '{"m":"c1\\u0085"}');
});
