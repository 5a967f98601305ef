// Super-linear time on hostile input (issue 10, item 1): every function that runs over a
// request body, a header, a query string or a log line gets 1 MiB of the input that is worst
// for it and must finish within a ceiling a quadratic loop cannot meet (1 MiB of newlines
// through `/\r?\n+$/` took over a minute; linear code takes a few ms).
//
// Each case runs at 64 KiB, 256 KiB and 1 MiB, in that order, and stops at the first size
// over its budget: a quadratic regression then fails in a fraction of a second instead of
// freezing the suite. Budgets are generous for a loaded machine (500 ms per MiB, at least
// 100 ms), where the issue asks for 50 ms per MiB on a quiet one: the figures are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeNdjson, parseJson, parseNdjson, splitTextLines, trimTrailingNewlines } from '../src/server/body.js';
import { splitAuthorization } from '../src/server/auth.js';
import { parseLabels } from '../src/server/interop/loki-labels.js';
import { camelizeKeys } from '../src/server/interop/otlp-map.js';
import { mapPushJson } from '../src/server/interop/loki-map.js';
import { uncompressSnappy } from '../src/server/interop/snappy-body.js';
import { LineSplitter } from '../src/collector/lines.js';
import { fieldNumber } from '../src/shared/fields.js';
import { textToBase } from '../src/shared/query/units.js';
import { findMatches, parseSearch as parseHighlight } from '../web/src/lib/highlight.js';
import { parseOtlpJson } from '../src/server/routes/otlp.js';
import { parseFilter } from '../src/server/routes/filters.js';
import { decodeCursor } from '../src/shared/cursor.js';
import { truncateMessage } from '../src/server/ingest.js';
import { parseLine, parseTimestamp } from '../src/shared/parse/index.js';
import { parseSearch, splitTerms, termMatches, tokenize } from '../src/shared/search.js';
import { parseLevelList } from '../src/shared/levels.js';
import { includesText } from '../src/shared/search.js';
import { compileMessageScan, compileSearch, payloadMayMatch, textNeedles } from '../src/server/storage/row-filter.js';
import { compileRegex } from '../src/shared/query/regex.js';
import { compileQuery, parseQuery } from '../src/shared/query/index.js';
import { compileFilter as liveMatcher } from '../src/server/live/match.js';
import { startServer } from './helpers/server.js';
import { http, postJson } from './helpers/http.js';

const MIB = 1024 * 1024;
const SIZES = [64 * 1024, 256 * 1024, MIB];
const MS_PER_MIB = 500;
const MIN_BUDGET_MS = 100;

/** Runs fn, swallowing the 4xx errors hostile input is meant to produce. */
function quietly(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof Error) || !/LP_ERR_|not valid|SyntaxError|JSON/.test(`${(err as { code?: string }).code ?? ''} ${err.name} ${err.message}`)) throw err;
  }
}

/**
 * A linear reference over the same text, timed in the same run: it allocates one string per
 * character, as the heaviest linear cases do (splitting a body of blank lines into lines).
 * On a loaded machine it slows down with them; a quadratic loop does not keep pace with it.
 */
function referenceMs(text: string): number {
  const t0 = performance.now();
  const parts = text.split('');
  if (parts.length !== text.length) throw new Error('unreachable');
  return performance.now() - t0;
}

/**
 * A tighter budget for work that is a plain scan of its text (a substring search): the issue's
 * 50 ms per MiB, or a few times the reference on a busy machine. A search that retries a long
 * needle at each position is linear too, but with the needle's length as its factor (134-207
 * ms per MiB for 1,000 characters), which these budgets refuse.
 */
interface Tight {
  msPerMib: number;
  refFactor: number;
}
const SCAN: Tight = { msPerMib: 50, refFactor: 3 };

/**
 * Each size is 4 times the one before: linear code takes about 4 times as long at the next
 * size, quadratic code 16 times. A size over its fixed budget still passes when it took at most
 * this many times the size before, timed the same way moments earlier (on a busy machine both
 * are slow together; a fixed reference such as `referenceMs` is too cheap to keep pace with
 * every case: `npm run test:loaded` saw findMatches take 38 ms at 64 KiB and 177 ms at 256 KiB,
 * 4.6x, against a 125 ms budget and a 2.2 ms reference).
 */
