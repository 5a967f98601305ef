import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValues, matchesField, matchesFields } from './fields.js';

const attrs = {
  request_id: 'req-42',
  http: { status: 503, method: 'GET', 'route.name': 'orders' },
  'http.status': '200',
  tags: ['blue', 'green', { deep: 7 }],
  ok: true,
  gone: null,
  duration_ms: '250.5',
};

test('fieldValues follows every split of a dotted path, flattens arrays and drops null', () => {
  assert.deepEqual(fieldValues(attrs, 'http.status').sort(), ['200', 503].sort());
  assert.deepEqual(fieldValues(attrs, 'http.route.name'), ['orders']);
  assert.deepEqual(fieldValues(attrs, 'tags'), ['blue', 'green', { deep: 7 }]);
  assert.deepEqual(fieldValues(attrs, 'tags.deep'), [7]);
  assert.deepEqual(fieldValues(attrs, 'gone'), []);
  assert.deepEqual(fieldValues(null, 'a'), []);
  assert.deepEqual(fieldValues('text', 'a'), []);
});

test('eq compares the exact text (numbers in JSON form, booleans as true/false), case-sensitive', () => {
  assert.ok(matchesField(attrs, { path: 'request_id', op: 'eq', value: 'req-42' }));
  assert.ok(!matchesField(attrs, { path: 'request_id', op: 'eq', value: 'REQ-42' }));
  assert.ok(matchesField(attrs, { path: 'http.status', op: 'eq', value: '503' }));
  assert.ok(matchesField(attrs, { path: 'http.status', op: 'eq', value: '200' }));
  assert.ok(matchesField(attrs, { path: 'ok', op: 'eq', value: 'true' }));
  assert.ok(matchesField(attrs, { path: 'tags', op: 'eq', value: 'green' }));
  assert.ok(!matchesField(attrs, { path: 'http', op: 'eq', value: '[object Object]' }));
});

test('prefix, exists and range; negate is the exact complement, records without the field included', () => {
  assert.ok(matchesField(attrs, { path: 'request_id', op: 'prefix', value: 'req-' }));
  assert.ok(matchesField(attrs, { path: 'http', op: 'exists' }));
  assert.ok(!matchesField(attrs, { path: 'gone', op: 'exists' }));
  assert.ok(matchesField(attrs, { path: 'duration_ms', op: 'range', gt: 250, lte: 251 }));
  assert.ok(matchesField(attrs, { path: 'http.status', op: 'range', gte: 500 }));
  assert.ok(!matchesField(attrs, { path: 'request_id', op: 'range', gte: 0 }));
  assert.ok(matchesField({ n: 1 }, { path: 'missing', op: 'eq', value: 'x', negate: true }));
  assert.ok(matchesField(null, { path: 'missing', op: 'exists', negate: true }));
  assert.ok(!matchesField(attrs, { path: 'http.status', op: 'eq', value: '503', negate: true }));
  assert.ok(matchesFields(attrs, [{ path: 'ok', op: 'eq', value: 'true' }, { path: 'http.method', op: 'prefix', value: 'G' }]));
  assert.ok(!matchesFields(attrs, [{ path: 'ok', op: 'eq', value: 'true' }, { path: 'http.method', op: 'prefix', value: 'P' }]));
  assert.ok(matchesFields(attrs, undefined));
});
