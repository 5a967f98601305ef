import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTick } from './timeAxis.js';

const labels = (from: number, step: number, n: number) => {
  const all = Array.from({ length: n }, (_, i) => from + i * step);
  return all.map((t, i) => formatTick(t, i, all));
};

test('ticks less than a minute apart carry seconds, so no two labels repeat', () => {
  const t0 = new Date(2026, 10, 29, 22, 45, 0).getTime();
  const ls = labels(t0, 15_000, 8);
  assert.equal(new Set(ls).size, ls.length, ls.join(' '));
  assert.equal(ls[1], '22:45:15');
});

test('ticks a day apart are dates, and a range across midnight names its days', () => {
  const t0 = new Date(2026, 10, 25, 0, 0, 0).getTime();
  assert.deepEqual(labels(t0, 86_400_000, 3), ['11/25', '11/26', '11/27']);
  const ls = labels(new Date(2026, 10, 29, 20, 0).getTime(), 2 * 3_600_000, 4);
  assert.deepEqual(ls, ['11/29 20:00', '22:00', '11/30', '02:00']);
});