const MAX_GROWTH = 8;

/**
 * Asserts that `run(input(size))` stays within budget at every size: 500 ms per MiB (at least
 * 100 ms), or, when the machine is so busy that linear code misses that, at most MAX_GROWTH
 * times the size before, or 20 times the linear reference measured right then. A tight budget
 * has only its reference to fall back on. Prints the figures.
 */
function linear<T = string>(name: string, input: (size: number) => string, run: (arg: T) => unknown, prepare: (text: string) => T = (t) => t as T, tight?: Tight): void {
  const msPerMib = tight?.msPerMib ?? MS_PER_MIB;
  const refFactor = tight?.refFactor ?? 20;
  test(`linear time: ${name}`, () => {
    const seen: string[] = [];
    quietly(() => run(prepare(input(4096)))); // compiled and warm before the clock starts
    // The size before (0: none), for the growth rule; not for tight budgets, whose fault (the
    // needle's length as a factor) is linear in the text and grows 4x too.
    let before = 0;
    const growth = tight ? 0 : MAX_GROWTH;
    let timeBefore: (() => number) | null = null;
    for (const size of SIZES) {
      const text = input(size);
      const arg = prepare(text); // not timed: what the function under test is handed
      const fixed = Math.max(tight ? 10 : MIN_BUDGET_MS, (msPerMib * size) / MIB);
      const time = () => {
        const t0 = performance.now();
        quietly(() => run(arg));
        return performance.now() - t0;
      };
      // One slow run can be a pause (GC, the process descheduled on a busy machine): over the
      // budget, the best of five decides (of three, `npm run test:loaded` once saw 127.5 ms
      // against 125 for a 256 KiB scan). A super-linear function is slow in every run.
      let ms = time();
      for (let i = 0; i < 4 && ms > fixed; i++) ms = Math.min(ms, time());
      if (ms > fixed && ms > growth * before && timeBefore && growth > 0) {
        // Both sizes again, alternately and best of five, so that one load spike does not
        // decide the growth (small sizes take a few ms, where the noise is largest).
        for (let i = 0; i < 5; i++) {
          before = Math.min(before, timeBefore());
          ms = Math.min(ms, time());
        }
      }
      let figure = `${Math.round(size / 1024)} KiB: ${ms.toFixed(1)} ms`;
      if (ms > fixed && ms > growth * before) {
        const ref = Math.min(referenceMs(text), referenceMs(text), referenceMs(text));
        figure += ` (reference ${ref.toFixed(1)} ms)`;
        seen.push(figure);
        assert.ok(ms <= refFactor * ref, `${name}: ${seen.join(', ')}: over ${fixed} ms${growth ? `, over ${growth}x the size before` : ''} and over ${refFactor}x the linear reference`);
      } else {
        seen.push(figure);
      }
      before = ms;
      timeBefore = time;
    }
    console.log(`# ${name}: ${seen.join(', ')}`);
  });
}

const REC = '{"message":"x"}';
const rep = (s: string, size: number) => s.repeat(Math.max(1, Math.floor(size / s.length)));

// Request bodies (src/server/body.ts).
linear('parseNdjson, blank lines before a record', (n) => rep('\n', n) + REC, parseNdjson);
linear('parseNdjson, CRLF blank lines between records', (n) => REC + rep('\r\n', n) + REC, parseNdjson);
linear('parseNdjson, blank lines after the last record then a blank', (n) => REC + rep('\n', n) + ' ', parseNdjson);
linear('parseNdjson, many records', (n) => rep(`${REC}\n`, n), parseNdjson);
linear('trimTrailingNewlines, newlines then text', (n) => rep('\n', n) + 'x', trimTrailingNewlines);
linear('parseJson, NDJSON sniffing after a failed parse', (n) => '{}' + rep('\n', n) + 'x', parseJson);
linear('parseJson, whitespace runs between braces', (n) => '{' + rep('} \t \r {', n), parseJson);
linear('looksLikeNdjson, a brace and blanks', (n) => '}' + rep(' ', n), looksLikeNdjson);
linear('splitTextLines, blank lines', (n) => rep('\n', n) + 'x', splitTextLines);
linear('splitTextLines, CRLF lines', (n) => rep('a\r\n', n), splitTextLines);

