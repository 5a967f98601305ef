import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../shared/random.js';
import { HOUR_MS, layoutBuckets, MINUTE_MS, rollupUnits, splitRange, type RangePiece } from './buckets.js';

/** The signed coverage of the pieces on each elementary interval between their boundaries. */
function coverage(pieces: RangePiece[]): { a: number; b: number; n: number }[] {
  const spans = pieces.map((p) => (p.kind === 'units' ? { a: p.lo * p.ms, b: p.hi * p.ms, sign: 1 } : { a: p.a, b: p.b, sign: p.sign }));
  const cuts = [...new Set(spans.flatMap((s) => [s.a, s.b]))].sort((x, y) => x - y);
  const out: { a: number; b: number; n: number }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    out.push({ a, b, n: spans.reduce((n, s) => n + (s.a <= a && b <= s.b ? s.sign : 0), 0) });
  }
  return out;
}

test('splitRange: the signed pieces cover [from, to) exactly once, whatever the range and usable units', () => {
  const r = mulberry32(17);
  const base = Date.UTC(2026, 10, 30);
  for (let i = 0; i < 2000; i++) {
    const from = base + Math.floor(r() * 3 * HOUR_MS);
    const to = from + Math.floor(r() * (r() < 0.5 ? 3 * MINUTE_MS : 30 * HOUR_MS));
    const units = [[], [MINUTE_MS], [HOUR_MS, MINUTE_MS], [HOUR_MS]][Math.floor(r() * 4)];
    const pieces = splitRange(from, to, units);
    for (const c of coverage(pieces)) {
      const inside = c.a >= from && c.b <= to;
      assert.equal(c.n, inside ? 1 : 0, `[${c.a - base}, ${c.b - base}) of [${from - base}, ${to - base}) with units ${units}: ${JSON.stringify(pieces)}`);
    }
    if (units.includes(MINUTE_MS)) {
      const rows = pieces.filter((p) => p.kind === 'rows').reduce((n, p) => n + (p.kind === 'rows' ? p.b - p.a : 0), 0);
      assert.ok(rows <= MINUTE_MS, `at most half a minute of rows at each edge, got ${rows} ms`);
    }
  }
});

test('rollupUnits: only units the step is a multiple of, and none when the rollups cannot answer', () => {
  assert.deepEqual(rollupUnits(layoutBuckets(0, HOUR_MS, 60).step, true), [MINUTE_MS]);
  assert.deepEqual(rollupUnits(layoutBuckets(0, 7 * 24 * HOUR_MS, 60).step, true), [HOUR_MS, MINUTE_MS]);
  assert.deepEqual(rollupUnits(layoutBuckets(0, 10 * MINUTE_MS, 60).step, true), []);
  assert.deepEqual(rollupUnits(MINUTE_MS, false), []);
});
