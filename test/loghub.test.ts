// Level and timestamp detection checked against logs nobody on the project wrote: the Loghub
// 2k samples and their hand-made ground truth (*_structured.csv). Skips when the folder is absent.
// LOGHUB_DIR overrides where the samples are (default: ../shared/loghub beside the repo root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newLayout, parseLine } from '../src/shared/parse/index.js';
import type { Level } from '../src/shared/levels.js';
import { withoutParsedHeader } from '../web/src/lib/headerPrefix.js';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dir = process.env.LOGHUB_DIR ?? resolve(repoRoot, '../shared/loghub');

// Year-less formats (syslog, logcat) get the year of `now`: the last day of 2017 puts every
// sample's month and day in 2017 without any of them landing in the future.
const NOW = new Date(2017, 11, 31, 12, 0, 0).getTime();
const YEARLESS_YEAR = 2017;

const MIN_LEVEL_ACCURACY = 0.995;
const MIN_TS_ACCURACY = 0.995;

/** Reads RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

test('readCsv handles quoted commas, doubled quotes and CRLF', () => {
  assert.deepEqual(readCsv('a,b\r\n1,"x, ""y"""\n2,\n'), [['a', 'b'], ['1', 'x, "y"'], ['2', '']]);
  assert.deepEqual(readCsv('"multi\nline",z'), [['multi\nline', 'z']]);
});

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const month = (name: string): number => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/** Local time from fields; the reference the parser's output is compared with. */
function local(y: number, mo: number, d: number, time: string): number {
  const m = /^(\d\d?):(\d\d?):(\d\d?)(?:[.,:](\d+))?$/.exec(time);
  if (!m) throw new Error(`The ground-truth time "${time}" has an unexpected form.`);
  // Every sample writes milliseconds as an integer; HealthApp pads nothing (`22:16:0:11` is 11 ms).
  const ms = m[4] === undefined ? 0 : Number(m[4]);
  return new Date(y, mo - 1, d, Number(m[1]), Number(m[2]), Number(m[3]), ms).getTime();
}

type Row = Record<string, string>;

interface System {
  name: string;
  /** The expected level from the CSV row. */
  level: (r: Row) => Level;
  /** The expected timestamp from the CSV row. */
  ts: (r: Row) => number;
  /** The CSV columns that hold parts of the timestamp. */
  timeColumns: string[];
}

const WORD_LEVELS: Record<string, Level> = {
  notice: 'info', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'fatal', debug: 'debug',
  v: 'trace', d: 'debug', i: 'info', w: 'warn', e: 'error', f: 'fatal',
};
const wordLevel = (r: Row): Level => {
  const l = WORD_LEVELS[r.Level.trim().toLowerCase()];
  if (!l) throw new Error(`The ground-truth level "${r.Level}" is not mapped.`);
  return l;
};
const noLevel = (): Level => 'unknown';

const SYSTEMS: System[] = [
  {
    name: 'Android',
    timeColumns: ['Date', 'Time'],
    level: wordLevel,
    ts: (r) => {
      const [mo, d] = r.Date.split('-').map(Number);
      return local(YEARLESS_YEAR, mo, d, r.Time);
    },
  },
  {
    name: 'Apache',
    timeColumns: ['Time'],
    level: wordLevel,
    ts: (r) => {
      const m = /^\w{3} (\w{3}) +(\d+) (\S+) (\d{4})$/.exec(r.Time);
      if (!m) throw new Error(`The Apache time "${r.Time}" has an unexpected form.`);
      return local(Number(m[4]), month(m[1]), Number(m[2]), m[3]);
    },
  },
  {
    name: 'Hadoop',
    timeColumns: ['Date', 'Time'],
    level: wordLevel,
    ts: (r) => {
      const [y, mo, d] = r.Date.split('-').map(Number);
      return local(y, mo, d, r.Time);
    },
  },
  {
    name: 'HealthApp',
    timeColumns: ['Time'],
    level: noLevel,
    ts: (r) => {
      const m = /^(\d{4})(\d\d)(\d\d)-(.*)$/.exec(r.Time);
      if (!m) throw new Error(`The HealthApp time "${r.Time}" has an unexpected form.`);
      return local(Number(m[1]), Number(m[2]), Number(m[3]), m[4]);
    },
  },
  {
    // Linux's "Level" column holds the host name ("combo"): these lines carry no level.
    name: 'Linux',
    timeColumns: ['Month', 'Date', 'Time'],
    level: noLevel,
    ts: (r) => local(YEARLESS_YEAR, month(r.Month), Number(r.Date), r.Time),
  },
  {
    name: 'OpenSSH',
    timeColumns: ['Date', 'Day', 'Time'],
    level: noLevel,
    ts: (r) => local(YEARLESS_YEAR, month(r.Date), Number(r.Day), r.Time),
  },
  {
    name: 'Spark',
    timeColumns: ['Date', 'Time'],
    level: wordLevel,
    ts: (r) => {
      const [y, mo, d] = r.Date.split('/').map(Number);
      return local(2000 + y, mo, d, r.Time);
    },
  },
  {
    name: 'Zookeeper',
    timeColumns: ['Date', 'Time'],
    level: wordLevel,
    ts: (r) => {
      const [y, mo, d] = r.Date.split('-').map(Number);
      return local(y, mo, d, r.Time);
    },
  },
];