// Headers (src/server/auth.ts): Node caps headers at 16 KiB, the parser is checked far past it.
linear('splitAuthorization, blanks inside the credentials', (n) => 'Bearer a' + rep(' ', n) + 'b', splitAuthorization);
linear('splitAuthorization, blanks around', (n) => rep(' ', n / 2) + 'Bearer' + rep(' ', n / 2), splitAuthorization);
linear('splitAuthorization, one long scheme', (n) => rep('a', n), splitAuthorization);

// Query strings (src/server/routes/filters.ts, cursor.ts, src/shared/levels.ts, src/shared/search.ts).
linear('parseFilter, long digits then junk in from=', (n) => rep('1', n) + 'x', (t) => parseFilter({ from: t }, { time: true }));
linear('parseFilter, long level list', (n) => rep('info,', n), (t) => parseFilter({ level: [t] }));
linear('parseLevelList, commas', (n) => rep(',', n), parseLevelList);
linear('decodeCursor, long cursor', (n) => rep('A', n), decodeCursor);
linear('parseSearch, stars', (n) => rep('*', n), parseSearch);
linear('splitTerms, quotes and stars', (n) => rep('"a*', n), splitTerms);

// Log lines (src/shared/parse, the live tail's search, ingest).
linear('parseLine, blanks', (n) => rep(' ', n) + 'x', (t) => parseLine(t));
linear('parseLine, digits', (n) => rep('9', n), (t) => parseLine(t));
linear('parseLine, letters', (n) => rep('a', n), (t) => parseLine(t));
linear('parseLine, level separators after a time', (n) => '2026-11-28 04:00:00.000 ' + rep('- |:', n), (t) => parseLine(t));
linear('parseLine, logfmt pairs', (n) => rep('k=v ', n), (t) => parseLine(t));
linear('parseLine, logfmt quoted escapes', (n) => 'k="' + rep('\\"', n), (t) => parseLine(t));
linear('parseLine, JSON with a long message', (n) => '{"message":"' + rep('x', n) + '"}', (t) => parseLine(t));
linear('parseLine, JSON with many keys', (n) => '{' + rep('"a":1,', n) + '"b":2}', (t) => parseLine(t));
linear('parseLine, nested CRI prefixes', (n) => rep('2026-11-28T03:29:09.123456789Z stdout F ', Math.min(n, 64 * 1024)) + 'x', (t) => parseLine(t));
linear('parseLine, brackets', (n) => rep('[', n), (t) => parseLine(t));
linear('parseLine, syslog PRI', (n) => rep('<1>', n), (t) => parseLine(t));
linear('parseTimestamp, blanks', (n) => rep(' ', n) + '1700000000', (t) => parseTimestamp(t));
linear('truncateMessage, multibyte text', (n) => rep('é', n), (t) => truncateMessage(t, 256 * 1024));
linear('tokenize, one-letter words', (n) => rep('a ', n), tokenize);
{
  // A phrase of 500 repeated words ending in another: every position matches 499 words first.
  const [phrase] = parseSearch(`"${'a '.repeat(500)}b"`);
  const [prefixed] = parseSearch(`"${'a '.repeat(500)}b*"`);
  linear('termMatches, a long phrase against a line of its first word', (n) => rep('a ', n), (tokens: string[]) => termMatches(phrase, tokens), tokenize);
  linear('termMatches, a long prefix phrase', (n) => rep('a ', n), (tokens: string[]) => termMatches(prefixed, tokens), tokenize);
}

