import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogpipeError } from '../errors.js';
import type { Expr, FieldValue, Pipe, Query } from './ast.js';
import { parseQuery } from './parse.js';
// Patterns are checked by the regex engine once it is loaded (the server loads it with the
// query package; the dashboard after its first render): load it as they do.
import './regex.js';

// Trees without spans, built compactly; `strip` removes spans from what the parser returns.
type Bare = Record<string, unknown>;
const t = (text: string, prefix = false): Bare => ({ type: 'term', text, prefix });
const v = (text: string, prefix = false): FieldValue => ({ text, prefix });
const f = (field: string, ...values: FieldValue[]): Bare => ({ type: 'field', field, values });
const ex = (field: string): Bare => ({ type: 'exists', field });
const cmp = (field: string, op: string, value: number, unit?: string): Bare => (unit ? { type: 'compare', field, op, value, unit } : { type: 'compare', field, op, value });
const sub = (text: string): Bare => ({ type: 'substring', text });
const re = (source: string): Bare => ({ type: 'regex', source });
const and = (...children: Bare[]): Bare => ({ type: 'and', children });
const or = (...children: Bare[]): Bare => ({ type: 'or', children });
const not = (child: Bare): Bare => ({ type: 'not', child });

function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(x)) if (k !== 'span') out[k] = strip(val);
  return out;
}

