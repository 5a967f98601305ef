// End-to-end tests of the server's HTTP API against a real `logpipe server` process with a
// real SQLite file in a temporary directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startServer, type ServerHandle } from './helpers/server.js';
import { http } from './helpers/http.js';

let srv: ServerHandle;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await http(srv.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  return { status: res.status, body: res.json ?? res.text, headers: res.headers };
}

async function get(path: string) {
  const res = await http(srv.url + path);
  return { status: res.status, body: res.json ?? res.text, headers: res.headers };
}

before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
  srv.cleanup();
});

describe('prototype contract', () => {
  test('POST /logs answers exactly as the prototype and GET /logs returns message strings oldest first', async () => {
    const payload = [
      { message: '2026-06-26 09:48:00.000 - Log 1' },
      { message: '2026-06-26 09:48:01.000 - [WARN]: Connection latency is high' },
    ];
    const res = await post('/logs', payload);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'success', inserted: 2 });
    const list = await get('/logs');
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body));
    const tail = list.body.slice(-2);
    assert.deepEqual(tail, payload.map((p) => p.message));
    const bounded = await get('/logs?limit=1');
    assert.deepEqual(bounded.body, [payload[1].message]);
  });
});

describe('native ingest and query', () => {
  const source = 'filters-' + Date.now();
  const base = Date.UTC(2026, 0, 1, 12, 0, 0);
  let ids: number[] = [];

  test('ingests a JSON array with explicit fields and parses the rest from the line', async () => {
    const records = [
      { message: 'user login ok alpha', level: 'info', ts: base, source, host: 'web-1', attrs: { user: 'ann' } },
      { message: 'disk nearly full bravo', level: 'warn', ts: base + 1000, source, host: 'web-2' },
      { message: 'payment failed charlie', level: 'error', ts: base + 2000, source, host: 'web-1' },
      { message: '2026-01-01 12:00:03.000 - [ERROR]: database timeout delta', source },
      { message: '2026-01-01 12:00:04.500 - [DEBUG]: cache miss echo', source },
    ];
    const res = await post('/api/v1/logs', records);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { accepted: 5, duplicates: 0 });
    const page = await get(`/api/v1/logs?source=${source}&order=asc&limit=10`);
    assert.equal(page.body.logs.length, 5);
    ids = page.body.logs.map((r: any) => r.id);
    const [a, , , d, e] = page.body.logs;
    assert.equal(a.level, 'info');
    assert.equal(a.ts, base);
    assert.equal(a.host, 'web-1');
    assert.deepEqual(a.attrs, { user: 'ann' });
    assert.equal(d.level, 'error');
    assert.equal(d.ts, new Date(2026, 0, 1, 12, 0, 3).getTime());
    assert.equal(d.message, records[3].message, 'the line is stored as written');
    assert.equal(e.level, 'debug');
  });

  test('filters by level list, host, time range and full text', async () => {
    const lv = await get(`/api/v1/logs?source=${source}&level=error,warn`);
    assert.deepEqual(lv.body.logs.map((r: any) => r.level).sort(), ['error', 'error', 'warn']);
    const host = await get(`/api/v1/logs?source=${source}&host=web-1`);
    assert.equal(host.body.logs.length, 2);
    const range = await get(`/api/v1/logs?source=${source}&from=${base + 1000}&to=${new Date(base + 2500).toISOString()}`);
    assert.deepEqual(range.body.logs.map((r: any) => r.message).sort(), ['disk nearly full bravo', 'payment failed charlie']);
    const q = await get(`/api/v1/logs?q=charlie`);
    assert.equal(q.body.logs.length, 1);
    assert.equal(q.body.logs[0].message, 'payment failed charlie');
    const phrase = await get(`/api/v1/logs?q=${encodeURIComponent('"database timeout"')}`);
    assert.equal(phrase.body.logs.length, 1);
    const prefix = await get(`/api/v1/logs?q=${encodeURIComponent('brav*')}&source=${source}`);
    assert.equal(prefix.body.logs.length, 1);
    const none = await get(`/api/v1/logs?q=${encodeURIComponent('"timeout database"')}`);
    assert.equal(none.body.logs.length, 0);
  });

  test('hostile search text gets results or 400 LP_ERR_QUERY with its column, never another error', async () => {
    for (const q of ['"', '*', 'NEAR(', 'AND OR NOT', "'; DROP TABLE logs; --", 'message:foo', '^', '((((', '""""', '-', 'a"b*c', '🙂', 'x'.repeat(1000)]) {
      const res = await get(`/api/v1/logs?q=${encodeURIComponent(q)}`);
      if (res.status === 400) {
        assert.equal(res.body.error, 'LP_ERR_QUERY', `q=${q}: ${JSON.stringify(res.body)}`);
        assert.equal(typeof res.body.details.column, 'number');
        continue;
      }
      assert.equal(res.status, 200, `q=${q}: ${JSON.stringify(res.body)}`);
      assert.ok(Array.isArray(res.body.logs));
    }
    const tooLong = await get(`/api/v1/logs?q=${'x'.repeat(5000)}`);
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error, 'LP_ERR_INVALID_QUERY');
  });

  test('cursor pagination walks both ways without overlap', async () => {
    const p1 = await get(`/api/v1/logs?source=${source}&limit=2`);
    assert.deepEqual(p1.body.logs.map((r: any) => r.id), [ids[4], ids[3]]);
    assert.ok(p1.body.nextCursor);
    assert.equal(p1.body.prevCursor, null);
    const p2 = await get(`/api/v1/logs?source=${source}&limit=2&cursor=${p1.body.nextCursor}`);
    assert.deepEqual(p2.body.logs.map((r: any) => r.id), [ids[2], ids[1]]);
    const p3 = await get(`/api/v1/logs?source=${source}&limit=2&cursor=${p2.body.nextCursor}`);
    assert.deepEqual(p3.body.logs.map((r: any) => r.id), [ids[0]]);
    assert.equal(p3.body.nextCursor, null);
    const back = await get(`/api/v1/logs?source=${source}&limit=2&cursor=${p3.body.prevCursor}`);
    assert.deepEqual(back.body.logs.map((r: any) => r.id), [ids[1], ids[2]]);
    const bad = await get(`/api/v1/logs?cursor=bm90LWEtY3Vyc29y`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'LP_ERR_INVALID_CURSOR');
  });

  test('context, one record, histogram and sources', async () => {
    const ctx = await get(`/api/v1/logs/${ids[2]}/context?before=1&after=1`);
    assert.equal(ctx.status, 200);
    assert.deepEqual(ctx.body.before.map((r: any) => r.id), [ids[1]]);
    assert.equal(ctx.body.record.id, ids[2]);
    assert.deepEqual(ctx.body.after.map((r: any) => r.id), [ids[3]]);
    const one = await get(`/api/v1/logs/${ids[0]}`);
    assert.equal(one.body.message, 'user login ok alpha');
    const missing = await get(`/api/v1/logs/99999999/context`);
    assert.equal(missing.status, 404);
    const h = await get(`/api/v1/histogram?source=${source}&from=${base}&to=${base + 10_000}&buckets=10`);
    assert.equal(h.status, 200);
    assert.equal(h.body.step, 1000);
    assert.equal(h.body.buckets.length, 10);
    assert.equal(h.body.counts.info[0], 1);
    assert.equal(h.body.counts.warn[1], 1);
    assert.equal(h.body.counts.error[2], 1);
    assert.equal(h.body.totals.error, 2);
    assert.equal(h.body.totals.debug, 1);
    // Up to which record the counts hold (a live page adds only lines above it).
    assert.ok(h.body.lastId >= Math.max(...ids), `lastId ${h.body.lastId}`);
    // Buckets the store aligns to whole minutes: the starts match the counts it returned.
    const odd = await get(`/api/v1/histogram?from=${base}&to=${base + 61 * 60_000}&buckets=60`);
    assert.equal(odd.status, 200);
    assert.equal(odd.body.buckets.length, odd.body.counts.info.length);
    assert.equal(odd.body.buckets[1] - odd.body.buckets[0], odd.body.step);
    const hl = await get(`/api/v1/histogram?source=${source}&from=${base}&to=${base + 10_000}&buckets=10&level=error`);
    assert.equal(hl.body.totals.info, 0);
    assert.equal(hl.body.totals.error, 2);
    const s = await get('/api/v1/sources');
    const mine = s.body.sources.find((x: any) => x.source === source);
    assert.equal(mine.count, 5);
  });

  test('export streams every matching line as NDJSON and CSV', async () => {
    const nd = await fetch(`${srv.url}/api/v1/logs/export?source=${source}&format=ndjson`);
    assert.equal(nd.status, 200);
    assert.match(nd.headers.get('content-disposition') ?? '', /attachment/);
    const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((r) => r.id), ids);
    const csv = await (await fetch(`${srv.url}/api/v1/logs/export?source=${source}&format=csv&level=error`)).text();
    const rows = csv.trim().split('\r\n');
    assert.equal(rows[0], 'id,time,level,source,host,message,attrs');
    assert.equal(rows.length, 3);
  });
});

