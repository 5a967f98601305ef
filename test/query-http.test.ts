// docs/query.md "Over HTTP": every request in its `http` block is sent to a real server (the app
// on 127.0.0.1 and a free port, a real SQLite file) holding a small corpus, and must answer 200
// with the documented shape and something in it, so the examples stay true.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type App } from '../src/server/app.js';
import { DEFAULT_LIMITS } from '../src/server/config.js';
import { openStore } from '../src/server/storage/open.js';
import type { Store } from '../src/server/storage/store.js';
import { http, postJson } from './helpers/http.js';
import { ROOT, makeTempDir } from './helpers/server.js';
import { SseClient } from './helpers/sse.js';

const doc = readFileSync(join(ROOT, 'docs/query.md'), 'utf8');
const requests = [...doc.matchAll(/```http\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n').filter((l) => l.trim()));

let dir: string;
let store: Store;
let built: App;
let url: string;

before(async () => {
  dir = makeTempDir('logpipe-query-http-');
  store = await openStore({ dataDir: dir });
  built = await buildApp(
    { host: '127.0.0.1', port: 0, dataDir: dir, ingestTokens: [], readTokens: [], insecure: false, corsOrigins: [], limits: DEFAULT_LIMITS, heartbeatMs: 15_000, logLevel: 'silent' },
    store,
    { logger: false },
  );
  url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const now = Date.now();
  const lines = Array.from({ length: 200 }, (_, i) => ({
    ts: now - 1_800_000 + i * 1000,
    level: ['info', 'error', 'warn', 'fatal'][i % 4],
    source: ['billing', 'auth', 'checkout'][i % 3],
    message: `${['billing', 'auth', 'checkout'][i % 3]} ${i % 2 ? 'charge' : 'timeout'} ECONNREFUSED POST /orders/${i}`,
    attrs: { request_id: `req-${i % 50}`, http: { status: i % 5 === 0 ? 503 : 200 } },
  }));
  const res = await postJson(`${url}/api/v1/logs`, lines);
  assert.equal(res.status, 200, res.text);
});

after(async () => {
  await built.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `GET /path?a=b c&d=e` as written in the doc → a URL with each value encoded. */
function toUrl(line: string): string {
  const target = line.replace(/^GET /, '');
  const q = target.indexOf('?');
  if (q < 0) return url + target;
  const params = new URLSearchParams();
  for (const pair of target.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    params.append(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return `${url}${target.slice(0, q)}?${params}`;
}

test('docs/query.md has HTTP examples of pages, pipes, export, /fields, split histograms and the tail', () => {
  for (const path of ['/api/v1/logs?', '| stats', '| top', '/api/v1/logs/export?', '/api/v1/fields?', '&by=', '/api/v1/histogram?', '/api/v1/tail?']) {
    assert.ok(requests.some((r) => r.includes(path)), `no example with ${path}`);
  }
});

test('every HTTP example in docs/query.md answers 200 with the documented shape and something in it', async () => {
  for (const line of requests) {
    const target = toUrl(line);
    if (line.includes('/api/v1/tail')) {
      const sse = new SseClient(target);
      try {
        // The server subscribes before it sends the head: once the status is in, new records reach it.
        await sse.until(() => sse.status !== 0);
        assert.equal(sse.status, 200, line);
        const posted = await postJson(`${url}/api/v1/logs`, [{ message: 'tail example', level: 'fatal' }, { message: 'tail other', level: 'info' }]);
        assert.equal(posted.status, 200);
        await sse.until(() => sse.records().some((r) => r.message === 'tail example'));
        assert.ok(!sse.records().some((r) => r.message === 'tail other'), line);
      } finally {
        sse.close();
      }
      continue;
    }
    const res = await http(target);
    assert.equal(res.status, 200, `${line}: ${res.text.slice(0, 300)}`);
    if (line.includes('/export')) {
      assert.ok(res.text.trim().split('\n').length > 0, line);
      assert.ok(res.text.trim().split('\n').every((l) => JSON.parse(l).attrs.request_id === 'req-42'), line);
    } else if (line.includes('|')) {
      assert.ok(Array.isArray(res.json.columns) && res.json.rows.length > 0, `${line}: ${res.text.slice(0, 300)}`);
      assert.equal(res.json.columns[res.json.columns.length - 1], 'count');
    } else if (line.includes('/api/v1/logs')) {
      assert.ok(res.json.logs.length > 0, `${line}: ${res.text.slice(0, 300)}`);
    } else if (line.includes('/api/v1/fields')) {
      assert.ok(res.json.fields.some((f: { field: string }) => f.field === 'request_id'), line);
      assert.equal(typeof res.json.sampled, 'boolean');
    } else if (line.includes('by=')) {
      assert.ok(res.json.series.length > 0 && res.json.series[0].counts.length === res.json.buckets.length, `${line}: ${res.text.slice(0, 300)}`);
    } else {
      assert.ok(Object.values(res.json.totals as Record<string, number>).some((n) => n > 0), `${line}: ${res.text.slice(0, 300)}`);
    }
  }
});