const TREES: Array<[string, Bare | null, Bare | null]> = [
  // today's syntax: words, phrases, prefixes, unclosed quote
  ['disk  full', and(t('disk'), t('full')), null],
  ['"disk full" conn*', and(t('disk full'), t('conn', true)), null],
  ['"upstream err"*', t('upstream err', true), null],
  ['a "b c', and(t('a'), t('b c')), null],
  ['x"y"', and(t('x'), t('y')), null],
  ['error_count=0', t('error_count=0'), null],
  ['NEAR(a b)', and(t('NEAR(a'), t('b)')), null],
  // tokenless words are dropped as today's search drops them; all-punctuation is a substring
  ['error !!!', t('error'), null],
  ['->', sub('->'), null],
  ['~', sub('~'), null],
  [' :) ', sub(':)'), null],
  ['((((', sub('(((('), null],
  // boolean structure and precedence NOT > AND > OR
  ['billing OR auth', or(t('billing'), t('auth')), null],
  ['billing -timeout', and(t('billing'), not(t('timeout'))), null],
  ['billing NOT timeout', and(t('billing'), not(t('timeout'))), null],
  ['a b OR c d', or(and(t('a'), t('b')), and(t('c'), t('d'))), null],
  ['a AND b OR c', or(and(t('a'), t('b')), t('c')), null],
  ['a (b OR c)', and(t('a'), or(t('b'), t('c'))), null],
  ['NOT a OR b', or(not(t('a')), t('b')), null],
  ['-(a OR b) c', and(not(or(t('a'), t('b'))), t('c')), null],
  ['NOT NOT a', not(not(t('a'))), null],
  ['(a OR b) OR c', or(t('a'), t('b'), t('c')), null],
  ['a (b c)', and(t('a'), t('b'), t('c')), null],
  ['a or b and not c', and(t('a'), t('or'), t('b'), t('and'), t('not'), t('c')), null],
  ['--verbose - x', and(t('--verbose'), t('x')), null],
  ['f(x) (g(y) OR z)', and(t('f(x)'), or(t('g(y)'), t('z'))), null],
  // fields
  ['status:503', f('status', v('503')), null],
  ['http.status:503 k8s.pod.name:api-*', and(f('http.status', v('503')), f('k8s.pod.name', v('api-', true))), null],
  ['msg:"a phrase"', f('msg', v('a phrase')), null],
  ['msg:"say \\"hi\\""*', f('msg', v('say "hi"', true)), null],
  ['user.id:*', ex('user.id'), null],
  ['-user.id:*', not(ex('user.id')), null],
  ['-status:500', not(f('status', v('500'))), null],
  ['level:error,fatal', f('level', v('error'), v('fatal')), null],
  ['level:WARNING,err', f('level', v('warn'), v('error')), null],
  ['level:E*', f('level', v('e', true)), null],
  ['source:api,"web app" host:web-*', and(f('source', v('api'), v('web app')), f('host', v('web-', true))), null],
  ['app.kubernetes.io/name:api', f('app.kubernetes.io/name', v('api')), null],
  ['x-request-id:8706c4fb', f('x-request-id', v('8706c4fb')), null],
  ['url:http://x/a?b=c', f('url', v('http://x/a?b=c')), null],
  ['host:fe80::1', f('host', v('fe80::1')), null],
  ['message:timeout', t('timeout'), null],
  ['message:a,b*', or(t('a'), t('b', true)), null],
  ['(status:500)', f('status', v('500')), null],
  ['temp:-5', f('temp', v('-5')), null],
  // comparisons, durations and sizes
  ['status:>=500', cmp('status', '>=', 500), null],
  ['latency:<0.25', cmp('latency', '<', 0.25), null],
  ['delta:>-1e3', cmp('delta', '>', -1000), null],
  ['duration:>250ms', cmp('duration', '>', 250, 'ms'), null],
  ['took:<=1.5s wait:<2µs', and(cmp('took', '<=', 1.5, 's'), cmp('wait', '<', 2, 'µs')), null],
  ['wait:<2\u03bcs', cmp('wait', '<', 2, 'µs'), null],
  ['bytes:>10KB size:<2mib', and(cmp('bytes', '>', 10, 'KB'), cmp('size', '<', 2, 'MiB')), null],
  // paste-friendly: URLs, times, IPv6 and paths are words
  ['http://example.com/a', t('http://example.com/a'), null],
  ['12:30:45 [::1]:80', and(t('12:30:45'), t('[::1]:80')), null],
  ['/api/v1/orders', t('/api/v1/orders'), null],
  ['"ERROR:root:boom"', t('ERROR:root:boom'), null],
  // substring and regex
  ['~"ECONN"', sub('ECONN'), null],
  ['~ECONN -~"refused"', and(sub('ECONN'), not(sub('refused'))), null],
  ['/api\\/v1\\/orders\\/\\d+/', re('api/v1/orders/\\d+'), null],
  ['/a b/ c', and(re('a b'), t('c')), null],
  ['(/x|y/)', re('x|y'), null],
  ['/(?i)timeout/ OR /x/', or(re('(?i)timeout'), re('x')), null],
  // pipes
  ['| stats count()', null, { type: 'stats', by: [] }],
  ['error | stats count() by (source, http.status) limit 5', t('error'), { type: 'stats', by: ['source', 'http.status'], limit: 5 }],
  ['| STATS count ( ) by level', null, { type: 'stats', by: ['level'] }],
  ['level:error | top 5 source', f('level', v('error')), { type: 'top', n: 5, field: 'source' }],
  ['| top http.route', null, { type: 'top', n: 10, field: 'http.route' }],
  ['', null, null],
  ['   ', null, null],
];

test('parse table: each input gives its tree (spans aside)', () => {
  for (const [input, filter, pipe] of TREES) {
    const got = strip(parseQuery(input)) as Query;
    assert.deepEqual(got, { filter, pipe }, `for ${JSON.stringify(input)}`);
  }
});

test('spans point at the text each node was written as', () => {
  const q = 'level:error (a OR "b c"*) -status:>=500 | top 3 source';
  const tree = parseQuery(q);
  const texts: string[] = [];
  const walk = (e: Expr) => {
    texts.push(q.slice(e.span.start, e.span.end));
    if (e.type === 'and' || e.type === 'or') e.children.forEach(walk);
    if (e.type === 'not') walk(e.child);
  };
  walk(tree.filter!);
  assert.deepEqual(texts, ['level:error (a OR "b c"*) -status:>=500', 'level:error', 'a OR "b c"*', 'a', '"b c"*', '-status:>=500', 'status:>=500']);
  const pipe = tree.pipe as Pipe;
  assert.equal(q.slice(pipe.span.start, pipe.span.end), '| top 3 source');
});

