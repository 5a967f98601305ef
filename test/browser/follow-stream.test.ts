// Scrolling up while lines stream in: the user's scroll wins over the list's pinning to the
// bottom. Lines arrive every few milliseconds here, so a live batch is often rendered between
// the user's scroll and the scroll event that reports it; the list must not pull the view back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { waitFor, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
const now = Date.now();

before(async () => {
  const records = Array.from({ length: 300 }, (_, i) => ({ message: `seeded line ${i}`, level: 'info' as const, source: 'seed', ts: now - 60_000 + i * 100 }));
  ({ server, browser, page } = await openRig({ records }));
});

after(() => closeRig({ server, browser }));

/** Posts one line at a time until stopped; resolves to how many were posted. */
function stream(): { stop(): Promise<number> } {
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      n++;
      await postRecords(server.url, [{ message: `streamed line ${n}`, level: 'info', source: 'stream' }]);
    }
    return n;
  })();
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

async function distanceFromBottom(): Promise<number> {
  return page.locator('.list').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

test('a wheel scroll up while lines stream in stops following and stays where the user put it', async () => {
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=log-row]');
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail to connect');
  const lines = stream();
  try {
    // Following: the streamed lines reach the bottom row.
    await waitFor(async () => (await page.locator('[data-testid=log-row] .msg').last().textContent())?.startsWith('streamed line'), 'streamed lines at the bottom');
    const box = await page.locator('.list').boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // Three wheel notches up, as a user reading back would do.
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -400);
    const button = page.getByRole('button', { name: /new lines?/ });
    await button.waitFor({ timeout: 10_000 });
    // More lines arrive; the view stays up and the count grows.
    const count = async () => Number(/(\d+)/.exec((await button.textContent()) ?? '')?.[1] ?? 0);
    const first = await count();
    await waitFor(async () => (await count()) >= first + 20, 'twenty more lines counted while scrolled up');
    assert.ok((await distanceFromBottom()) > 200, `the view went back to the bottom (${await distanceFromBottom()} px from it)`);
  } finally {
    await lines.stop();
  }
});
