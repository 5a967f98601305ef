// Navigating the dashboard (issue 13, items 5-11) in Debian's Chromium against a real
// `logpipe server`: Back/Forward walk through views, zoom out and back to live, dates on rows
// and a past-dated line that stays findable, fixed ranges opening at their newest end and links
// to one line, the search cap and notes on ignored link parts, rows without the parsed header,
// wider context, the system's colour scheme and layout details at 400 px.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { launchBrowser, rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
let watch: ReturnType<typeof watchProblems>;
const MIN = 60_000;
const t0 = Date.now() - 40 * MIN;

before(async () => {
  // 600 lines a second apart, and neighbours from another source at the same times.
  ({ server, browser, page, watch } = await openRig());
  await postRecords(server.url, Array.from({ length: 600 }, (_, i) => ({ message: `nav ${String(i + 1).padStart(3, '0')}`, level: i % 10 === 0 ? 'error' : 'info', source: 'nav', ts: t0 + i * 1000 })));
  await postRecords(server.url, Array.from({ length: 30 }, (_, i) => ({ message: `other ${i}`, level: 'info', source: 'other', ts: t0 + 290_500 + i * 1000 })));
});

after(() => closeRig({ server, browser }));

const search = (p: URL, k: string) => p.searchParams.get(k);

test('Back and Forward walk through range, level and search changes; typing is one entry', async () => {
  await page.goto(`${server.url}/?source=nav`);
  await page.waitForSelector('[data-testid=log-row]');
  await page.getByRole('combobox', { name: 'Time range' }).selectOption('6h');
  await waitFor(() => page.url().includes('range=6h'), 'range in the URL');
  await page.locator('button[data-level-toggle=error]').click();
  await waitFor(() => page.url().includes('level='), 'levels in the URL');
  const box = page.getByRole('combobox', { name: 'Search logs' });
  for (const word of ['n', 'na', 'nav']) {
    await box.fill(word);
    await waitFor(() => search(new URL(page.url()), 'q') === word, `q=${word}`);
  }
  await page.goBack();
  await waitFor(() => !new URL(page.url()).searchParams.has('q'), 'Back: the search gone in one step');
  // The address changes at once; the box follows on the page's next render.
  await waitFor(async () => (await box.inputValue()) === '', 'Back: the search box empty');
  await page.goBack();
  await waitFor(() => !page.url().includes('level='), 'Back: the level filter gone');
  await page.goBack();
  await waitFor(() => !page.url().includes('range='), 'Back: the default range');
  assert.equal(await page.getByRole('combobox', { name: 'Time range' }).inputValue(), '1h');
  await page.goForward();
  await waitFor(() => page.url().includes('range=6h'), 'Forward: 6 hours again');
  assert.equal(await page.getByRole('combobox', { name: 'Time range' }).inputValue(), '6h');
});