describe('event-time order over HTTP', () => {
  const source = 'late-' + Date.now();
  const base = Date.UTC(2026, 0, 2, 12, 0, 0);

  test('a file imported late lands in its place in time: pages, cursors (both forms), export and context follow ts, ties by id', async () => {
    // Newer lines arrive first, then an old file (the 22:53 ERROR below 22:55 lines of the
    // issue), then a line sharing a timestamp with one already stored.
    const live = await post('/api/v1/logs', [0, 1, 2, 3].map((i) => ({ message: `live ${i}`, ts: base + 60_000 + i * 1000, source, host: 'h' })));
    assert.equal(live.status, 200);
    const old = await post('/api/v1/logs', [0, 1, 2].map((i) => ({ message: `imported ${i}`, ts: base + i * 1000, level: 'error', source, host: 'h' })));
    assert.equal(old.status, 200);
    const tie = await post('/api/v1/logs', [{ message: 'tie with live 1', ts: base + 61_000, source, host: 'h' }]);
    assert.equal(tie.status, 200);
    const all = (await get(`/api/v1/logs?source=${source}&limit=100&order=asc`)).body.logs;
    assert.deepEqual(all.map((r: any) => r.message), ['imported 0', 'imported 1', 'imported 2', 'live 0', 'live 1', 'tie with live 1', 'live 2', 'live 3']);
    // Newest first, three at a time, by the cursors the server hands out.
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 10; i++) {
      const page = await get(`/api/v1/logs?source=${source}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...page.body.logs.map((r: any) => r.message));
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    assert.deepEqual(seen, all.map((r: any) => r.message).reverse());
    // An id-only cursor (what a dashboard builds from a row it shows) continues from that row's time.
    const legacy = Buffer.from(`desc.${all[3].id}`).toString('base64url');
    const older = await get(`/api/v1/logs?source=${source}&limit=10&cursor=${legacy}`);
    assert.deepEqual(older.body.logs.map((r: any) => r.message), ['imported 2', 'imported 1', 'imported 0']);
    const gone = await get(`/api/v1/logs?cursor=${Buffer.from('desc.987654321').toString('base64url')}`);
    assert.equal(gone.status, 400);
    assert.equal(gone.body.error, 'LP_ERR_INVALID_CURSOR');
    const nd = await (await fetch(`${srv.url}/api/v1/logs/export?source=${source}&format=ndjson`)).text();
    assert.deepEqual(nd.trim().split('\n').map((l) => JSON.parse(l).message), all.map((r: any) => r.message));
    const ctx = await get(`/api/v1/logs/${all[3].id}/context?before=2&after=2`);
    assert.deepEqual(ctx.body.before.map((r: any) => r.message), ['imported 1', 'imported 2']);
    assert.deepEqual(ctx.body.after.map((r: any) => r.message), ['live 1', 'tie with live 1']);
    // The seed's GET /logs: the newest by time, oldest first.
    const seed = await get(`/logs?limit=2&from=${base}&to=${base + 120_000}`);
    assert.deepEqual(seed.body, ['live 2', 'live 3']);
  });

  test('before=<id> and after=<id> give the page strictly beside that record in (ts, id) order, for pages and export', async () => {
    const src = 'anchor-' + Date.now();
    // Arrival order differs from time order: the anchor's neighbours are found by ts, ties by id.
    await post('/api/v1/logs', [2, 3, 4].map((i) => ({ message: `m${i}`, ts: base + i * 1000, source: src })));
    await post('/api/v1/logs', [0, 1].map((i) => ({ message: `m${i}`, ts: base + i * 1000, source: src })));
    await post('/api/v1/logs', [{ message: 'm2b', ts: base + 2000, source: src }]);
    const all = (await get(`/api/v1/logs?source=${src}&order=asc`)).body.logs;
    assert.deepEqual(all.map((r: any) => r.message), ['m0', 'm1', 'm2', 'm2b', 'm3', 'm4']);
    const m2 = all[2].id;
    const older = await get(`/api/v1/logs?source=${src}&before=${m2}&limit=5`);
    assert.equal(older.status, 200);
    assert.deepEqual(older.body.logs.map((r: any) => r.message), ['m1', 'm0']);
    assert.equal(older.body.nextCursor, null);
    const newer = await get(`/api/v1/logs?source=${src}&after=${m2}&limit=2`);
    assert.deepEqual(newer.body.logs.map((r: any) => r.message), ['m2b', 'm3']);
    // The cursors of an anchored page continue the same walk, and prevCursor walks back.
    const rest = await get(`/api/v1/logs?source=${src}&cursor=${newer.body.nextCursor}`);
    assert.deepEqual(rest.body.logs.map((r: any) => r.message), ['m4']);
    const back = await get(`/api/v1/logs?source=${src}&cursor=${newer.body.prevCursor}`);
    assert.deepEqual(back.body.logs.map((r: any) => r.message), ['m2', 'm1', 'm0']);
    // An order that agrees with the anchor is allowed; one that contradicts it is a 400.
    assert.equal((await get(`/api/v1/logs?source=${src}&after=${m2}&order=asc`)).status, 200);
    // A cursor's own direction wins over `order`, as before anchors existed.
    const overridden = await get(`/api/v1/logs?source=${src}&order=desc&cursor=${newer.body.nextCursor}`);
    assert.deepEqual(overridden.body.logs.map((r: any) => r.message), ['m4']);
    const nd = await (await fetch(`${srv.url}/api/v1/logs/export?source=${src}&after=${m2}`)).text();
    assert.deepEqual(nd.trim().split('\n').map((l) => JSON.parse(l).message), ['m2b', 'm3', 'm4']);
    const ndBefore = await (await fetch(`${srv.url}/api/v1/logs/export?source=${src}&before=${m2}`)).text();
    assert.deepEqual(ndBefore.trim().split('\n').map((l) => JSON.parse(l).message), ['m1', 'm0']);
    const bad: [string, RegExp][] = [
      [`before=${m2}&order=asc`, /"order" must be desc/],
      [`after=${m2}&before=${m2}`, /only one of "cursor", "before" and "after"/],
      [`after=${m2}&cursor=${newer.body.nextCursor}`, /only one of/],
      ['before=987654321', /"before" names record 987654321, which does not exist/],
      ['after=-3', /"after" must be a whole number/],
      ['after=abc', /"after" must be a whole number/],
      ['before=0', /"before" must be a whole number/],
    ];
    for (const [qs, message] of bad) {
      for (const path of ['/api/v1/logs', '/api/v1/logs/export']) {
        const res = await get(`${path}?${qs}`);
        assert.equal(res.status, 400, `${path}?${qs}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, 'LP_ERR_INVALID_QUERY', qs);
        assert.match(res.body.message, message, qs);
      }
    }
  });
});

