// The parser against lines of the layouts that well-known programs write by default, taken from
// their documentation (test/fixtures/formats/*.jsonl, one line per case: the program, its layout,
// a line, and the timestamp, level and fields expected). Zone-less times are local: the test runs
// in New York, a zone with an offset and DST; year-less and date-less ones are placed with `now`.
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newLayout, parseLine } from '../src/shared/parse/index.js';

const dir = fileURLToPath(new URL('./fixtures/formats/', import.meta.url));
// 28 Nov 2026, noon in New York.
const NOW = new Date(2026, 10, 28, 12, 0, 0).getTime();

interface Case {
  program: string;
  layout: string;
  line: string;
  /** ISO with a zone, or `local YYYY-MM-DD HH:MM:SS[.mmm]`, or null (no timestamp). */
  ts: string | null;
  level: string;
  /** Fields that must be among attrs (others may be there too). */
  fields?: Record<string, unknown>;
  /** The stored message when it is not the line itself. */
  message?: string;
}

function expectedTs(ts: string | null): number | undefined {
  if (ts === null) return undefined;
  const m = /^local (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?$/.exec(ts);
  if (m) return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +(m[7] ?? 0)).getTime();
  const t = Date.parse(ts);
  if (Number.isNaN(t)) throw new Error(`The expected ts "${ts}" is not a date.`);
  return t;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
const cases: (Case & { file: string })[] = files.flatMap((f) =>
  readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => ({ ...(JSON.parse(l) as Case), file: f })),
);

test('the format corpus covers at least 40 layouts of at least 40 programs', () => {
  const layouts = new Set(cases.map((c) => `${c.program} ${c.layout}`));
  const programs = new Set(cases.map((c) => c.program.split(/[ (,]/)[0]));
  assert.ok(layouts.size >= 40, `${layouts.size} layouts`);
  assert.ok(programs.size >= 40, `${programs.size} programs: ${[...programs].join(', ')}`);
});

function check(c: Case, layout: ReturnType<typeof newLayout> | undefined): string[] {
  const got = parseLine(c.line, { now: NOW, layout });
  const problems: string[] = [];
  const want = expectedTs(c.ts);
  if (got.ts !== want) problems.push(`ts ${got.ts === undefined ? 'none' : new Date(got.ts).toISOString()} != ${want === undefined ? 'none' : new Date(want).toISOString()}`);
  if (got.level !== c.level) problems.push(`level ${got.level} != ${c.level}`);
  const message = c.message ?? c.line;
  if (got.message !== message) problems.push(`message ${JSON.stringify(got.message)} != ${JSON.stringify(message)}`);
  for (const [k, v] of Object.entries(c.fields ?? {})) {
    if (!got.attrs || !Object.hasOwn(got.attrs, k)) problems.push(`field ${k} missing (attrs ${JSON.stringify(got.attrs)})`);
    else if (JSON.stringify(got.attrs[k]) !== JSON.stringify(v)) problems.push(`field ${k} = ${JSON.stringify(got.attrs[k])} != ${JSON.stringify(v)}`);
  }
  return problems;
}

for (const file of files) {
  test(`${file}: every line gets the documented program's timestamp, level and fields`, () => {
    const failures: string[] = [];
    for (const c of cases.filter((x) => x.file === file)) {
      const problems = check(c, undefined);
      if (problems.length) failures.push(`${c.program}: ${JSON.stringify(c.line)}\n    ${problems.join('\n    ')}`);
    }
    assert.deepEqual(failures, []);
  });
}

test('each program read through its own remembered layout gives the same answers, line after line', () => {
  const failures: string[] = [];
  const layouts = new Map<string, ReturnType<typeof newLayout>>();
  // Twice over, so every line is also read with a layout that an earlier line set.
  for (let round = 0; round < 2; round++) {
    for (const c of cases) {
      const key = c.program.split(/[ (,]/)[0];
      let layout = layouts.get(key);
      if (layout === undefined) layouts.set(key, (layout = newLayout()));
      const problems = check(c, layout);
      if (problems.length) failures.push(`${c.program}: ${JSON.stringify(c.line)}: ${problems.join('; ')}`);
    }
  }
  assert.deepEqual(failures, []);
});
