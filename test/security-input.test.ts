// Hostile input that is valid enough to store or to search: it is kept as text, byte for byte
// where JSON allows, and searching for it is never an error. Cursors and numbers the server
// never issued get clear 400s. (test/fuzz.test.ts throws thousands of random variants at the
// same surface; these are the named cases.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from './helpers/server.js';
import { http, postJson } from './helpers/http.js';

let srv: ServerHandle;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
  srv.cleanup();
});

const HOSTILE = [
  '<script>alert(1)</script><img src=x onerror=alert(2)>',
  '\u001b[31mred\u001b[0m \u001b]0;window title\u0007 \u001b[2J',
  "'; DROP TABLE logs; -- \" OR 1=1 -- %_\\",
  'NEAR(a b) AND "unterminated OR title:x ^start *',
  '\u202eevil\u202c \ufeffBOM \u2028line sep\u2029',
  '😀 emoji and ünïcödé',
  'tab\there and\rCR',
];

test('hostile text is stored as text and comes back unchanged (NUL becomes U+FFFD, invalid UTF-8 becomes U+FFFD, terminal escapes are removed)', async () => {
  const source = 'hostile-text';
  const res = await postJson(`${srv.url}/api/v1/logs`, HOSTILE.map((message) => ({ message, source, attrs: { html: message } })));
  assert.equal(res.status, 200, res.text);
  const nul = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'nul\u0000byte', source }]);
  assert.equal(nul.status, 200);
  const raw = Buffer.concat([Buffer.from(`[{"source":"${source}","message":"bad `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' utf8"}]')]);
  assert.equal((await http(`${srv.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw })).status, 200);
  const page = await http(`${srv.url}/api/v1/logs?source=${source}&order=asc&limit=100`);
  const messages: string[] = page.json.logs.map((r: { message: string }) => r.message);
  // Terminal escape sequences are the one thing removed from a stored message (issue 14): colour
  // codes, a window title, a screen clear. The attrs a client sends are its own and kept as sent.
  const stored = HOSTILE.map((m) => (m.startsWith('\u001b[31m') ? 'red  ' : m));
  assert.deepEqual(messages.slice(0, HOSTILE.length), stored);
  assert.deepEqual(page.json.logs.slice(0, HOSTILE.length).map((r: { attrs: { html: string } }) => r.attrs.html), HOSTILE);
  assert.equal(messages[HOSTILE.length], 'nul\ufffdbyte');
  assert.match(messages[HOSTILE.length + 1], /^bad \ufffd+ utf8$/);
  // The export formats keep it as data too.
  const csv = await http(`${srv.url}/api/v1/logs/export?format=csv&source=${source}`);
  assert.ok(csv.text.includes('"\'; DROP TABLE logs; -- "" OR 1=1 -- %_\\"'), 'CSV quotes fields');
  assert.match(csv.headers.get('content-disposition') ?? '', /^attachment;/);
});

test('search text full of FTS syntax and SQL metacharacters is answered, or refused as LP_ERR_QUERY with its column, never another error, and finds literal text', async () => {
  const source = 'hostile-search';
  await postJson(`${srv.url}/api/v1/logs`, [{ message: 'user said "DROP TABLE" near(x) at 50% load', source }]);
  const queries = ['"', '""', '*', 'a*b*', '(', ')', 'NEAR(', 'AND', 'OR NOT', '^', 'col:val', "'", "'; DROP TABLE logs; --", '%', '_', '\\', '\u0000', '\u001b[31m', '-', '+', '{}', '[]', 'message:', 'x'.repeat(1024)];
  for (const q of queries) {
    // The query language refuses what it cannot parse (`AND` alone, an open parenthesis) with
    // the column; everything else is searched.
    const res = await http(`${srv.url}/api/v1/logs?q=${encodeURIComponent(q)}&source=${source}`);
    const h = await http(`${srv.url}/api/v1/histogram?q=${encodeURIComponent(q)}`);
    for (const [what, r] of [['logs', res], ['histogram', h]] as const) {
      const label = `${what} q=${JSON.stringify(q.slice(0, 20))}: ${r.text.slice(0, 200)}`;
      if (r.status === 400) {
        assert.equal(r.json.error, 'LP_ERR_QUERY', label);
        assert.equal(typeof r.json.details.column, 'number', label);
      } else assert.equal(r.status, 200, label);
    }
  }
  for (const q of ['DROP TABLE', '"DROP TABLE"', 'near(x)', '50%']) {
    const res = await http(`${srv.url}/api/v1/logs?q=${encodeURIComponent(q)}&source=${source}`);
    assert.equal(res.json.logs.length, 1, `q=${q} finds the literal text`);
  }
  const long = await http(`${srv.url}/api/v1/logs?q=${'y'.repeat(1025)}`);
  assert.equal(long.status, 400);
  assert.equal(long.json.error, 'LP_ERR_INVALID_QUERY');
});

test('cursors, ids and numbers the server never issued get clear 400s', async () => {
  const forged = [
    'garbage', 'YXNjLjE', Buffer.from('asc.-1').toString('base64url'), Buffer.from('sideways.5').toString('base64url'),
    Buffer.from('asc.99999999999999999').toString('base64url'), Buffer.from('asc.1 OR 1=1').toString('base64url'), 'a'.repeat(100), '../../etc', '%00',
  ];
  for (const cursor of forged) {
    const res = await http(`${srv.url}/api/v1/logs?cursor=${encodeURIComponent(cursor)}`);
    if (cursor === 'YXNjLjE') {
      // "asc.1" is a well-formed cursor: following it is allowed even if we did not hand it out.
      assert.equal(res.status, 200);
      continue;
    }
    assert.equal(res.status, 400, `cursor ${cursor}: ${res.text}`);
    assert.equal(res.json.error, 'LP_ERR_INVALID_CURSOR');
    assert.match(res.json.message, /not issued by this server/);
  }
  const cases: [string, string][] = [
    ['/api/v1/logs?limit=99999999999999999999', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?limit=1e3', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?from=1e400', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?from=-5', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?to=99999999999999999999999', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?from=+275760-09-13T00:00:00.000Z', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?from=2&to=1', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs?order=sideways', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/histogram?buckets=100000', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs/99999999999999999999', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs/1e5/context', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs/1/context?before=100000', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs/export?format=xlsx', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/tail?after=-1', 'LP_ERR_INVALID_QUERY'],
    ['/api/v1/logs/123456789012345', 'LP_ERR_NOT_FOUND'],
  ];
  for (const [path, code] of cases) {
    const res = await http(srv.url + path);
    assert.equal(res.json?.error, code, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
  }
  const tail = await http(`${srv.url}/api/v1/tail`, { headers: { 'last-event-id': '1; DROP TABLE logs' } });
  assert.equal(tail.status, 400);
});

test('records with out-of-range or wrongly typed fields are rejected naming the record and the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ message: 'x', ts: 1e300 }, /ts .* out of range/],
    [{ message: 'x', ts: -1 }, /out of range/],
    [{ message: 'x', ts: '+275760-09-13T00:00:00.000Z' }, /ts/],
    [{ message: 'x', ts: 'Nov 31 25:61:61' }, /ts/],
    [{ message: 'x', ts: [1] }, /ts must be/],
    [{ message: 'x', level: 5 }, /level must be a string/],
    [{ message: 'x', source: { a: 1 } }, /source must be a string/],
    [{ message: 'x', source: 's'.repeat(300) }, /source is longer/],
    [{ message: 'x', host: 1 }, /host must be a string/],
    [{ message: 'x', attrs: [1, 2] }, /attrs must be a JSON object/],
    [{ message: 'x', attrs: 'a=1' }, /attrs must be a JSON object/],
    [{ message: 'x', stream: 's', offset: 1.5 }, /offset must be a non-negative integer/],
    [{ message: 'x', stream: 's', offset: 2 ** 60 }, /offset must be a non-negative integer/],
    [{ message: 'x', stream: 5, offset: 1 }, /stream must be/],
    [{ message: ['x'] }, /message must be a string/],
    [{}, /message is missing/],
    [null, /must be a JSON object/],
  ];
  for (const [rec, why] of cases) {
    const res = await postJson(`${srv.url}/api/v1/logs`, [{ message: 'fine' }, rec]);
    assert.equal(res.status, 400, `${JSON.stringify(rec)?.slice(0, 60)}: ${res.text}`);
    assert.equal(res.json.error, 'LP_ERR_INVALID_RECORD');
    assert.match(res.json.message, /^Record 1: /);
    assert.match(res.json.message, why);
    assert.equal(res.json.details.index, 1);
  }
});
