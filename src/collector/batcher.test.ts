import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, type Batch } from './batcher.js';
import { LineSplitter } from './lines.js';

function parse(b: Batch): Record<string, unknown>[] {
  const text = b.body.toString('utf8');
  assert.ok(text.endsWith('\n'), 'NDJSON ends with a newline');
  return text.trimEnd().split('\n').map((l) => JSON.parse(l));
}

function batcher(lines = 1000, bytes = 1 << 20) {
  const out: Batch[] = [];
  const b = new Batcher({ lines, bytes }, (x) => out.push(x));
  b.setFields({ stream: 'st1', source: 'app "x".log', host: 'h1' });
  const s = new LineSplitter(64, b);
  return { b, s, out };
}

test('records carry message, source, host, stream and end offset, valid JSON for any bytes', () => {
  const { b, s, out } = batcher();
  const text = Buffer.concat([
    Buffer.from('plain ascii line\nquote " and back\\slash\n\ttab\x01ctl\nnon-ascii é ✓\n'),
    Buffer.from([0x62, 0xff, 0x0a]), // invalid UTF-8
    Buffer.from('\u2028sep\n'),
    Buffer.from('del\x7fchar ~ end"\n'),
  ]);
  s.push(text, text.length, 100);
  b.close();
  assert.equal(out.length, 1);
  const recs = parse(out[0]);
  assert.deepEqual(
    recs.map((r) => r.message),
    ['plain ascii line', 'quote " and back\\slash', '\ttab\x01ctl', 'non-ascii é ✓', 'b\ufffd', '\u2028sep', 'del\x7fchar ~ end"'],
  );
  let end = 100;
  const ends = text.toString('latin1').split('\n').slice(0, -1).map((l) => (end += Buffer.byteLength(l, 'latin1') + 1));
  assert.deepEqual(recs.map((r) => r.offset), ends);
  for (const r of recs) {
    assert.equal(r.source, 'app "x".log');
    assert.equal(r.host, 'h1');
    assert.equal(r.stream, 'st1');
    assert.equal(r.ts, undefined);
  }
  assert.equal(out[0].lastOffset, ends.at(-1));
  assert.equal(out[0].lines, 7);
});

test('a cut line carries the truncation marker', () => {
  const { b, s, out } = batcher();
  const line = Buffer.from('y'.repeat(100) + '\n');
  s.push(line, line.length, 0);
  b.close();
  assert.equal(parse(out[0])[0].message, 'y'.repeat(64) + '… [truncated 36 bytes]');
});

test('batches close at the line limit and at the byte limit, keeping order and offsets', () => {
  const { b, s, out } = batcher(3);
  const data = Buffer.from(Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') + '\n');
  s.push(data, data.length, 0);
  b.close();
  assert.deepEqual(out.map((x) => x.lines), [3, 3, 3, 1]);
  assert.deepEqual(out.flatMap(parse).map((r) => r.message), Array.from({ length: 10 }, (_, i) => `line ${i}`));

  const small = batcher(1000, 300);
  small.s.push(data, data.length, 0);
  small.b.close();
  assert.ok(small.out.length > 1);
  for (const x of small.out) assert.ok(x.body.length <= 300, `batch of ${x.body.length} bytes`);
  assert.equal(small.out.flatMap(parse).length, 10);
});

test('offsets of any size are written exactly', () => {
  const { b, out } = batcher();
  for (const off of [0, 7, 10, 99, 1000, 123456789, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) b.addText('m', off);
  b.close();
  assert.deepEqual(parse(out[0]).map((r) => r.offset), [0, 7, 10, 99, 1000, 123456789, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]);
});

test('changing fields closes the open batch first', () => {
  const { b, out } = batcher();
  b.addText('a', 2);
  b.setFields({ stream: 'st2', source: 's', host: 'h' });
  b.addText('b', 2);
  b.close();
  assert.deepEqual(out.map((x) => x.stream), ['st1', 'st2']);
  assert.equal(parse(out[1])[0].stream, 'st2');
});

test('batch buffers that come back from gzip together are all reused: a backlog allocates no buffer per batch', () => {
  const closed: Batch[] = [];
  const b = new Batcher({ lines: 1000, bytes: 1024 * 1024 }, (batch) => closed.push(batch));
  b.setFields({ stream: '0123456789abcdef', source: 'app.log', host: 'host-1' });
  const storages = new Set<Buffer>();
  let offset = 0;
  for (let i = 0; i < 60_000; i++) {
    // Lines of 90-130 bytes: batches differ in size by a few KiB.
    const line = Buffer.from(`2026-11-30 04:00:00.000 [INFO] seq=${i} ${'x'.repeat(60 + ((i * 7919) % 41))}`);
    offset += line.length + 1;
    b.line(line, 0, line.length, offset, 0);
    // Eight batches wait for gzip, then come back together (the reader had paused meanwhile).
    if (closed.length === 8) {
      for (const done of closed.splice(0)) {
        storages.add(done.storage!);
        b.recycle(done);
      }
    }
  }
  assert.ok(storages.size <= 12, `60 batches used ${storages.size} distinct buffers`);
});
