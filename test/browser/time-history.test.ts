// The dashboard's time, history and bursts (issue 13) in Debian's Chromium against a real
// `logpipe server`: the histogram and counts cover the list's window, rows follow event time
// (paging, live insertion, late lines marked), an expanded row stays put while live, and a
// burst the live view skipped is said in the header and counted by the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
let watch: ReturnType<typeof watchProblems>;
const HOUR = 3_600_000;

before(async () => {
  // A small tail buffer: a burst of more than 2,000 matching lines reaches the page as a gap.
  ({ server, browser, page, watch } = await openRig({ server: { args: ['--tail-buffer', '2000'] } }));
});

after(() => closeRig({ server, browser }));

async function liveConnected(): Promise<void> {
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail to connect');
}
const rangeTotal = async () => Number(((await page.locator('.histogram-title').textContent()) ?? '').replace(/\D/g, '') || NaN);
const lineCount = async () => Number(((await page.locator('[data-testid=line-count]').textContent()) ?? '').replace(/\D/g, ''));

test('histogram, level counts and list cover the same window: a line 27 h old is in none of them for the last 24 hours', async () => {
  await postRecords(server.url, [{ message: 'skewed clock line', level: 'error', source: 'skew', ts: Date.now() - 27 * HOUR }]);
  const asked: { path: string; from: number; to: number }[] = [];
  const onRequest = (r: Request) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/histogram' || (u.pathname === '/api/v1/logs' && u.searchParams.has('from'))) {
      asked.push({ path: u.pathname, from: Number(u.searchParams.get('from')), to: Number(u.searchParams.get('to')) });
    }
  };
  page.on('request', onRequest);
  try {
    await page.goto(`${server.url}/?range=24h&source=skew`);
    await page.waitForSelector('.list-state');
    await waitFor(async () => (await rangeTotal()) === 0, '"0 lines in range"');
    assert.equal(await page.locator('button[data-level-toggle=error] .count').textContent(), '0');
    assert.match((await page.locator('.list-state').textContent()) ?? '', /No lines match these filters in the last 24 hours/);
    // Every quick range: the histogram asks for exactly the list's bounds.
    for (const key of ['6h', '24h', '7d']) {
      asked.length = 0;
      await page.goto(`${server.url}/?range=${key}&source=skew`);
      await waitFor(() => asked.some((a) => a.path === '/api/v1/histogram') && asked.some((a) => a.path === '/api/v1/logs'), `both requests for ${key}`);
      const list = asked.find((a) => a.path === '/api/v1/logs')!;
      const hist = asked.find((a) => a.path === '/api/v1/histogram')!;
      assert.deepEqual(hist, { ...list, path: hist.path }, `${key}: histogram window equals the list's`);
      const ms = { '6h': 6 * HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR }[key]!;
      assert.ok(hist.to - hist.from <= ms + 10_000, `${key}: spans ${(hist.to - hist.from) / HOUR} h`);
    }
    // Seven days hold the old line: then all three agree it is there.
    await waitFor(async () => (await rangeTotal()) === 1, '"1 line in range" for 7 days');
    assert.equal(await page.locator('.histogram-title').textContent(), '1 line in range');
    await waitFor(async () => (await rowMessages(page)).includes('skewed clock line'), 'the line in the list');
  } finally {
    page.off('request', onRequest);
  }
  // "All time" ends the sentence as "at any time" (it read "… in at any time."). Last, and with
  // the request listener off: this page's own histogram request must not land in the loop above.
  await page.goto(`${server.url}/?range=all&source=no-such-source`);
  await waitFor(async () => /No lines match these filters at any time\./.test((await page.locator('.list-state').textContent().catch(() => '')) ?? ''), '"No lines match these filters at any time."');
});

