// The calendar shortcuts against Date itself: day arithmetic over four centuries, and cached
// local midnights over every half hour of two years in zones with DST changes at 02:00
// (New York), at midnight (Santiago) and with a 30-minute shift (Lord Howe).
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daysFromCivil, daysInMonth, localTime, resetLocalTimeCache, yearlessLocalTime, zonedTime } from './calendar.js';

test('daysFromCivil and zonedTime agree with Date.UTC from 1600 to 2400', () => {
  for (let y = 1600; y <= 2400; y += 7) {
    for (let m = 1; m <= 12; m++) {
      for (const d of [1, 15, daysInMonth(y, m)]) {
        assert.equal(daysFromCivil(y, m, d) * 86_400_000, Date.UTC(y, m - 1, d), `${y}-${m}-${d}`);
        assert.equal(zonedTime(y, m, d, 13, 7, 9, 250, -330), Date.UTC(y, m - 1, d, 13, 7, 9, 250) + 330 * 60_000);
      }
    }
  }
});

test('daysInMonth knows leap years', () => {
  assert.equal(daysInMonth(2024, 2), 29);
  assert.equal(daysInMonth(2100, 2), 28);
  assert.equal(daysInMonth(2000, 2), 29);
  assert.equal(daysInMonth(2026, 4), 30);
  assert.equal(daysInMonth(2026, 12), 31);
});

for (const zone of ['America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'UTC']) {
  test(`localTime equals new Date(y, m, d, h, mi) for every half hour of 2025-2026 in ${zone}`, () => {
    process.env.TZ = zone;
    resetLocalTimeCache();
    try {
      for (let y = 2025; y <= 2026; y++) {
        for (let m = 1; m <= 12; m++) {
          for (let d = 1; d <= daysInMonth(y, m); d++) {
            for (let h = 0; h < 24; h++) {
              for (const mi of [0, 30]) {
                const want = new Date(y, m - 1, d, h, mi, 5, 7).getTime();
                assert.equal(localTime(y, m, d, h, mi, 5, 7), want, `${zone} ${y}-${m}-${d} ${h}:${mi}`);
              }
            }
          }
        }
      }
    } finally {
      process.env.TZ = 'America/New_York';
      resetLocalTimeCache();
    }
  });
}

test('yearlessLocalTime picks this year or, for a time over a day ahead, the year before', () => {
  const now = new Date(2027, 0, 1, 0, 30).getTime();
  assert.equal(yearlessLocalTime(12, 31, 23, 0, 0, 0, now), new Date(2026, 11, 31, 23).getTime());
  assert.equal(yearlessLocalTime(1, 1, 12, 0, 0, 0, now), new Date(2027, 0, 1, 12).getTime());
  assert.equal(yearlessLocalTime(2, 29, 12, 0, 0, 0, new Date(2028, 5, 1).getTime()), new Date(2028, 1, 29, 12).getTime());
  assert.equal(yearlessLocalTime(2, 30, 12, 0, 0, 0, now), undefined);
});
