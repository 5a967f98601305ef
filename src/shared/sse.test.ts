import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from './sse.js';

const stream = 'event: logs\nid: 7\ndata: [{"id":7}]\n\n: heartbeat\n\ndata: a\ndata: b\n\nevent: gap\r\ndata: {"from":7,"to":9}\r\n\r\n';

test('events, ids, multi-line data and comments parse', () => {
  const evs = new SseParser().push(stream);
  assert.deepEqual(evs, [
    { event: 'logs', data: '[{"id":7}]', lastEventId: '7', id: '7' },
    { event: 'message', data: 'a\nb', lastEventId: '7' },
    { event: 'gap', data: '{"from":7,"to":9}', lastEventId: '7' },
  ]);
});

test('chunks split anywhere give the same events', () => {
  const whole = new SseParser().push(stream);
  for (let size = 1; size < 12; size++) {
    const p = new SseParser();
    const got = [];
    for (let i = 0; i < stream.length; i += size) got.push(...p.push(stream.slice(i, i + size)));
    assert.deepEqual(got, whole, `chunk size ${size}`);
  }
});

test('an unfinished event is not dispatched', () => {
  const p = new SseParser();
  assert.deepEqual(p.push('data: x\n'), []);
  assert.equal(p.push('\n').length, 1);
});

test('CR, LF and CRLF line endings give the same events, however the stream is cut', () => {
  const lf = 'event: logs\nid: 3\ndata: [1]\ndata: [2]\n\n: ping\n\ndata: x\n\n';
  const want = new SseParser().push(lf);
  assert.equal(want.length, 2);
  for (const [name, eol] of [['CR', '\r'], ['CRLF', '\r\n']] as const) {
    const text = lf.replaceAll('\n', eol);
    assert.deepEqual(new SseParser().push(text), want, name);
    for (let size = 1; size < 6; size++) {
      const p = new SseParser();
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
      assert.deepEqual(got, want, `${name} in chunks of ${size}`);
    }
  }
});
