import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VIEW, filterParams, formatViewState, parseViewState, parseViewStateNoting, type ViewState } from './viewState.js';

test('views round-trip through the query string', () => {
  const views: ViewState[] = [
    DEFAULT_VIEW,
    { q: 'timeout "reset by peer" conn*', levels: ['warn', 'error'], sources: ['api', 'db,x'].slice(0, 1), hosts: ['h1'], range: { kind: 'quick', key: '15m' } },
    { q: '<script>&amp;', levels: ['fatal'], sources: ['a', 'b'], hosts: ['h 2', 'h1'], range: { kind: 'absolute', from: 1764300000123, to: 1764303600456 } },
    { q: '', levels: [], sources: [], hosts: [], range: { kind: 'quick', key: 'all' } },
  ];
  for (const v of views) assert.deepEqual(parseViewState(formatViewState(v)), v);
});

test('the default view is an empty query string', () => {
  assert.equal(formatViewState(DEFAULT_VIEW), '');
  assert.deepEqual(parseViewState(''), DEFAULT_VIEW);
});

test('levels are normalised: order, unknown names, all-selected means none', () => {
  assert.deepEqual(parseViewState('?level=error,bogus,info').levels, ['info', 'error']);
  assert.deepEqual(parseViewState('level=trace,debug,info,warn,error,fatal,unknown').levels, []);
  assert.equal(formatViewState({ ...DEFAULT_VIEW, levels: ['error', 'info'] }), 'level=info%2Cerror');
});

test('bad ranges fall back to the default, ms and ISO bounds both parse', () => {
  assert.deepEqual(parseViewState('range=99y').range, DEFAULT_VIEW.range);
  assert.deepEqual(parseViewState('from=20&to=10').range, DEFAULT_VIEW.range);
  assert.deepEqual(parseViewState('from=1000&to=2000').range, { kind: 'absolute', from: 1000, to: 2000 });
  assert.deepEqual(parseViewState('from=1970-01-01T00:00:01.000Z&to=1970-01-01T00:00:02Z').range, { kind: 'absolute', from: 1000, to: 2000 });
});

test('filter parameters carry q, level and source', () => {
  const v: ViewState = { q: ' disk ', levels: ['error'], sources: ['a', 'b'], hosts: [], range: DEFAULT_VIEW.range };
  assert.equal(filterParams(v).toString(), 'q=disk&level=error&source=a%2Cb');
  assert.equal(filterParams(v, { levels: false }).toString(), 'q=disk&source=a%2Cb');
});

test('a link whose range or search cannot be used says what was ignored', () => {
  const reversed = parseViewStateNoting('from=2026-11-28T05:00:00Z&to=2026-11-28T04:00:00Z');
  assert.deepEqual(reversed.view.range, { kind: 'quick', key: '1h' });
  assert.match(reversed.ignored[0], /ends before it starts; showing the last hour instead/);
  assert.match(parseViewStateNoting('from=yesterday&to=now').ignored[0], /not two valid times/);
  const long = parseViewStateNoting(`q=${'a'.repeat(1100)}`);
  assert.equal(long.view.q.length, 1024);
  assert.match(long.ignored[0], /cut to 1024 characters/);
  assert.deepEqual(parseViewStateNoting('range=6h&q=ok').ignored, []);
});

test('hosts round-trip through the URL; several become a host: clause before any pipe', async () => {
  const { queryWithHosts } = await import('./viewState.js');
  const v = parseViewState('host=web-2,web-1&q=a');
  assert.deepEqual(v.hosts, ['web-1', 'web-2']);
  assert.equal(formatViewState(v), 'q=a&host=web-1%2Cweb-2');
  assert.equal(filterParams({ ...v, hosts: ['web-1'] }).get('host'), 'web-1');
  assert.equal(filterParams(v).get('host'), null);
  assert.equal(queryWithHosts('a OR b', ['x', 'y z']), '(a OR b) host:x,"y z"');
  assert.equal(queryWithHosts('a | top 5 host', ['x', 'y']), '(a) host:x,y | top 5 host');
  assert.equal(queryWithHosts('', ['x', 'y']), 'host:x,y');
  assert.equal(queryWithHosts('a (', ['x', 'y']), 'a (');
});

test('the histogram split goes into the URL but not into the list key', async () => {
  const { listKey } = await import('./viewState.js');
  const v = parseViewState('split=http.status&q=a');
  assert.equal(v.split, 'http.status');
  assert.equal(formatViewState(v), 'q=a&split=http.status');
  assert.equal(listKey(v), 'q=a');
  assert.equal(parseViewState('split=level').split, undefined);
  assert.equal(parseViewState('split=%3Cscript%3E').split, undefined);
});