describe('query schemas', () => {
  test('each route checks its query and path against its schema: the 400 names the parameter, what it must be and what came', async () => {
    const cases: [string, string][] = [
      ['/api/v1/logs?limit=1e3', 'Query parameter "limit" must be a whole number from 1 to 5000, got "1e3".'],
      ['/api/v1/logs?limit=0x10', 'Query parameter "limit" must be a whole number from 1 to 5000, got "0x10".'],
      ['/api/v1/logs?limit=5001', 'Query parameter "limit" must be a whole number from 1 to 5000, got "5001".'],
      ['/api/v1/logs?limit=5&limit=6', 'Query parameter "limit" must be given once, got "5,6".'],
      ['/api/v1/logs?order=sideways', 'Query parameter "order" must be asc or desc, got "sideways".'],
      [`/api/v1/logs?q=${'x'.repeat(1025)}`, `Query parameter "q" must be text of at most 1024 characters, got "${'x'.repeat(40)}".`],
      ['/api/v1/logs/export?format=xml', 'Query parameter "format" must be ndjson or csv, got "xml".'],
      ['/api/v1/logs/abc', 'Path parameter "id" must be a whole number (a record id), got "abc".'],
      ['/api/v1/logs/1/context?before=501', 'Query parameter "before" must be a whole number from 0 to 500, got "501".'],
      ['/api/v1/histogram?buckets=0', 'Query parameter "buckets" must be a whole number from 1 to 1000, got "0".'],
      ['/api/v1/tail?after=-1', 'Query parameter "after" must be a whole number (a record id), got "-1".'],
      ['/api/v1/streams?ids=a&ids=b', 'Query parameter "ids" must be given once, got "a,b".'],
    ];
    for (const [path, message] of cases) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.deepEqual(res.body, { error: 'LP_ERR_INVALID_QUERY', message, details: { param: /"(\w+)"/.exec(message)![1] } }, path);
    }
    // An empty parameter is the same as a missing one; a list parameter may repeat.
    assert.equal((await get('/api/v1/logs?limit=&order=&cursor=&q=')).status, 200);
    assert.equal((await get('/api/v1/logs?level=error&level=warn,info&source=a&source=b')).status, 200);
  });
});

