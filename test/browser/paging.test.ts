// The list's bounded window against a real server: older lines load on scroll-back through
// cursor pages without moving the view, and a `gap` from the live tail (a burst bigger than
// the server's per-subscriber buffer) is refilled by resuming the tail from the gap's start, or
// said in the header with a button when it is too big to refill at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
let watch: ReturnType<typeof watchProblems>;

before(async () => {
  // A tiny tail buffer: any burst over 100 matching lines reaches a subscriber as a gap.
  ({ server, browser, page, watch } = await openRig({ server: { args: ['--tail-buffer', '100'] } }));
});

after(() => closeRig({ server, browser }));

const lineCount = async () => Number(((await page.locator('[data-testid=line-count]').textContent()) ?? '').replace(/\D/g, ''));
const lines = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ message: `${tag} ${String(i + 1).padStart(5, '0')}`, level: i % 50 === 0 ? 'error' : 'info', source: tag }));

test('scrolling back loads older pages by cursor and keeps the view still', async () => {
  await postRecords(server.url, lines('history', 1200));
  await page.goto(`${server.url}/?q=history`);
  await waitFor(async () => (await lineCount()) === 500, 'the newest page of 500');
  assert.equal((await rowMessages(page)).at(-1), 'history 01200');
  // Pause so the list does not jump to the bottom, then go to the top.
  await page.getByRole('button', { name: 'Live', exact: true }).click();
  await page.locator('.list').evaluate((el) => (el.scrollTop = 0));
  await waitFor(async () => (await lineCount()) === 1000, 'a second page');
  // The line that was at the top is still on screen: prepending moved the scroll position with it.
  const msgs = await rowMessages(page);
  assert.ok(msgs.includes('history 00701'), `expected the old top line to stay in view, saw ${msgs[0]}…${msgs.at(-1)}`);
  await page.locator('.list').evaluate((el) => (el.scrollTop = 0));
  await waitFor(async () => (await lineCount()) === 1200, 'the last page');
  await page.locator('.list').evaluate((el) => (el.scrollTop = 0));
  await waitFor(async () => (await rowMessages(page))[0] === 'history 00001', 'the oldest line at the top');
  await waitFor(async () => (await page.locator('.list-start').textContent()) === 'Start of the results.', 'the start marker');
});

test('a gap in the live tail is refilled by resuming the tail: nothing lost, nothing twice', async () => {
  await page.goto(`${server.url}/?q=burst`);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail');
  await postRecords(server.url, lines('burst', 800), 800);
  // The server writes a pending gap event with the next matching line, so traffic goes on.
  await postRecords(server.url, [{ message: 'burst after', source: 'burst' }]);
  await waitFor(async () => (await lineCount()) === 801 && (await page.locator('[data-testid=live-lag]').count()) === 0, 'all 801 lines, no notice left', 15_000);
  assert.equal((await rowMessages(page)).at(-1), 'burst after');
  assert.equal((await rowMessages(page)).at(-2), 'burst 00800');
});

test('a gap too big to refill at once is said in the header, whose button loads it', async () => {
  await page.goto(`${server.url}/?q=flood`);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail');
  await postRecords(server.url, lines('flood', 6000), 6000);
  await postRecords(server.url, [{ message: 'flood after', source: 'flood' }]);
  const notice = page.locator('[data-testid=live-lag]');
  await waitFor(async () => (await notice.getAttribute('data-kind')) === 'skipped' && (await rowMessages(page)).at(-1) === 'flood after', 'the notice, and the line after the burst', 20_000);
  assert.match((await notice.textContent()) ?? '', /skipped/);
  await notice.getByRole('button', { name: 'Load skipped lines' }).click();
  await waitFor(async () => (await lineCount()) === 6001 && (await notice.count()) === 0, 'all 6,001 lines', 20_000);
  assert.equal((await rowMessages(page)).at(-1), 'flood after');
  assert.deepEqual(watch.cspViolations, []);
  assert.deepEqual(watch.problems, []);
});