// Interop (OTLP/JSON and Loki bodies).
linear('parseOtlpJson, blank lines', (n) => rep('\n', n) + '{}', parseOtlpJson);
linear('parseOtlpJson, many batches', (n) => rep('{}\n', n), parseOtlpJson);
linear('camelizeKeys, a long snake_case key', (n) => rep('a_b', n), (t) => camelizeKeys({ [t]: 1 }));
linear('parseLabels, a long value', (n) => '{a="' + rep('x', n) + '"}', parseLabels);
linear('parseLabels, escapes', (n) => '{a="' + rep('\\n', n) + '"}', parseLabels);
linear('parseLabels, many labels', (n) => '{' + rep('a="b",', n) + 'c="d"}', parseLabels);
linear('parseLabels, blanks', (n) => '{' + rep(' ', n) + '}', parseLabels);
linear('parseLabels, unclosed value', (n) => '{a="' + rep('\\x41', n), parseLabels);
linear('mapPushJson, many entries', (n) => JSON.stringify({ streams: [{ stream: { job: 'a' }, values: Array.from({ length: Math.floor(n / 40) }, () => ['1700000000000000000', 'line']) }] }), (t) => mapPushJson(JSON.parse(t)));

// Numbers in field values (log content: a JSON line's fields, attrs). `\d+\.?\d*` splits a run
// of digits every way before `$` fails, quadratic: one 60 KB value of digits and an `x` took
// 3.6 s in fieldNumber, which the block encoder runs on every string value when it compacts
// (the server's /healthz stalled 3.1 s, 30 s after the record arrived) and range filters run on
// every candidate row.
linear('fieldNumber, digits then a letter', (n) => rep('1', n) + 'x', fieldNumber);
linear('fieldNumber, digits then a dot and a letter', (n) => rep('1', n) + '.x', fieldNumber);
linear('fieldNumber, digits, an exponent, digits, a letter', (n) => rep('1', n / 2) + 'e' + rep('1', n / 2) + 'x', fieldNumber);
linear('textToBase, digits then a letter (durations and sizes)', (n) => rep('1', n) + 'x', (t) => [textToBase(t, true), textToBase(t, false), textToBase(`${t}ms`, true), textToBase(`${t} KiB`, false)]);
linear('the query parser, a long number', (n) => 'a>' + rep('1', Math.min(n, 1000)) + 'x', (t) => parseQuery(t));

// The dashboard's highlighter (in the reader's browser, for every row drawn): a phrase tried at
// each token position cost tokens × phrase length (203 ms per 256 KiB row for a 500-word phrase,
// a query a shared link can carry); Knuth–Morris–Pratt over the tokens, as the server's search.
{
  const phrase = parseHighlight(`"${'a '.repeat(500)}b"`);
  const prefixed = parseHighlight(`"${'a '.repeat(500)}b*"`);
  linear('findMatches (dashboard highlight), a long phrase in a line of its first word', (n) => rep('a ', n), (t) => findMatches(t, phrase));
  linear('findMatches (dashboard highlight), a long prefix phrase', (n) => rep('a ', n), (t) => findMatches(t, prefixed));
}

// The collector: a line that arrives a byte at a time (a writer that trickles a long line, a
// progress bar) waits in a carry buffer; concatenating onto it copied the whole carry on every
// read, quadratic up to the line limit (7.2 s for 256 KiB one byte a read).
linear('LineSplitter, a long line arriving one byte a read', (n) => rep('a', n), (t: string) => {
  const splitter = new LineSplitter(256 * 1024, { beginChunk() {}, line() {} });
  const bytes = Buffer.from(t, 'latin1');
  for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1), 1, i);
  splitter.push(Buffer.from('\n'), 1, bytes.length);
});

