import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorOrder, anchorParams, decodeCursor, encodeCursor } from './cursor.js';

test('cursors are base64url of "<order>.<ts>.<id>", byte for byte what Buffer writes', () => {
  for (const c of [{ order: 'asc', id: 1 }, { order: 'desc', id: 42, ts: 1764474000123 }, { order: 'asc', id: 7, ts: -5 }, { order: 'desc', id: 123456789012 }] as const) {
    const plain = c.ts === undefined ? `${c.order}.${c.id}` : `${c.order}.${c.ts}.${c.id}`;
    const text = encodeCursor(c);
    assert.equal(text, Buffer.from(plain).toString('base64url'));
    assert.deepEqual(decodeCursor(text), { ...c, ts: c.ts });
  }
});

test('text that is not a cursor we issue is LP_ERR_INVALID_CURSOR', () => {
  const forged = ['', 'garbage', 'a'.repeat(100), '../x', 'YXNjLjE=', Buffer.from('sideways.5').toString('base64url'), Buffer.from('asc.99999999999999999').toString('base64url'), Buffer.from('asc.1 OR 1=1').toString('base64url'), Buffer.from('asc.1').toString('base64url') + 'A'];
  for (const text of forged) {
    assert.throws(() => decodeCursor(text), (e: any) => e.code === 'LP_ERR_INVALID_CURSOR', text);
  }
});

test('an anchor asks for the page beside a record, walking away from it', () => {
  assert.deepEqual(anchorParams({ before: 12 }), { before: '12' });
  assert.deepEqual(anchorParams({ after: 3 }), { after: '3' });
  assert.equal(anchorOrder({ before: 12 }), 'desc');
  assert.equal(anchorOrder({ after: 3 }), 'asc');
});
