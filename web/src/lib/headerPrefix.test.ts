import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutParsedHeader } from './headerPrefix.js';

test('a plain header of time and level is left out of the row', () => {
  assert.equal(withoutParsedHeader('2026-11-29 22:44:32.366 - [DEBUG]: cache warmed in 12 ms', 'debug'), 'cache warmed in 12 ms');
  assert.equal(withoutParsedHeader('2026-11-28T04:02:55Z WARN disk almost full', 'warn'), 'disk almost full');
  assert.equal(withoutParsedHeader('[2026-11-28 04:02:55,123] ERROR - boom', 'error'), 'boom');
  assert.equal(withoutParsedHeader('2026-11-28 04:02:55 just a time', 'info'), 'just a time');
});

test('logfmt time and level pairs are left out, msg becomes the text', () => {
  assert.equal(withoutParsedHeader('time=2026-11-29T22:44:32Z level=info msg="user logged in" user=ada', 'info'), 'user logged in  user=ada');
  assert.equal(withoutParsedHeader('level=warn ts=1764456272 msg=slow path=/api', 'warn'), 'slow  path=/api');
});

test('lines without a header, or whose level word is not the record level, are kept whole', () => {
  assert.equal(withoutParsedHeader('GET /api/orders 200 12ms', 'info'), 'GET /api/orders 200 12ms');
  assert.equal(withoutParsedHeader('2026-11-29 22:44:32 ERROR but stored as info', 'info'), '2026-11-29 22:44:32 ERROR but stored as info');
  assert.equal(withoutParsedHeader('2026-11-29 22:44:32.366 - [DEBUG]: ', 'debug'), '2026-11-29 22:44:32.366 - [DEBUG]: ');
  assert.equal(withoutParsedHeader('level=info nothing else', 'info'), 'level=info nothing else');
});