// Snappy (Loki protobuf pushes): the decoder runs every copy a block holds whatever length the
// block declares, so a block declaring 1 byte and carrying 64-byte copies (3 bytes each as sent)
// cost 85-104 ms per MiB and was taken as valid. The operations are now walked first.
{
  const lying = (size: number) => {
    const copies = Buffer.alloc(Math.floor(size / 3) * 3);
    for (let i = 0; i < copies.length; i += 3) copies.set([0xfe, 0x01, 0x00], i);
    return Buffer.concat([Buffer.from([0x01, 0x00, 0x41]), copies]);
  };
  linear('uncompressSnappy, a block declaring 1 byte that copies on and on', (n) => 'x'.repeat(n), (b: Buffer) => uncompressSnappy(b, 16 * 1024 * 1024), (t) => lying(t.length), SCAN);
  test('uncompressSnappy refuses a block whose operations write more or less than it declares, and keeps honest ones', async () => {
    const snappy = (await import('snappyjs')).default;
    assert.throws(() => uncompressSnappy(lying(300), 1 << 20), /LP_ERR_INVALID_ENCODING|not a valid snappy block/);
    const honest = Buffer.from(snappy.compress(Buffer.from('abcabcabcabc'.repeat(1000))));
    assert.equal(uncompressSnappy(honest, 1 << 20).toString(), 'abcabcabcabc'.repeat(1000));
    const short = Buffer.from(honest);
    short[0] += 1; // declares one byte more than it writes
    assert.throws(() => uncompressSnappy(short, 1 << 20), /not a valid snappy block/);
    assert.throws(() => uncompressSnappy(Buffer.from([0x80, 0x80, 0x80, 0x40, 0x00]), 1 << 20), /larger than/);
    for (let len = 0; len < 70000; len += 9973) {
      const data = Buffer.from(Array.from({ length: len }, (_, i) => (i * 7919) % 251));
      assert.ok(uncompressSnappy(Buffer.from(snappy.compress(data)), 1 << 20).equals(data), `length ${len}`);
    }
  });
}

test('the linear rewrites keep the old answers', () => {
  assert.equal(trimTrailingNewlines('a\r\n\n\r\n'), 'a');
  assert.equal(trimTrailingNewlines('\n\n'), '');
  assert.deepEqual(parseNdjson(`\n\n${REC}\r\n\r\n${REC}\n\n`), [{ message: 'x' }, { message: 'x' }]);
  assert.equal(looksLikeNdjson('{"a":1}\n{"b":2}'), true);
  assert.equal(looksLikeNdjson('{"a":1} \r\n\t {"b":2}'), true);
  assert.equal(looksLikeNdjson('{"a":1} {"b":2}'), false);
  assert.equal(looksLikeNdjson('{"a":1}\nx{"b":2}'), false);
  assert.deepEqual(splitTextLines('a\nb\r\n'), ['a', 'b']);
  assert.deepEqual(splitTextLines('a\n\n'), ['a', '']);
  assert.deepEqual(splitTextLines(''), []);
  assert.deepEqual(splitAuthorization('  Bearer  tok en  '), { scheme: 'Bearer', credentials: 'tok en' });
  assert.equal(splitAuthorization('Bearer'), undefined);
  assert.equal(splitAuthorization('Bearer:x'), undefined);
  assert.equal(splitAuthorization(''), undefined);
  const t = (q: string) => parseSearch(q)[0];
  assert.equal(termMatches(t('"a a b"'), tokenize('a a a b')), true);
  assert.equal(termMatches(t('"a b a c"'), tokenize('a b a b a c')), true);
  assert.equal(termMatches(t('"a b a c"'), tokenize('a b a b a d')), false);
  assert.equal(termMatches(t('"a a con*"'), tokenize('a a a connect')), true);
  assert.equal(termMatches(t('"a a con*"'), tokenize('a a x connect')), false);
  assert.equal(termMatches(t('conn*'), tokenize('x connection')), true);
  assert.deepEqual(splitTerms('conn** x'), [{ text: 'conn', prefix: true }, { text: 'x', prefix: false }]);
  for (const [t, n] of [['1', 1], ['1.', 1], ['1.5', 1.5], ['.5', 0.5], ['-2e3', -2000], ['+1.5E-1', 0.15], ['1x', undefined], ['.', undefined], ['1.2.3', undefined], ['e5', undefined], ['', undefined]] as const) {
    assert.equal(fieldNumber(t), n, t);
  }
  assert.equal(textToBase('1.5s', true), 1.5e9);
  const hl = (q: string, line: string) => findMatches(line, parseHighlight(q));
  assert.deepEqual(hl('"a a b"', 'a a a b a a b'), [[2, 7], [8, 13]]);
  assert.deepEqual(hl('"a a"', 'a a a'), [[0, 5]]);
  assert.deepEqual(hl('con*', 'x connect conn co'), [[2, 9], [10, 14]]);
  assert.deepEqual(hl('"a con*"', 'a connect a x a con'), [[0, 9], [14, 19]]);
  assert.deepEqual(hl('"b a b a c"', 'b a b a b a c'), [[4, 13]]);
  assert.equal(textToBase('2KiB', false), 2048);
});

