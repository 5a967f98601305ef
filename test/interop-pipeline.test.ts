// Records from the OTLP and Loki doors go through the one ingest pipeline: they reach the live
// tail, are counted by door in /metrics, and meet the same validation as native records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from './helpers/server.js';

let server: ServerHandle;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
  server?.cleanup();
});

function post(path: string, body: string, type = 'application/json'): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
}

const lokiBody = (job: string, line: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ streams: [{ stream: { job, ...extra }, values: [[`${Date.now()}000000`, line]] }] });
const otlpBody = (service: string, line: string) =>
  JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords: [{ severityNumber: 13, body: { stringValue: line } }] }] }] });

test('OTLP and Loki records reach the live tail and are counted by door', async () => {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 15_000);
  const res = await fetch(`${server.url}/api/v1/tail`, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  // Wait for the stream to be open before pushing, so the records arrive live.
  while (!text.includes('connected')) text += decoder.decode((await reader.read()).value, { stream: true });

  assert.equal((await post('/loki/api/v1/push', lokiBody('tail-loki', 'from loki to the tail'))).status, 204);
  assert.equal((await post('/v1/logs', otlpBody('tail-otlp', 'from otlp to the tail'))).status, 200);
  while (!(text.includes('from loki to the tail') && text.includes('from otlp to the tail'))) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  clearTimeout(timer);
  ac.abort();
  const events = text.split('\n').filter((l) => l.startsWith('data: [')).flatMap((l) => JSON.parse(l.slice(6)));
  const loki = events.find((r: any) => r.message === 'from loki to the tail');
  const otlp = events.find((r: any) => r.message === 'from otlp to the tail');
  assert.equal(loki?.source, 'tail-loki');
  assert.equal(otlp?.source, 'tail-otlp');
  assert.equal(otlp?.level, 'warn');

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /logpipe_ingested_lines_total\{door="loki"\} 1\b/);
  assert.match(metrics, /logpipe_ingested_lines_total\{door="otlp"\} 1\b/);
});

test('the same invalid record is refused the same way whichever door it came in by', async () => {
  // attrs over the 64 KiB limit: native attrs, a Loki label, an OTLP attribute.
  const big = 'x'.repeat(70_000);
  const native = await post('/api/v1/logs', JSON.stringify([{ message: 'm', attrs: { big } }]));
  const loki = await post('/loki/api/v1/push', lokiBody('same-rules', 'm', { big }));
  assert.equal(native.status, 400);
  assert.equal(loki.status, 400);
  const [n, l] = [(await native.json()) as any, (await loki.json()) as any];
  assert.equal(l.error, n.error);
  assert.match(n.message, /attrs are larger than/);
  assert.match(l.message, /attrs are larger than/);
  // OTLP reports it the OTLP way: nothing usable, so 400 naming the reason.
  const otlp = await post('/v1/logs', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'm' }, attributes: [{ key: 'big', value: { stringValue: big } }] }] }] }] }));
  assert.equal(otlp.status, 400);
  assert.match(((await otlp.json()) as any).message, /attrs are larger than/);
  // A batch over the record limit gets the same 413 on every door.
  const many = Array.from({ length: 50_001 }, (_, i) => [`${Date.now()}000000`, `line ${i}`]);
  const tooMany = await post('/loki/api/v1/push', JSON.stringify({ streams: [{ stream: { job: 'many' }, values: many }] }));
  assert.equal(tooMany.status, 413);
  assert.equal(((await tooMany.json()) as any).error, 'LP_ERR_TOO_MANY_RECORDS');
});