const ERRORS: Array<[string, number, RegExp]> = [
  ['status:', 8, /expected a value after `status:`/],
  ['Error: connection refused', 7, /expected a value after `Error:`.*quote it/],
  ['(status: 500)', 9, /expected a value after `status:`/],
  ['(a', 1, /missing `\)` to close the `\(`/],
  ['a (b (c) d', 3, /missing `\)`/],
  ['a ()', 3, /empty parentheses/],
  ['OR a', 1, /expected a term before `OR`/],
  ['a OR', 5, /expected a term after `OR`/],
  ['a OR OR b', 6, /expected a term after `OR`/],
  ['(a OR) b', 6, /expected a term after `OR`/],
  ['AND a', 1, /expected a term before `AND`/],
  ['a AND', 6, /expected a term after `AND`/],
  ['a NOT', 6, /expected a term after `NOT`/],
  ['-OR a', 2, /expected a term after `-`/],
  ['status:>', 9, /expected a number after `status:>`/],
  ['status:>=abc', 10, /expected a number after `status:>=`/],
  ['duration:>5parsecs', 12, /unknown unit `parsecs`/],
  ['status:>5,6', 10, /unexpected `,6` after the number/],
  ['level:>warn', 7, /`level:` takes level names/],
  ['host:>3', 6, /`host:` holds text and cannot be compared/],
  ['level:bogus', 7, /unknown level `bogus`/],
  ['level:z*', 7, /no level starts with `z`/],
  ['status:500,', 12, /expected a value after `,`/],
  ['status:500,,503', 12, /expected a value after `,`/],
  ['tags:**', 6, /a value cannot be only `\*`/],
  ['status:(500 OR 503)', 8, /`status:\(…\)` is not supported.*status:a,b/],
  ['error ~', 8, /expected text after `~`/],
  ['a ~ b', 4, /expected text after `~`/],
  ['/(a/', 1, /invalid regular expression at column 1: missing closing \)/],
  ['x /a(?<=b)/', 3, /invalid regular expression/],
  ['/\\1/', 1, /invalid regular expression/],
  ['/a{600}/ /b{600}/', 10, /regular expression at column 10 is too large/],
  ['a | count', 3, /expected `stats` or `top` after `\|`/],
  ['a || b', 3, /expected `stats` or `top`/],
  ['| stats', 8, /expected `count\(\)` after `stats`/],
  ['| stats count() by', 19, /expected a field name after `by`/],
  ['| stats count() by (a b)', 23, /expected `,` or `\)` in the `by` list/],
  ['| stats count() limit 0', 23, /`limit` takes a whole number from 1 to 10000/],
  ['| stats count() limit 99999', 23, /`limit` takes a whole number/],
  ['| top 0 source', 7, /`top` takes a whole number/],
  ['| top 5', 8, /expected a field name after `top`/],
  ['| top 5 source extra', 16, /unexpected `extra`/],
  ['| stats count() | top 3 x', 17, /only one `\|` pipe/],
  ['(a | top 3 x)', 4, /pipe must come after the whole query, outside parentheses/],
  ['a'.repeat(1025), 1025, /longer than 1024 characters/],
  ['('.repeat(65) + 'a' + ')'.repeat(65), 65, /deeper than 64 levels/],
  ['NOT '.repeat(65) + 'a', 257, /deeper than 64 levels/],
];

test('error table: each bad query is LP_ERR_QUERY (400) naming the column in the message and in details', () => {
  for (const [input, column, message] of ERRORS) {
    assert.throws(() => parseQuery(input), (e: unknown) => {
      assert.ok(e instanceof LogpipeError, `${JSON.stringify(input)} threw ${String(e)}`);
      assert.equal(e.code, 'LP_ERR_QUERY');
      assert.equal(e.statusCode, 400);
      assert.match(e.message, message, `message for ${JSON.stringify(input)}`);
      assert.equal((e.details as { column: number }).column, column, `column for ${JSON.stringify(input)}: ${e.message}`);
      if (input.length <= 1024) assert.ok(e.message.includes(`column ${column}`), `message names the column: ${e.message}`);
      return true;
    }, `${JSON.stringify(input)} parsed`);
  }
});