test('camelizeKeys renames as before', () => {
  for (const k of ['time_unix_nano', 'a__b', 'a_', '_x', 'a_B', '__', 'plain', 'a_1_b']) {
    assert.deepEqual(Object.keys(camelizeKeys({ [k]: 1 }) as object), [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())], k);
  }
});

// Needles chosen by the reader against lines chosen by a writer: a search word, a `~"…"`
// substring or a regex's literal of ~1,000 characters that almost matches everywhere in lines
// of one letter. SQLite's LIKE, String.includes and a literal RegExp each try the needle at
// every position (length × text: 2.6 s for 2 MiB of lines before), so prefilters look for a
// short prefix of the needle and the exact test is Knuth–Morris–Pratt for long needles.
{
  const near = (n: number) => 'a'.repeat(n) + 'b' + 'a'.repeat(n - 100);
  linear('includesText, a long needle that almost matches everywhere', (n) => rep('a', n), (t) => includesText(t, near(500)), undefined, SCAN);
  linear('compileSearch, a long substring query', (n) => rep('-', n), (t) => compileSearch({ q: '-'.repeat(500) + '+' + '-'.repeat(400) })!(t), undefined, SCAN);
  linear('compileSearch, a long word', (n) => rep('a', n), (t) => compileSearch({ q: near(500) })!(t), undefined, SCAN);
  linear('compileMessageScan, a long word', (n) => rep('a', n), (b: Buffer) => compileMessageScan({ q: near(500) })!(b, 0, b.length), (t) => Buffer.from(t, 'latin1'), SCAN);
  linear('payloadMayMatch, a long word', (n) => rep('a', n), (t) => payloadMayMatch(t, textNeedles({ q: near(500) })), undefined, SCAN);
  linear('compileRegex, a long literal', (n) => rep('a', n), (t) => compileRegex(near(450)).test(t), undefined, SCAN);
  {
    const matcher = compileQuery(parseQuery(`~"${near(500)}"`));
    linear('the query language, a long ~"substring"', (n) => rep('a', n), (t) => matcher({ ts: 0, level: 'info', source: 's', host: 'h', message: t, attrs: null }), undefined, SCAN);
  }
  const live = liveMatcher({ q: '-'.repeat(500) + '+' + '-'.repeat(400) })!;
  linear('the live tail, a long punctuation-only query', (n) => rep('-', n), (t) => live({ message: t } as never, () => []), undefined, SCAN);

  test('a server answers long almost-matching needles over 2 MiB of one-letter lines in linear time', async () => {
    const srv = await startServer();
    try {
      const line = 'a'.repeat(250 * 1024);
      const res = await postJson(`${srv.url}/api/v1/logs`, Array.from({ length: 8 }, () => ({ message: line, source: 'needles' })));
      assert.equal(res.status, 200, res.text);
      const queries = [
        near(500),
        `~"${near(500)}"`,
        `/${near(450)}/`,
        `/(?i)${'A'.repeat(900)}B/`,
      ];
      const seen: string[] = [];
      for (const q of queries) {
        const url = `${srv.url}/api/v1/logs?source=needles&q=${encodeURIComponent(q)}`;
        const t0 = performance.now();
        const r = await http(url);
        const ms = performance.now() - t0;
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json.logs, [], q.slice(0, 20));
        seen.push(`${q.slice(0, 12)}… ${ms.toFixed(0)} ms`);
        // 50 ms per MiB asked on a quiet machine; 2 MiB here, on a busy one: 750 ms (2.6 s before).
        assert.ok(ms < 750, `${q.slice(0, 20)}…: ${ms.toFixed(0)} ms over 2 MiB`);
      }
      console.log(`# long needles over 2 MiB: ${seen.join(', ')}`);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });
}
