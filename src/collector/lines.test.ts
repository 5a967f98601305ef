import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type LineSink } from './lines.js';

interface Got {
  text: string;
  end: number;
  dropped: number;
}

function collect(max = 1024): { sink: LineSink; got: Got[] } {
  const got: Got[] = [];
  const sink: LineSink = {
    beginChunk() {},
    line(buf, start, end, endOffset, dropped) {
      got.push({ text: buf.toString('utf8', start, end), end: endOffset, dropped });
    },
  };
  return { sink, got };
}

/** Feeds `data` to a splitter in pieces of `step` bytes, as reads of a file would. */
function split(data: Buffer, step: number, max = 1024): Got[] {
  const { sink, got } = collect(max);
  const s = new LineSplitter(max, sink);
  for (let off = 0; off < data.length; off += step) {
    const piece = Buffer.from(data.subarray(off, Math.min(data.length, off + step)));
    // A read buffer is larger than what was read: the splitter must honour `len`.
    const buf = Buffer.concat([piece, Buffer.from('\nGARBAGE\n')]);
    s.push(buf, piece.length, off);
  }
  return got;
}

test('lines and their end offsets come out the same whatever the read size', () => {
  const data = Buffer.from('alpha\nbeta\n\ngamma delta\nepsilon\n');
  const expected = [
    { text: 'alpha', end: 6, dropped: 0 },
    { text: 'beta', end: 11, dropped: 0 },
    { text: '', end: 12, dropped: 0 },
    { text: 'gamma delta', end: 24, dropped: 0 },
    { text: 'epsilon', end: 32, dropped: 0 },
  ];
  for (const step of [1, 2, 3, 5, 7, 100]) assert.deepEqual(split(data, step), expected, `step ${step}`);
});

test('CRLF line endings are stripped, also when "\\r" and "\\n" arrive in different reads', () => {
  const data = Buffer.from('one\r\ntwo\r\n\r\nthree\rx\r\n');
  for (const step of [1, 4, 100]) {
    assert.deepEqual(
      split(data, step).map((g) => g.text),
      ['one', 'two', '', 'three\rx'],
      `step ${step}`,
    );
  }
});

test('a partial last line waits for its newline and is flushed only on request', () => {
  const { sink, got } = collect();
  const s = new LineSplitter(1024, sink);
  s.push(Buffer.from('done\npart'), 9, 0);
  assert.deepEqual(got.map((g) => g.text), ['done']);
  assert.equal(s.pendingBytes, 4);
  s.push(Buffer.from('ial'), 3, 9);
  assert.equal(got.length, 1);
  assert.equal(s.flushPartial(12), true);
  assert.deepEqual(got[1], { text: 'partial', end: 12, dropped: 0 });
  assert.equal(s.flushPartial(12), false);
});

test('long lines are cut at the limit and the rest counted, across reads', () => {
  const long = 'x'.repeat(50);
  const data = Buffer.from(`short\n${long}\nafter\n${long}\r\n`);
  for (const step of [1, 7, 16, 1000]) {
    const got = split(data, step, 20);
    assert.deepEqual(
      got.map((g) => [g.text, g.dropped, g.end]),
      [
        ['short', 0, 6],
        ['x'.repeat(20), 30, 57],
        ['after', 0, 63],
        ['x'.repeat(20), 30, 115],
      ],
      `step ${step}`,
    );
  }
});

test('a cut never splits a UTF-8 character', () => {
  const line = 'ab' + 'é'.repeat(10); // é is 2 bytes: a cut at 5 bytes must keep "abé" (4 bytes)
  const got = split(Buffer.from(line + '\n'), 3, 5);
  assert.equal(got[0].text, 'abé');
  assert.equal(got[0].dropped, Buffer.byteLength(line) - 4);
});

test('invalid UTF-8 never throws and keeps byte offsets exact', () => {
  const data = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xff, 0xfe, 0x41, 0x0a]), Buffer.from('end\n')]);
  const got = split(data, 2);
  assert.deepEqual(got.map((g) => g.end), [3, 7, 11]);
  assert.equal(got[1].text, '\ufffd\ufffdA');
});

test('reset forgets a partial line (after a truncation)', () => {
  const { sink, got } = collect();
  const s = new LineSplitter(1024, sink);
  s.push(Buffer.from('half'), 4, 0);
  s.reset();
  s.push(Buffer.from('new\n'), 4, 0);
  assert.deepEqual(got.map((g) => [g.text, g.end]), [['new', 4]]);
});