test('zoom out doubles a fixed range around its centre; back to live resets the time picker', async () => {
  const from = t0 + 100_000;
  const to = t0 + 200_000;
  await page.goto(`${server.url}/?source=nav&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  await page.waitForSelector('[data-testid=log-row]');
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await waitFor(() => Date.parse(search(new URL(page.url()), 'from') ?? '') === from - 50_000, 'from 50 s earlier');
  assert.equal(Date.parse(search(new URL(page.url()), 'to') ?? ''), to + 50_000);
  await page.goBack();
  await waitFor(() => Date.parse(search(new URL(page.url()), 'from') ?? '') === from, 'Back: the range before zooming out');
  await page.getByRole('button', { name: 'Back to live' }).click();
  await waitFor(() => !page.url().includes('from='), 'a live range');
  assert.equal(await page.getByRole('combobox', { name: 'Time range' }).inputValue(), '1h');
  assert.equal(await page.getByLabel('From').count(), 0, 'the custom inputs are gone');
});

test('a line dated days ago shows its date, stays findable after a reload, and its row leaves out the parsed header', async () => {
  // Stored before the page opens, dated last week: not a new line, whatever its id.
  await postRecords(server.url, [{ message: 'stored earlier, dated last week', source: 'ops', ts: Date.now() - 7 * 86_400_000 }]);
  await page.goto(`${server.url}/?source=ops`);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail');
  // The README's own example: a plain line whose header dates it in the past.
  const when = new Date(Date.now() - 2 * 86_400_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}.902`;
  await postRecords(server.url, [{ message: `${stamp} - [WARN]: disk almost full`, source: 'ops' }]);
  const note = page.locator('[data-testid=outside-range]');
  await note.waitFor();
  assert.match((await note.textContent()) ?? '', /1 new line is dated before this range/);
  await note.getByRole('button', { name: 'Show it' }).click();
  await waitFor(async () => (await rowMessages(page)).includes('disk almost full'), 'the line, without its header');
  await page.reload();
  await waitFor(async () => (await rowMessages(page)).includes('disk almost full'), 'the line after a reload');
  const ts = await page.locator('[data-testid=log-row] .ts').first().textContent();
  assert.ok(ts?.startsWith(stamp.slice(0, 10)), `the row shows the date: ${ts}`);
  await page.locator('[data-testid=log-row] .row-line').first().click();
  assert.equal(await page.locator('.full-message').textContent(), `${stamp} - [WARN]: disk almost full`);
  // Today's lines in a range within today show the time only.
  await page.goto(`${server.url}/?source=nav&from=${new Date(t0).toISOString()}&to=${new Date(t0 + 60_000).toISOString()}`);
  await page.waitForSelector('[data-testid=log-row]');
  const today = new Date(t0).toDateString() === new Date().toDateString();
  if (today) assert.match((await page.locator('[data-testid=log-row] .ts').first().textContent()) ?? '', /^\d\d:\d\d:\d\d/);
});

test('rows of real systems\' lines leave out the time and the level word after it, and nothing else', async () => {
  // Raw lines (the server reads their time and level), lines whose time a shipper already cut
  // off (the level word now starts them), and lines whose level word is prose, not a header.
  const raw: [string, string][] = [
    ['2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200', '[QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200'],
    ['2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001', '[main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001'],
    ['17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]', 'executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]'],
    ['[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6', 'mod_jk child workerEnv in error state 6'],
    ['20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579', 'Step_LSC|30002312|onStandStepChanged 3579'],
    ['Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown', 'combo sshd(pam_unix)[19939]: check pass; user unknown'],
    ['03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app', '1702  2395 D WindowManager: printFreezingDisplayLogsopening app'],
  ];
  const cut: [string, string, string][] = [
    ['WARN [LeaseRenewer:msrabi@msra-sa-41:9000] org.apache.hadoop.hdfs.LeaseRenewer: Failed to renew lease', 'warn', '[LeaseRenewer:msrabi@msra-sa-41:9000] org.apache.hadoop.hdfs.LeaseRenewer: Failed to renew lease'],
    ['INFO  [/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request /10.10.34.11:45307', 'info', '[/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request /10.10.34.11:45307'],
    ['[notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties', 'info', 'workerEnv.init() ok /etc/httpd/conf/workers2.properties'],
    ['Error while reading /etc/app.conf', 'error', 'Error while reading /etc/app.conf'],
    ['user clicked the ERROR report button', 'error', 'user clicked the ERROR report button'],
  ];
  const now = Date.now();
  await postRecords(server.url, raw.map(([message]) => ({ message, source: 'loghub' })));
  await postRecords(server.url, cut.map(([message, level], i) => ({ message, level, source: 'loghub', ts: now - 60_000 + i })));
  await page.goto(`${server.url}/?source=loghub&range=all`);
  const want = [...raw.map(([, shown]) => shown), ...cut.map(([, , shown]) => shown)].sort();
  await waitFor(async () => (await rowMessages(page)).length === want.length, 'every line');
  assert.deepEqual((await rowMessages(page)).sort(), want);
  // The expanded row keeps the line as written.
  await page.locator('[data-testid=log-row]', { hasText: 'Created MRAppMaster' }).locator('.row-line').click();
  assert.equal(await page.locator('.full-message').textContent(), raw[1][0]);
});

test('a fixed range opens at its newest line; a link to a line opens there, expanded', async () => {
  await page.goto(`${server.url}/?source=nav&from=${new Date(t0 - MIN).toISOString()}&to=${new Date(t0 + 700_000).toISOString()}`);
  await waitFor(async () => (await rowMessages(page)).at(-1) === 'nav 600', 'the newest line of the range at the bottom');
  // Copy the link of a line far from the newest end, then open it.
  const id = await page.evaluate(async () => {
    const res = await fetch('/api/v1/logs?source=nav&q=%22nav%20123%22&limit=1');
    return ((await res.json()) as { logs: { id: number }[] }).logs[0].id;
  });
  await page.goto(`${server.url}/?source=nav&from=${new Date(t0 - MIN).toISOString()}&to=${new Date(t0 + 700_000).toISOString()}&row=${id}`);
  const row = page.locator(`[data-testid=log-row][data-id="${id}"]`);
  await row.waitFor();
  await waitFor(async () => (await row.getAttribute('class'))?.includes('expanded'), 'the shared line expanded');
  const box = await row.boundingBox();
  const list = await page.locator('.list').boundingBox();
  assert.ok(box && list && box.y >= list.y && box.y < list.y + list.height, 'the shared line in view');
  // Its own "Copy link" gives a link to it.
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await row.getByRole('button', { name: 'Copy link to this line' }).click();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(new URL(link).searchParams.get('row'), String(id));
});

test('the address bar keeps pointing at a shared line until the view changes', async () => {
  const range = `from=${new Date(t0 - MIN).toISOString()}&to=${new Date(t0 + 700_000).toISOString()}`;
  const idOf = (text: string) =>
    page.evaluate(async (q) => {
      const res = await fetch(`/api/v1/logs?source=nav&q=${encodeURIComponent(`"${q}"`)}&limit=1`);
      return ((await res.json()) as { logs: { id: number }[] }).logs[0].id;
    }, text);
  await page.goto(`${server.url}/?source=nav`);
  const id = await idOf('nav 123');
  const rowParam = () => new URL(page.url()).searchParams.get('row');
  const opened = async () => {
    const row = page.locator(`[data-testid=log-row][data-id="${id}"]`);
    await waitFor(async () => (await row.getAttribute('class'))?.includes('expanded'), 'the shared line expanded');
    // Everything the page loads for the view is in: the list, the histogram, the live state.
    await waitFor(async () => /lines? in range/.test((await page.locator('.histogram-title').textContent()) ?? ''), 'the histogram');
    await waitFor(async () => (await page.locator('[data-testid=connection]').getAttribute('data-state')) === 'fixed', 'a fixed range');
  };
  await page.goto(`${server.url}/?source=nav&${range}&row=${id}`);
  await opened();
  assert.equal(rowParam(), String(id), 'row= is still in the URL once the page has opened the line');
  // So the address bar is a link to the line: a reload opens it again.
  await page.reload();
  await opened();
  assert.equal(rowParam(), String(id), 'row= survives a reload');
  // Opening another line changes what is looked at: the URL no longer names the shared one.
  await page.locator('[data-testid=log-row]', { hasText: 'nav 124' }).locator('.row-line').click();
  await waitFor(() => rowParam() === null, 'row= gone after opening another line');
  assert.equal(new URL(page.url()).searchParams.get('source'), 'nav', 'the rest of the view stays');
  // A filter changes the view: row= goes with it, and Back does not bring back a row= that is not open.
  await page.goto(`${server.url}/?source=nav&${range}&row=${id}`);
  await opened();
  await page.locator('button[data-level-toggle=error]').click();
  await waitFor(() => page.url().includes('level=') && rowParam() === null, 'a level filter without row=');
  // (Back restores the entry's address, row= with it, before the page rewrites it.)
  await page.goBack();
  await waitFor(() => !page.url().includes('level=') && rowParam() === null, 'Back: no level filter, and no row= for a line that is not open');
});

test('a search longer than the server takes is capped in the box with a message; ignored link parts are said', async () => {
  await page.goto(`${server.url}/?source=nav`);
  const box = page.getByRole('combobox', { name: 'Search logs' });
  await box.fill('x'.repeat(1100));
  assert.equal((await box.inputValue()).length, 1024);
  assert.match((await page.locator('#search-limit').textContent()) ?? '', /1,024 characters/);
  await waitFor(() => (search(new URL(page.url()), 'q') ?? '').length === 1024, 'the capped search in the URL');
  assert.equal(await page.getByText('Try again').count(), 0);
  // A reversed range in a shared link.
  await page.goto(`${server.url}/?source=nav&from=${new Date(t0 + MIN).toISOString()}&to=${new Date(t0).toISOString()}`);
  const note = page.locator('[data-testid=link-ignored]');
  await note.waitFor();
  assert.match((await note.textContent()) ?? '', /ends before it starts; showing the last hour instead/);
  await page.goto(`${server.url}/?from=yesterday&to=now`);
  assert.match((await note.textContent()) ?? '', /not two valid times/);
});

test('context loads more lines and can switch to all sources around that time', async () => {
  await page.goto(`${server.url}/?source=nav&from=${new Date(t0 + 290_000).toISOString()}&to=${new Date(t0 + 300_000).toISOString()}`);
  const row = page.locator('[data-testid=log-row]', { hasText: 'nav 296' });
  await row.locator('.row-line').click();
  await row.getByRole('button', { name: 'Show context' }).click();
  await waitFor(async () => (await page.locator('[data-testid=context-line]').count()) === 21, '10 lines each side');
  await page.getByRole('button', { name: 'Load earlier lines' }).click();
  await waitFor(async () => (await page.locator('[data-testid=context-line]').count()) === 31, '20 lines before');
  await page.getByLabel('All sources').check();
  await waitFor(async () => (await page.locator('[data-testid=context-line]', { hasText: 'other' }).count()) > 0, 'lines of another source');
  assert.equal(await page.locator('.context h3').textContent().then((t) => t?.startsWith('Context from all sources')), true);
});

test('at 400 px every control of the header, the filters and the histogram lies inside the window; Zoom out works', async () => {
  const narrow = await launchBrowser({ width: 400, height: 800 });
  try {
    const p = await narrow.context.newPage();
    const outside = async () =>
      p.locator('header.top, .filters, .histogram-head').evaluateAll((areas) =>
        areas.flatMap((area) =>
          [...area.querySelectorAll<HTMLElement>('button, a, select, input, [role=combobox]')]
            .filter((el) => el.getClientRects().length > 0)
            .map((el) => ({ el, name: el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName, r: el.getBoundingClientRect() }))
            .filter(({ el, r }) => {
              if (r.left < -0.5 || r.right > window.innerWidth + 0.5 || r.top < -0.5 || r.bottom > window.innerHeight + 0.5) return true;
              // Drawn, but is it what a click at its centre reaches (not clipped or covered)?
              const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
              return !hit || !el.contains(hit);
            })
            .map(({ name, r }) => `${name} at x ${Math.round(r.left)}..${Math.round(r.right)}, y ${Math.round(r.top)}`),
        ),
      );
    // A live range and a fixed one (which adds the date inputs and "Back to live").
    const from = t0 + 100_000;
    const to = t0 + 200_000;
    for (const path of ['/?source=nav', `/?source=nav&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`]) {
      await p.goto(`${server.url}${path}`);
      await p.waitForSelector('[data-testid=log-row]');
      await waitFor(async () => /lines? in range/.test((await p.locator('.histogram-title').textContent()) ?? ''), 'the histogram');
      await p.getByRole('button', { name: 'Zoom out' }).waitFor();
      assert.deepEqual(await outside(), [], `${path}: controls cut off at 400 px`);
      assert.equal(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0, 'no sideways scrolling');
    }
    await p.getByRole('button', { name: 'Zoom out' }).click();
    await waitFor(() => Date.parse(new URL(p.url()).searchParams.get('from') ?? '') === from - 50_000, 'Zoom out at 400 px: from 50 s earlier');
  } finally {
    await narrow.close();
  }
});

test('the theme follows the system until chosen; the start note and the new-lines button cover no row', async () => {
  const light = await launchBrowser({ width: 400, height: 800 });
  try {
    const p = await light.context.newPage();
    await p.emulateMedia({ colorScheme: 'light' });
    await p.goto(`${server.url}/?source=other`);
    await p.waitForSelector('[data-testid=log-row]');
    assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'light');
    // 30 lines at 400 px: the start note sits above the first row, not on it.
    await p.locator('.list').evaluate((el) => (el.scrollTop = 0));
    const note = await p.locator('.list-start').boundingBox();
    const first = await p.locator('[data-testid=log-row]').first().boundingBox();
    assert.ok(note && first && note.y + note.height <= first.y + 0.5, `note ${JSON.stringify(note)} vs first row ${JSON.stringify(first)}`);
    // Reading the last line while new ones wait: its buttons can be scrolled clear of the button.
    // The line arrives once the row is open (an open row holds new lines behind the button);
    // posted before, it would be followed like any live line. Under load a click that lands
    // while the page is still settling its first view can be undone by that view starting
    // afresh (nothing expanded): click again until the row stays open.
    await waitFor(async () => {
      if (await p.locator('.details-actions').isVisible()) return true;
      await p.locator('[data-testid=log-row] .row-line').last().click();
      return p.locator('.details-actions').waitFor({ timeout: 3000 }).then(
        () => true,
        () => false,
      );
    }, 'the last row to open');
    await postRecords(server.url, [{ message: 'other new', source: 'other' }]);
    const pill = p.getByRole('button', { name: /new line/ });
    await pill.waitFor();
    await p.locator('.list').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const pillBox = await pill.boundingBox();
    const buttons = await p.locator('.details-actions').boundingBox();
    assert.ok(pillBox && buttons && buttons.y + buttons.height <= pillBox.y, `the row's buttons ${JSON.stringify(buttons)} end above the new-lines button ${JSON.stringify(pillBox)}`);
    // One burst must not flatten the rest: the log scale is a toggle beside the histogram.
    const logScale = p.getByRole('button', { name: 'Log scale' });
    await logScale.click();
    assert.equal(await logScale.getAttribute('aria-pressed'), 'true');
    // The toggle's choice wins over the system's.
    await p.getByRole('button', { name: 'Switch to dark theme' }).click();
    await p.reload();
    assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark');
  } finally {
    await light.close();
  }
  assert.deepEqual(watch.problems, []);
});