const present = existsSync(dir);
if (!present) console.log(`Skipping the Loghub checks: no samples at "${dir}" (set LOGHUB_DIR).`);

for (const sys of SYSTEMS) {
  test(`Loghub ${sys.name}: level and timestamp match the ground truth`, { skip: !present && `no Loghub samples at ${dir}` }, () => {
    const lines = readFileSync(join(dir, `${sys.name}_2k.log`), 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const [header, ...data] = readCsv(readFileSync(join(dir, `${sys.name}_2k.log_structured.csv`), 'utf8'));
    assert.equal(data.length, lines.length, `${sys.name}: the CSV and the log should have as many rows as lines`);
    let levelOk = 0;
    let tsOk = 0;
    const misses: string[] = [];
    // One layout per file, as the server keeps one per source.
    const layout = newLayout();
    for (let i = 0; i < data.length; i++) {
      const row: Row = Object.fromEntries(header.map((h, j) => [h, data[i][j] ?? '']));
      assert.equal(Number(row.LineId), i + 1);
      const parsed = parseLine(lines[i], { now: NOW, layout });
      // As written, but for the CR of the samples' CRLF line ends, which the parser drops.
      assert.equal(parsed.message, lines[i].replace(/\r$/, ''), 'a plain line is stored as written');
      const wantLevel = sys.level(row);
      const wantTs = sys.ts(row);
      if (parsed.level === wantLevel) levelOk++;
      else if (misses.length < 5) misses.push(`level ${parsed.level} != ${wantLevel}: ${lines[i]}`);
      if (parsed.ts === wantTs) tsOk++;
      else if (misses.length < 5) misses.push(`ts ${parsed.ts} != ${wantTs}: ${lines[i]}`);
    }
    const levelAcc = levelOk / data.length;
    const tsAcc = tsOk / data.length;
    console.log(`${sys.name.padEnd(10)} level ${(levelAcc * 100).toFixed(2)}%  timestamp ${(tsAcc * 100).toFixed(2)}%  (${data.length} lines)`);
    assert.ok(levelAcc >= MIN_LEVEL_ACCURACY, `${sys.name} level accuracy ${levelAcc}; first misses:\n${misses.join('\n')}`);
    assert.ok(tsAcc >= MIN_TS_ACCURACY, `${sys.name} timestamp accuracy ${tsAcc}; first misses:\n${misses.join('\n')}`);
  });
}

// The dashboard's row leaves out the header the row shows in its own columns (time, level): it
// must not take anything else with it — a host, a program, a pid, a thread, a word of the text.
for (const sys of SYSTEMS) {
  test(`Loghub ${sys.name}: a dashboard row leaves out the time and the level, and nothing else`, { skip: !present && `no Loghub samples at ${dir}` }, () => {
    const lines = readFileSync(join(dir, `${sys.name}_2k.log`), 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const [header, ...data] = readCsv(readFileSync(join(dir, `${sys.name}_2k.log_structured.csv`), 'utf8'));
    const layout = newLayout();
    const wrong: string[] = [];
    let kept = 0;
    for (let i = 0; i < data.length; i++) {
      const row: Row = Object.fromEntries(header.map((h, j) => [h, data[i][j] ?? '']));
      const line = lines[i].replace(/\r$/, '');
      const level = parseLine(line, { now: NOW, layout }).level;
      const shown = withoutParsedHeader(line, level);
      const hasLevel = sys.level !== noLevel;
      assert.ok(line.endsWith(shown), `the row shows the end of the line: ${line}`);
      // What was left out is the time's parts, the level word (not logcat's letter column, which
      // follows a pid and a tid) and blanks and separators.
      let cut = line.slice(0, line.length - shown.length);
      for (const c of sys.timeColumns) {
        if (!cut.includes(row[c])) kept++;
        cut = cut.replace(row[c], ' ');
      }
      if (hasLevel && row.Level.length > 1) {
        const word = new RegExp(`(^|[\\s[\\]|:-])${row.Level}(?=$|[\\s[\\]|:-])`);
        if (!word.test(cut)) kept++;
        cut = cut.replace(word, '$1 ');
      }
      if (!/^[\s\-:|[\]]*$/.test(cut)) wrong.push(`left out "${cut.trim()}": ${line}`);
      // Every other column of the ground truth is still in the row.
      for (const [k, v] of Object.entries(row)) {
        if (!v || ['LineId', 'EventId', 'EventTemplate', ...sys.timeColumns].includes(k) || (k === 'Level' && hasLevel)) continue;
        if (!shown.includes(v)) wrong.push(`column ${k} "${v}" is not in the row: ${shown}`);
      }
    }
    assert.deepEqual(wrong.slice(0, 5), [], `${sys.name}: ${wrong.length} rows lost text`);
    assert.equal(kept, 0, `${sys.name}: rows still showing their time or level word`);
  });
}