describe('bodies', () => {
  test('gzip NDJSON, plain text and a single object are accepted', async () => {
    const source = 'bodies-' + Date.now();
    const nd = [1, 2, 3].map((i) => JSON.stringify({ message: `nd line ${i}`, source })).join('\n') + '\n';
    const res = await post('/api/v1/logs', gzipSync(nd), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    assert.deepEqual(res.body, { accepted: 3, duplicates: 0 });
    const txt = await post('/api/v1/logs', 'plain one\nplain two\n', { 'content-type': 'text/plain' });
    assert.deepEqual(txt.body, { accepted: 2, duplicates: 0 });
    const single = await post('/api/v1/logs', { message: 'just one', source });
    assert.deepEqual(single.body, { accepted: 1, duplicates: 0 });
    const page = await get(`/api/v1/logs?source=${source}&order=asc`);
    assert.deepEqual(page.body.logs.map((r: any) => r.message), ['nd line 1', 'nd line 2', 'nd line 3', 'just one']);
  });

  test('each kind of bad input gets its 4xx with a JSON error, and the server keeps serving', async () => {
    const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
      ['invalid JSON', () => post('/api/v1/logs', '[{"message": '), 400, 'LP_ERR_INVALID_JSON'],
      ['bad NDJSON line', () => post('/api/v1/logs', '{"message":"a"}\n{oops}\n', { 'content-type': 'application/x-ndjson' }), 400, 'LP_ERR_INVALID_JSON'],
      ['missing message', () => post('/api/v1/logs', [{ message: 'ok' }, { level: 'info' }]), 400, 'LP_ERR_INVALID_RECORD'],
      ['wrong type', () => post('/api/v1/logs', [{ message: 42 }]), 400, 'LP_ERR_INVALID_RECORD'],
      ['bad level', () => post('/api/v1/logs', [{ message: 'x', level: 'loud' }]), 400, 'LP_ERR_INVALID_RECORD'],
      ['ts out of range', () => post('/api/v1/logs', [{ message: 'x', ts: 1e30 }]), 400, 'LP_ERR_INVALID_RECORD'],
      ['offset without stream', () => post('/api/v1/logs', [{ message: 'x', offset: 3 }]), 400, 'LP_ERR_INVALID_RECORD'],
      ['not an array', () => post('/api/v1/logs', '"hello"'), 400, 'LP_ERR_INVALID_RECORD'],
      ['unknown content type', () => post('/api/v1/logs', 'x', { 'content-type': 'application/xml' }), 415, 'LP_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['unknown encoding', () => post('/api/v1/logs', 'x', { 'content-encoding': 'lzma' }), 415, 'LP_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['broken gzip', () => post('/api/v1/logs', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), 400, 'LP_ERR_INVALID_ENCODING'],
      ['bad level filter', () => get('/api/v1/logs?level=loud'), 400, 'LP_ERR_INVALID_QUERY'],
      ['bad time', () => get('/api/v1/logs?from=yesterday-ish'), 400, 'LP_ERR_INVALID_QUERY'],
      ['bad limit', () => get('/api/v1/logs?limit=-1'), 400, 'LP_ERR_INVALID_QUERY'],
      ['bad id', () => get('/api/v1/logs/abc/context'), 400, 'LP_ERR_INVALID_QUERY'],
      ['unknown path', () => get('/api/v1/nothing'), 404, 'LP_ERR_NOT_FOUND'],
    ];
    for (const [name, run, status, code] of cases) {
      const res = await run();
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, code, name);
      assert.equal(typeof res.body.message, 'string', name);
    }
    const bad = await post('/api/v1/logs', [{ message: 'ok' }, { message: 'ok' }, { message: null }]);
    assert.match(bad.body.message, /Record 2/);
    assert.equal(bad.body.details.index, 2);
    const health = await get('/healthz');
    assert.equal(health.status, 200);
  });

  test('a batch with one bad record stores nothing (atomic per request)', async () => {
    const source = 'atomic-' + Date.now();
    const res = await post('/api/v1/logs', [{ message: 'first', source }, { message: 'second', source, ts: 'not a time' }]);
    assert.equal(res.status, 400);
    const page = await get(`/api/v1/logs?source=${source}`);
    assert.equal(page.body.logs.length, 0);
  });

  test('413 past the body limit, and past the decompressed limit for a gzip bomb', async () => {
    const s = await startServer({ args: ['--max-body-bytes', '64KB', '--max-decompressed-bytes', '256KB'] });
    try {
      const big = JSON.stringify([{ message: 'x'.repeat(100_000) }]);
      const r1 = await fetch(`${s.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      assert.equal(r1.status, 413);
      // The limit in the message is the configured one (64KB = 65,536 bytes), not read out of Fastify's wording.
      assert.deepEqual(await r1.json(), { error: 'LP_ERR_TOO_LARGE', message: 'The request body is larger than the limit of 65536 bytes.' });
      const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
      assert.ok(bomb.length < 64 * 1024);
      const r2 = await fetch(`${s.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
      assert.equal(r2.status, 413);
      assert.equal((await r2.json()).error, 'LP_ERR_TOO_LARGE');
      const ok = await fetch(`${s.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"message":"fine"}]' });
      assert.equal(ok.status, 200);
    } finally {
      await s.stop();
      s.cleanup();
    }
  });

  test('a line longer than --max-line-bytes is cut with a marker, not rejected', async () => {
    const source = 'long-' + Date.now();
    const res = await post('/api/v1/logs', [{ message: 'y'.repeat(300 * 1024), source }]);
    assert.equal(res.status, 200);
    const page = await get(`/api/v1/logs?source=${source}`);
    const msg: string = page.body.logs[0].message;
    assert.ok(msg.length < 300 * 1024);
    assert.match(msg, /\[truncated \d+ bytes\]$/);
  });
});

describe('operations', () => {
  test('/healthz and /metrics in Prometheus text format', async () => {
    const h = await get('/healthz');
    assert.equal(h.body.status, 'ok');
    const m = await fetch(`${srv.url}/metrics`);
    assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
    const text = await m.text();
    assert.match(text, /^# TYPE logpipe_ingested_lines_total counter$/m);
    assert.match(text, /^logpipe_ingested_lines_total\{door="native"\} \d+$/m);
    assert.match(text, /^logpipe_db_size_bytes \d+$/m);
    assert.match(text, /^logpipe_ingest_duration_seconds_count \d+$/m);
    // Every metric has one TYPE: totals are counters, levels that go both ways are gauges.
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]));
    for (const [name, type] of types) if (name.endsWith('_total')) assert.equal(type, 'counter', name);
    for (const name of ['logpipe_tail_subscribers', 'logpipe_db_size_bytes', 'logpipe_db_rows', 'logpipe_inflight_body_bytes', 'process_resident_memory_bytes', 'process_uptime_seconds']) {
      assert.equal(types.get(name), 'gauge', name);
      assert.match(text, new RegExp(`^${name} \\d+(\\.\\d+)?$`, 'm'), name);
    }
    assert.equal(types.get('logpipe_ingest_duration_seconds'), 'histogram');
    // The SQLite store reports how far compaction has got (gauges; the ratio once a block exists).
    for (const name of ['logpipe_db_uncompacted_rows', 'logpipe_db_compaction_lag_seconds']) assert.equal(types.get(name), 'gauge', name);
    assert.match(text, /^logpipe_db_uncompacted_rows \d+$/m);
    assert.match(text, /^logpipe_db_compaction_lag_seconds \d+(\.\d+)?$/m);
    const compressed = types.has('logpipe_db_compression_ratio') ? 1 : 0;
    assert.equal(types.size, 18 + compressed, [...types.keys()].join(' '));
  });

  test('security headers are on every response', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  });
});

describe('stream lookup for collectors without a state file', () => {
  test('GET /api/v1/streams returns the committed offset and the check of the line sent last; bad id lists are a 400', async () => {
    const message = 'lookup line seq=3';
    const r = await post('/api/v1/logs', [
      { message: 'lookup line seq=1', stream: 'lookup-s1', offset: 18 },
      { message, stream: 'lookup-s1', offset: 36 },
    ]);
    assert.equal(r.status, 200);
    const got = await get('/api/v1/streams?ids=lookup-s1,lookup-unknown');
    assert.equal(got.status, 200);
    const { lineCheck } = await import('../src/shared/stream-check.js');
    assert.deepEqual(got.body, { streams: { 'lookup-s1': { offset: 36, at: 36, check: lineCheck(message) } } });
    assert.deepEqual((await get('/api/v1/streams')).body, { streams: {} });
    const many = await get(`/api/v1/streams?ids=${Array.from({ length: 65 }, (_, i) => `s${i}`).join(',')}`);
    assert.equal(many.status, 400);
    assert.match((many.body as { message: string }).message, /At most 64 stream ids/);
    const long = await get(`/api/v1/streams?ids=${'x'.repeat(300)}`);
    assert.equal(long.status, 400);
  });
});
