import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../shared/random.js';
import { RollupBatch } from './rollups.js';

test('RollupBatch: minutes, hours and totals each count every row once, with id ranges and the newest time', () => {
  const r = mulberry32(5);
  const batch = new RollupBatch();
  const rows = Array.from({ length: 5000 }, (_, i) => ({ ts: 1_700_000_000_000 + Math.floor(r() * 4 * 3_600_000), level: Math.floor(r() * 7), source: ['a', 'b', 'c'][Math.floor(r() * 3)], id: 1000 + i }));
  for (const x of rows) batch.add(x.ts, x.level, x.source, x.id);
  const brute = (unitOf: (ts: number) => number) => {
    const m = new Map<string, { n: number; minId: number; maxId: number }>();
    for (const x of rows) {
      const k = `${unitOf(x.ts)}|${x.level}|${x.source}`;
      const a = m.get(k);
      if (a) {
        a.n++;
        a.minId = Math.min(a.minId, x.id);
        a.maxId = Math.max(a.maxId, x.id);
      } else m.set(k, { n: 1, minId: x.id, maxId: x.id });
    }
    return m;
  };
  const asMap = (aggs: { unit: number; level: number; source: string; n: number; minId: number; maxId: number }[]) => new Map(aggs.map((a) => [`${a.unit}|${a.level}|${a.source}`, { n: a.n, minId: a.minId, maxId: a.maxId }]));
  assert.deepEqual(asMap(batch.minutes()), brute((ts) => Math.floor(ts / 60_000)));
  assert.deepEqual(asMap(batch.hours()), brute((ts) => Math.floor(ts / 3_600_000)));
  assert.deepEqual(asMap(batch.totals()), brute(() => 0));
  for (const t of batch.totals()) assert.equal(t.lastSeen, Math.max(...rows.filter((x) => x.source === t.source).map((x) => x.ts)));
  assert.equal(batch.rows, rows.length);
});
