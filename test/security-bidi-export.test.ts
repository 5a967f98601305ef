// Exports of lines holding bidirectional formatting characters: the CSV (read by people, in a
// spreadsheet or a pager) shows each as a visible "<U+202E>"; the NDJSON (read by programs)
// keeps the character, written as the JSON escape "\u202e", so nothing is lost and nothing is
// reordered when a person does look at it. The query API itself is unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from './helpers/server.js';
import { http, postJson } from './helpers/http.js';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const RECORD = { message: 'stored invoice_\u202Egnp.exe for \u2067admin\u2069', source: 'up\u200Eloads', host: 'web-\u061C1', attrs: { file: 'x\u202Dy' } };

let server: ServerHandle;

before(async () => {
  server = await startServer();
  assert.equal((await postJson(`${server.url}/api/v1/logs`, [RECORD])).status, 200);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

test('NDJSON export writes them as JSON escapes and parses back to the same text', async () => {
  const res = await http(`${server.url}/api/v1/logs/export?format=ndjson`);
  assert.equal(res.status, 200);
  assert.doesNotMatch(res.text, BIDI);
  assert.match(res.text, /invoice_\\u202egnp\.exe for \\u2067admin\\u2069/);
  const rec = JSON.parse(res.text.trim());
  assert.equal(rec.message, RECORD.message);
  assert.equal(rec.source, RECORD.source);
  assert.equal(rec.host, RECORD.host);
  assert.deepEqual(rec.attrs, RECORD.attrs);
});

test('CSV export shows them as visible escapes', async () => {
  const res = await http(`${server.url}/api/v1/logs/export?format=csv`);
  assert.equal(res.status, 200);
  assert.doesNotMatch(res.text, BIDI);
  const line = res.text.split('\r\n')[1];
  assert.match(line, /,up<U\+200E>loads,web-<U\+061C>1,stored invoice_<U\+202E>gnp\.exe for <U\+2067>admin<U\+2069>,/);
  assert.match(line, /x<U\+202D>y/);
});

test('the query API returns the text as stored', async () => {
  const res = await http(`${server.url}/api/v1/logs?limit=1`);
  assert.equal(res.json.logs[0].message, RECORD.message);
});
