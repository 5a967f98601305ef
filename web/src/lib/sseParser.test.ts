import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from './sseParser.js';

const stream = 'event: logs\nid: 7\ndata: [{"id":7}]\n\n: heartbeat\n\ndata: a\ndata: b\n\nevent: gap\r\ndata: {"from":7,"to":9}\r\n\r\n';

test('events, ids, multi-line data and comments parse', () => {
  const evs = new SseParser().push(stream);
  assert.deepEqual(evs, [
    { event: 'logs', data: '[{"id":7}]', lastEventId: '7' },
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
