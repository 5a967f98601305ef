import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from './backoff.js';

test('backoff: full jitter below base·2^attempt, capped', () => {
  const b = { baseMs: 500, capMs: 30_000 };
  assert.equal(backoffDelay(0, b, () => 0.999999) < 500, true);
  assert.equal(Math.round(backoffDelay(3, b, () => 0.5)), 2000);
  assert.equal(Math.round(backoffDelay(10, b, () => 0.5)), 15_000);
  assert.equal(Math.round(backoffDelay(1000, b, () => 0.5)), 15_000, 'huge attempt counts stay at the cap');
  assert.equal(backoffDelay(-1, b, () => 1), 500, 'a negative attempt counts as the first');
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(i % 12, b);
    assert.ok(d >= 0 && d < 30_000);
  }
});
