// The live tail survives a server restart: the dashboard reconnects on its own and resumes
// after the last id it saw (Last-Event-ID), so no line is lost and none is shown twice, even
// lines committed before the dashboard got its new connection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;

before(async () => {
  ({ server, browser, page } = await openRig());
});

after(() => closeRig({ server, browser }));

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ message: `restart line ${from + i}`, level: 'info', source: 'restart' }));
const state = () => page.locator('[data-testid=connection]').getAttribute('data-state');

test('a restart of the server loses no live line and repeats none', async () => {
  const { cspViolations, problems } = watchProblems(page);
  await page.goto(`${server.url}/?q=restart`);
  await waitFor(async () => (await state()) === 'live', 'the first connection');
  await postRecords(server.url, lines(1, 6));
  await waitFor(async () => (await rowMessages(page)).length === 6, 'six lines before the restart');

  const { port, dataDir } = server;
  await server.stop();
  await waitFor(async () => (await state()) === 'reconnecting', 'the dashboard to notice the lost connection');
  assert.match((await page.locator('[data-testid=connection]').textContent()) ?? '', /Disconnected|Reconnecting/);

  // Same port and database; lines are committed before the dashboard is back.
  server = await startServer({ port, dataDir });
  await postRecords(server.url, lines(7, 12));
  await waitFor(async () => (await state()) === 'live', 'the dashboard to reconnect', 20_000);
  await postRecords(server.url, lines(13, 18));
  await waitFor(async () => (await rowMessages(page)).length >= 18, 'eighteen lines after the restart', 15_000);
  await new Promise((r) => setTimeout(r, 500));
  const shown = await rowMessages(page);
  assert.deepEqual(shown, lines(1, 18).map((l) => l.message), 'every line once, in order');
  assert.deepEqual(cspViolations, []);
  // The browser logs the failed requests while the server is down; nothing else may fail.
  assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource|ERR_EMPTY_RESPONSE|network error/i.test(p)), []);
});
