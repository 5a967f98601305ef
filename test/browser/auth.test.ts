// A server started with --read-token: the dashboard asks for the token once in a real form,
// keeps it in sessionStorage, sends it as a header on queries and on the live tail (fetch
// streaming, since EventSource cannot send headers), and never puts it in a URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

const TOKEN = 'read-secret-7f3a9c';
let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;

before(async () => {
  ({ server, browser, page } = await openRig({ server: { args: ['--read-token', TOKEN] } }));
});

after(() => closeRig({ server, browser }));

test('the read token is asked for once, sent as a header, kept out of URLs', async () => {
  const { cspViolations } = watchProblems(page);
  const requests: Request[] = [];
  page.on('request', (r) => requests.push(r));
  await postRecords(server.url, [{ message: 'guarded line one', source: 'auth' }]);
  await page.goto(server.url);
  const form = page.getByRole('form', { name: 'This logpipe server needs a read token' });
  await form.waitFor();
  await form.getByLabel('Read token').fill('wrong-token');
  await form.getByRole('button', { name: 'Unlock' }).click();
  await waitFor(async () => /did not accept/.test((await form.textContent()) ?? ''), 'the wrong token to be refused');
  await form.getByLabel('Read token').fill(TOKEN);
  await form.getByRole('button', { name: 'Unlock' }).click();
  await waitFor(async () => (await rowMessages(page)).includes('guarded line one'), 'lines after unlocking');
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail with the token');
  await postRecords(server.url, [{ message: 'guarded line two', source: 'auth' }]);
  await waitFor(async () => (await rowMessages(page)).includes('guarded line two'), 'a live line through the authorised stream');

  // A reload in the same tab does not ask again.
  await page.reload();
  await waitFor(async () => (await rowMessages(page)).includes('guarded line two'), 'lines after a reload');
  assert.equal(await form.count(), 0);

  const api = requests.filter((r) => r.url().includes('/api/'));
  assert.ok(api.length > 4);
  for (const r of api) assert.ok(!r.url().includes(TOKEN), `token in URL ${r.url()}`);
  const tail = api.filter((r) => r.url().includes('/api/v1/tail')).at(-1)!;
  assert.equal((await tail.allHeaders()).authorization, `Bearer ${TOKEN}`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('logpipe.readToken')), TOKEN);
  assert.deepEqual(cspViolations, []);
});