test('the first bucket is labelled with the range\'s start, not the earlier bucket boundary', async () => {
  // An hour from 10 s past a minute: the server's one-minute buckets start on the minute, so
  // the first one begins 10 s before the range does.
  const from = Math.floor((Date.now() - 3 * HOUR) / 60_000) * 60_000 + 10_000;
  const to = from + HOUR;
  await postRecords(server.url, Array.from({ length: 30 }, (_, i) => ({ message: `bucket edge ${i}`, level: 'info', source: 'edge', host: `h${i % 2}`, ts: from + i * 2 * 60_000 + 5_000 })));
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = (ms: number) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  const firstLabel = async () => {
    const over = page.locator('[data-testid=histogram] .u-over');
    const box = (await over.boundingBox())!;
    const hover = page.locator('.histogram-hover');
    // Away from the chart first, so the label read below is the one of this pointer position.
    await page.mouse.move(0, 0);
    await waitFor(async () => !/^\d{4}-/.test((await hover.textContent()) ?? ''), 'no bucket label with the pointer away');
    // The left edge of the plot is the range's start: the first bucket is under it.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    return waitFor(async () => {
      const text = (await hover.textContent()) ?? '';
      return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /.test(text) && text;
    }, 'the label of the bucket under the cursor');
  };
  await page.goto(`${server.url}/?source=edge&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  await waitFor(async () => (await rangeTotal()) === 30, '"30 lines in range"');
  // Its time is the range's start, and its count is its own line (at from + 5 s), not the next bucket's.
  assert.equal(await firstLabel(), `${local(from)}  info 1`, 'split by level');
  await page.getByRole('combobox', { name: 'Split histogram by' }).selectOption('host');
  await page.getByTestId('split-legend').waitFor();
  assert.equal(await firstLabel(), `${local(from)}  h0 1`, 'split by host');
});

test('rows follow event time: the first page, scroll-back pages and a late live line at its place, marked late', async () => {
  const t0 = Date.now() - 30 * 60_000;
  // Posted newest first: id order is the reverse of time order.
  const lines = Array.from({ length: 700 }, (_, i) => ({ message: `timeorder ${String(700 - i).padStart(4, '0')}`, level: 'info', source: 'timeorder', ts: t0 + (700 - i) * 1000 }));
  await postRecords(server.url, lines);
  await page.goto(`${server.url}/?source=timeorder`);
  await waitFor(async () => (await lineCount()) === 500, 'the newest page');
  await liveConnected();
  assert.equal((await rowMessages(page)).at(-1), 'timeorder 0700');
  // A line stamped between 0690 and 0691 arrives late: it goes there, not to the bottom.
  await postRecords(server.url, [{ message: 'late arrival', level: 'warn', source: 'timeorder', ts: t0 + 690_500 }]);
  await waitFor(async () => (await lineCount()) === 501, 'the late line');
  const msgs = await rowMessages(page);
  assert.equal(msgs.at(-1), 'timeorder 0700', 'the bottom is still the newest line');
  const i = msgs.indexOf('late arrival');
  assert.ok(i > 0, 'the late line is on screen');
  assert.deepEqual([msgs[i - 1], msgs[i + 1]], ['timeorder 0690', 'timeorder 0691']);
  assert.equal(await page.locator('[data-testid=log-row][data-late=true] .msg').textContent(), 'late arrival');
  // Scroll-back pages continue in time order.
  await page.getByRole('button', { name: 'Live', exact: true }).click();
  await page.locator('.list').evaluate((el) => (el.scrollTop = 0));
  await waitFor(async () => (await lineCount()) === 701, 'the older page');
  await page.locator('.list').evaluate((el) => (el.scrollTop = 0));
  await waitFor(async () => (await rowMessages(page))[0] === 'timeorder 0001', 'the oldest line first');
  const top = await rowMessages(page);
  assert.deepEqual(top.slice(0, 5), ['timeorder 0001', 'timeorder 0002', 'timeorder 0003', 'timeorder 0004', 'timeorder 0005']);
});

test('an expanded row stays open and in view while live lines arrive; they wait behind the pill', async () => {
  await page.goto(`${server.url}/?source=expand`);
  await postRecords(server.url, Array.from({ length: 40 }, (_, i) => ({ message: `expand base ${i}`, level: 'info', source: 'expand' })));
  await page.goto(`${server.url}/?source=expand`);
  await liveConnected();
  await waitFor(async () => (await rowMessages(page)).at(-1) === 'expand base 39', 'the base lines');
  // The last row: opening it scrolls its details into view, to the very bottom of the list,
  // which once made the list think the user was following again.
  const row = page.locator('[data-testid=log-row]', { hasText: 'expand base 39' });
  await row.locator('.row-line').click();
  await page.locator('.details').first().waitFor();
  for (let k = 0; k < 3; k++) {
    await postRecords(server.url, Array.from({ length: 30 }, (_, i) => ({ message: `expand live ${k}-${i}`, level: 'info', source: 'expand' })));
    await page.getByRole('button', { name: new RegExp(`${(k + 1) * 30} new lines`) }).waitFor();
  }
  assert.equal(await row.getAttribute('class').then((c) => c?.includes('expanded')), true, 'still expanded');
  const box = await row.boundingBox();
  const list = await page.locator('.list').boundingBox();
  assert.ok(box && list && box.y >= list.y - 1 && box.y < list.y + list.height, 'the expanded row is still in view');
  assert.equal(await page.getByRole('button', { name: 'Live', exact: true }).getAttribute('aria-pressed'), 'true');
  // Closing it and jumping to the newest follows again.
  await row.locator('.row-line').click();
  await page.getByRole('button', { name: /90 new lines/ }).click();
  await waitFor(async () => (await rowMessages(page)).at(-1) === 'expand live 2-29', 'the newest line at the bottom');
});

test('a burst the live view skipped is said in the header, loads with one click, and the counts come from the server', async () => {
  await page.goto(`${server.url}/?source=burst`);
  await liveConnected();
  await waitFor(async () => (await rangeTotal()) === 0, 'an empty range');
  // 12,000 lines at once: over the server's tail buffer (2,000) and over the automatic refill (5,000).
  const burst = Array.from({ length: 12_000 }, (_, i) => ({ message: `burst ${String(i + 1).padStart(5, '0')}`, level: i % 100 === 0 ? 'error' : 'info', source: 'burst' }));
  await postRecords(server.url, burst, 12_000);
  const notice = page.locator('[data-testid=live-lag]');
  await waitFor(async () => (await notice.getAttribute('data-kind')) === 'skipped', 'the header to say lines were skipped');
  assert.match((await notice.textContent()) ?? '', /Live view skipped up to 1[12],\d{3} lines/);
  // Counts are the server's, not what the page holds.
  await waitFor(async () => (await rangeTotal()) === 12_000, '"12,000 lines in range"');
  await notice.getByRole('button', { name: 'Load skipped lines' }).click();
  await waitFor(async () => (await lineCount()) === 12_000 && (await notice.count()) === 0, 'all 12,000 lines, no notice', 30_000);
  const msgs = await rowMessages(page);
  assert.equal(msgs.at(-1), 'burst 12000');
  assert.equal(await rangeTotal(), 12_000);
  // A smaller burst refills by itself; the line after it is in place.
  await postRecords(server.url, burst.slice(0, 3000).map((r) => ({ ...r, message: r.message.replace('burst', 'second') })), 3000);
  await postRecords(server.url, [{ message: 'after the second burst', source: 'burst' }]);
  await waitFor(async () => (await lineCount()) === 15_001 && (await notice.count()) === 0, 'the second burst refilled', 30_000);
  assert.equal((await rowMessages(page)).at(-1), 'after the second burst');
  await waitFor(async () => (await rangeTotal()) === 15_001, 'the count from the server');
  assert.deepEqual(watch.problems, []);
});

test('lines that arrive while the counts are being fetched are counted once, without asking again (the answer says up to which id it counted)', async () => {
  // The count's answer is held until the test lets it go, so lines arrive after the server
  // counted and before the page applies the count.
  const held: (() => void)[] = [];
  const asked: number[] = [];
  await page.route('**/api/v1/histogram?**', async (route) => {
    const response = await route.fetch();
    asked.push(((await response.json()) as { lastId: number }).lastId);
    await new Promise<void>((release) => held.push(release));
    await route.fulfill({ response });
  });
  const shown = (text: string) => waitFor(async () => (await rowMessages(page)).includes(text), `"${text}" on screen`);
  try {
    await page.goto(`${server.url}/?source=recount`);
    await liveConnected();
    await waitFor(() => held.length === 1, 'the count to be asked');
    await postRecords(server.url, [1, 2, 3].map((i) => ({ message: `recount a${i}`, source: 'recount' })));
    await shown('recount a3');
    held.shift()!();
    await waitFor(async () => (await rangeTotal()) === 3, '"3 lines in range" (0 counted + 3 that came meanwhile)', 10_000);
    await postRecords(server.url, [1, 2, 3, 4, 5].map((i) => ({ message: `recount b${i}`, source: 'recount' })));
    await shown('recount b5');
    await waitFor(async () => (await rangeTotal()) === 8, '"8 lines in range"', 10_000);
    // One count was enough: the lines that came during it were added, not asked for again.
    assert.equal(asked.length, 1, `histogram asked ${asked.length} times`);
  } finally {
    await page.unroute('**/api/v1/histogram?**').catch(() => {});
    while (held.length) held.shift()!();
  }
  // Asked afresh (a reload), the server's count is the same.
  await page.reload();
  await waitFor(async () => (await rangeTotal()) === 8, 'the server\'s own count: 8');
});
