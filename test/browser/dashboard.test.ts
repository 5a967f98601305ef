// The dashboard in Debian's Chromium against a real `logpipe server`: live lines, level
// toggles, search with highlights, histogram drag, details with context, URL state across a
// reload, keyboard, themes, XSS lines rendered as text, narrow windows, and no CSP violations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';
import type { IngestRecord } from '../../src/shared/record.js';
import { LEVELS } from '../../src/shared/levels.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
let watch: ReturnType<typeof watchProblems>;
const now = Date.now();

// Six lines per level, each naming its level, a few minutes old, from two sources.
const seeded: IngestRecord[] = LEVELS.filter((l) => l !== 'unknown').flatMap((level, li) =>
  Array.from({ length: 6 }, (_, i) => ({
    message: `seeded ${level} line ${i} from checkout${i === 0 ? '\n  at frame one\n  at frame two' : ''}`,
    level,
    source: i % 2 ? 'checkout' : 'billing',
    host: 'test-host',
    ts: now - 10 * 60_000 + li * 6000 + i * 1000,
    attrs: i === 1 ? { order_id: 1000 + li, customer: 'ada' } : undefined,
  })),
);

async function open(path = '/'): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector('[data-testid=log-row], .list-state');
}

async function liveConnected(): Promise<void> {
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail to connect');
}

before(async () => {
  ({ server, browser, page, watch } = await openRig({ records: seeded }));
  page.on('dialog', (d) => {
    watch.problems.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
});

after(() => closeRig({ server, browser }));

test('lines posted to the API appear live, in order, with the Live toggle pressed', async () => {
  await open();
  await liveConnected();
  assert.equal(await page.getByRole('button', { name: 'Live', exact: true }).getAttribute('aria-pressed'), 'true');
  await postRecords(server.url, [1, 2, 3].map((i) => ({ message: `live arrival ${i}`, level: 'info', source: 'live' })));
  await waitFor(async () => (await rowMessages(page)).filter((m) => m.startsWith('live arrival')).length === 3, 'three live lines');
  const live = (await rowMessages(page)).filter((m) => m.startsWith('live arrival'));
  assert.deepEqual(live, ['live arrival 1', 'live arrival 2', 'live arrival 3']);
  // Following: the newest line is the last row on screen.
  const last = (await rowMessages(page)).at(-1);
  assert.equal(last, 'live arrival 3');
});

test('scrolling up stops following; the "N new lines" button jumps back to the newest', async () => {
  await open();
  await liveConnected();
  await page.locator('.list').evaluate((el) => (el.scrollTop = 0));
  await postRecords(server.url, [1, 2].map((i) => ({ message: `while scrolled up ${i}`, level: 'info', source: 'live' })));
  const button = page.getByRole('button', { name: /2 new lines/ });
  await button.waitFor();
  // The view stayed where the user put it, and Live is still on.
  assert.equal(await page.locator('.list').evaluate((el) => el.scrollTop), 0);
  assert.equal(await page.getByRole('button', { name: 'Live', exact: true }).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.title(), '(2) logpipe');
  await button.click();
  await waitFor(async () => (await rowMessages(page)).at(-1) === 'while scrolled up 2', 'the newest line at the bottom');
  assert.equal(await button.count(), 0);
  assert.equal(await page.title(), 'logpipe');
  // Following again: the next line scrolls into view by itself.
  await postRecords(server.url, [{ message: 'after jumping back', level: 'info', source: 'live' }]);
  await waitFor(async () => (await rowMessages(page)).at(-1) === 'after jumping back', 'following again');
});

test('each level toggle hides and shows exactly its rows', async () => {
  // One source: 18 lines, all of them fit on screen at once.
  await open('/?source=checkout');
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
    const toggle = page.locator(`button[data-level-toggle=${level}]`);
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await waitFor(async () => (await page.locator(`[data-testid=log-row][data-level=${level}]`).count()) === 0 && (await page.locator('[data-testid=log-row]').count()) > 0, `${level} rows to disappear`);
    assert.match(page.url(), /level=/);
    await toggle.click();
    await waitFor(async () => (await page.locator(`[data-testid=log-row][data-level=${level}]`).count()) === 3, `${level} rows to come back`);
  }
  // The counts on the toggles come from the histogram of the range.
  await waitFor(async () => (await page.locator('button[data-level-toggle=fatal] .count').textContent()) === '3', 'the fatal count of this source');
  // Shift-click shows only one level.
  await page.locator('button[data-level-toggle=error]').click({ modifiers: ['Shift'] });
  await waitFor(async () => {
    const levels = await page.locator('[data-testid=log-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
    return levels.length === 3 && levels.every((l) => l === 'error');
  }, 'only error rows');
  await page.getByRole('button', { name: 'Reset filters' }).click();
  await waitFor(async () => !page.url().includes('level='), 'the level filter to clear');
});

test('search narrows the rows on the server and highlights the matches', async () => {
  await open();
  const box = page.getByRole('combobox', { name: 'Search logs' });
  // Only the first line of each multi-line message holds "frame" (in its second line).
  await box.fill('frame');
  await waitFor(async () => (await rowMessages(page)).length === 6, 'the six multi-line messages');
  await box.fill('fatal line');
  await waitFor(async () => page.url().includes('q=fatal+line') && (await rowMessages(page)).filter((m) => m.includes('fatal line')).length === 6, 'six fatal lines');
  for (const msg of await rowMessages(page)) assert.match(msg, /fatal line/);
  const marks = await page.locator('[data-testid=log-row] .msg mark').allTextContents();
  assert.ok(marks.length >= 12, `expected highlights, got ${marks.length}`);
  for (const m of marks) assert.match(m, /^(fatal|line)$/i);
  assert.match(page.url(), /q=fatal\+line/);
  await box.fill('');
  await waitFor(async () => !page.url().includes('q='), 'the search to clear');
});

test('dragging across the histogram sets a fixed time range in the view and the URL', async () => {
  await open();
  const over = page.locator('[data-testid=histogram] .u-over');
  await over.waitFor();
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  await waitFor(() => /from=.*&to=/.test(page.url()), 'from and to in the URL');
  const u = new URL(page.url());
  const from = Date.parse(u.searchParams.get('from')!);
  const to = Date.parse(u.searchParams.get('to')!);
  assert.ok(to > from, 'a forward range');
  assert.ok(to - from < 40 * 60_000, `a range narrower than the hour shown, got ${to - from} ms`);
  assert.equal(await page.getByRole('combobox', { name: 'Time range' }).inputValue(), 'custom');
  assert.equal(await page.locator('[data-testid=connection]').getAttribute('data-state'), 'fixed');
  assert.equal(await page.getByRole('button', { name: 'Live', exact: true }).getAttribute('aria-pressed'), 'false');
  // Every row shown lies inside the range.
  await waitFor(async () => {
    const times = await page.locator('[data-testid=log-row] time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime')!)));
    return times.every((t) => t >= from && t < to);
  }, 'rows inside the range');
});

test('a custom range from the time picker filters the rows and lands in the URL', async () => {
  await open();
  await page.getByRole('combobox', { name: 'Time range' }).selectOption('custom');
  // The six fatal lines were stamped 10 minutes ago + 30..35 s.
  const fatalStart = now - 10 * 60_000 + 5 * 6000;
  const local = (ms: number) => {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  };
  await page.getByLabel('From', { exact: true }).fill(local(fatalStart));
  await page.getByLabel('To', { exact: true }).fill(local(fatalStart + 6000));
  await page.getByRole('button', { name: 'Apply' }).click();
  await waitFor(() => /from=.*&to=/.test(page.url()), 'the custom range in the URL');
  await waitFor(async () => {
    const levels = await page.locator('[data-testid=log-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
    return levels.length === 6 && levels.every((l) => l === 'fatal');
  }, 'the six lines of that range');
  await page.getByRole('combobox', { name: 'Time range' }).selectOption('1h');
  await waitFor(() => !page.url().includes('from='), 'back to the last hour');
});

test('a clicked row expands with the full message, fields, copy buttons and context', async () => {
  await open('/?q=%22seeded+info+line+1%22');
  await waitFor(async () => (await rowMessages(page)).length === 1, 'one row');
  await page.locator('[data-testid=log-row] .row-line').first().click();
  const details = page.locator('[data-testid=log-details]');
  await details.waitFor();
  assert.match((await details.locator('.attrs').textContent()) ?? '', /order_id.*1002/);
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await details.getByRole('button', { name: 'Copy message' }).click();
  await waitFor(async () => (await details.getByRole('button', { name: 'Copied' }).count()) === 1, 'the copy confirmation');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'seeded info line 1 from checkout');
  await details.getByRole('button', { name: 'Show context' }).click();
  await waitFor(async () => (await details.locator('[data-testid=context-line]').count()) >= 3, 'context lines');
  const ctx = await details.locator('[data-testid=context-line]').allTextContents();
  // Context comes from the same source (checkout) regardless of the search.
  assert.ok(ctx.some((t) => t.includes('seeded info line 3 from checkout')), ctx.join('\n'));
  assert.match((await details.locator('[data-testid=context-line][aria-current=true]').textContent()) ?? '', /seeded info line 1/);
  await page.keyboard.press('Escape');
  await waitFor(async () => (await details.count()) === 0, 'details to close on Esc');
  // Multi-line messages show in full when expanded.
  await open('/?q=%22seeded+warn+line+0%22');
  await waitFor(async () => (await rowMessages(page)).length === 1, 'one row');
  await page.locator('[data-testid=log-row] .row-line').first().click();
  assert.match((await page.locator('.full-message').textContent()) ?? '', /at frame one\n\s+at frame two/);
});

test('the URL round-trips: a reload shows the same view', async () => {
  await open('/?q=line&level=warn%2Cerror&source=billing&range=15m');
  const check = async () => {
    assert.equal(await page.getByRole('combobox', { name: 'Search logs' }).inputValue(), 'line');
    assert.equal(await page.locator('button[data-level-toggle=warn]').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('button[data-level-toggle=info]').getAttribute('aria-pressed'), 'false');
    assert.equal(await page.getByRole('combobox', { name: 'Time range' }).inputValue(), '15m');
    await waitFor(async () => {
      const rows = await page.locator('[data-testid=log-row]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-level')} ${e.querySelector('.src')?.textContent}`));
      return rows.length === 6 && rows.every((r) => /^(warn|error) billing$/.test(r));
    }, 'warn and error rows from billing');
  };
  await check();
  const before = page.url();
  await page.reload();
  await check();
  assert.equal(page.url(), before);
});

test('keyboard: / focuses search, space toggles Live, Esc clears the search', async () => {
  await open();
  await page.locator('body').click({ position: { x: 5, y: 790 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search logs');
  await page.keyboard.type('zzz');
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('combobox', { name: 'Search logs' }).inputValue(), '');
  await page.evaluate(() => (document.activeElement as HTMLElement).blur());
  const live = page.getByRole('button', { name: 'Live', exact: true });
  assert.equal(await live.getAttribute('aria-pressed'), 'true');
  await page.keyboard.press(' ');
  assert.equal(await live.getAttribute('aria-pressed'), 'false');
  // Paused: new lines are counted, not scrolled to.
  await postRecords(server.url, [{ message: 'arrived while paused', level: 'warn', source: 'live' }]);
  await page.getByRole('button', { name: /1 new line/ }).waitFor();
  await page.keyboard.press(' ');
  assert.equal(await live.getAttribute('aria-pressed'), 'true');
  await waitFor(async () => (await rowMessages(page)).at(-1) === 'arrived while paused', 'the paused line at the bottom');
});

test('log text is rendered as text: markup in lines is shown, never run', async () => {
  const evil = [
    '<script>window.__xss = 1; alert("xss")</script>',
    '<img src=x onerror="window.__xss = 2; alert(2)">',
    '"><svg onload=alert(3)> & &amp; &lt;b&gt;',
  ];
  await open();
  await liveConnected();
  await postRecords(server.url, evil.map((message) => ({ message, level: 'error', source: 'evil', attrs: { html: '<b onmouseover=alert(4)>x</b>' } })));
  await waitFor(async () => (await rowMessages(page)).filter((m) => evil.includes(m)).length === 3, 'the three hostile lines as text');
  for (const row of await page.locator('[data-testid=log-row][data-level=error] .row-line').all()) {
    if (evil.includes((await row.locator('.msg').textContent()) ?? '')) await row.click();
  }
  await page.getByRole('combobox', { name: 'Search logs' }).fill('script');
  await waitFor(async () => (await page.locator('[data-testid=log-row] mark').count()) >= 2, 'a highlighted hostile line');
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  assert.equal(await page.locator('.list img, .list svg, .list script, .list b').count(), 0);
  assert.ok((await page.locator('.list').textContent())!.includes('<script>window.__xss = 1;'));
  assert.deepEqual(watch.problems.filter((p) => p.startsWith('dialog')), []);
});

test('a 200 KB line and terminal colour codes are drawn as readable text', async () => {
  await open('/?source=odd');
  const huge = `hugeline ${'abcdefghij'.repeat(20_000)}`;
  await postRecords(server.url, [
    { message: huge, level: 'warn', source: 'odd' },
    { message: '\x1b[31mcolourful\x1b[0m \x1b[1;33mwarning\x1b[m text', level: 'warn', source: 'odd' },
  ]);
  await waitFor(async () => (await rowMessages(page)).length === 2, 'the two odd lines');
  const [first, second] = await rowMessages(page);
  assert.ok(first.startsWith('hugeline abcdefghij') && first.length <= 2002, `row text of ${first.length} chars`);
  assert.equal(second, 'colourful warning text');
  await page.locator('[data-testid=log-row] .row-line').first().click();
  assert.equal((await page.locator('.full-message').textContent())!.length, huge.length);
  await page.keyboard.press('Escape');
});

test('the theme toggle switches to light and the choice survives a reload', async () => {
  await open();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  await page.reload();
  await page.waitForSelector('[data-testid=log-row]');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
});

test('a narrow window keeps rows readable without sideways scrolling', async () => {
  const narrow = await browser.context.newPage();
  await narrow.setViewportSize({ width: 400, height: 760 });
  await narrow.goto(server.url);
  await narrow.waitForSelector('[data-testid=log-row]');
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the window`);
  const msgBox = (await narrow.locator('[data-testid=log-row] .msg').first().boundingBox())!;
  assert.ok(msgBox.width > 150, `message column only ${msgBox.width}px wide`);
  assert.ok(await narrow.getByRole('combobox', { name: 'Search logs' }).isVisible());
  await narrow.close();
});

test('empty results say so in words, with a way out', async () => {
  await open('/?q=nothingmatchesthis');
  const state = page.locator('.list-state');
  await waitFor(async () => /No lines match/.test((await state.textContent()) ?? ''), 'the empty state');
  await page.getByRole('button', { name: 'Clear the search' }).click();
  await page.waitForSelector('[data-testid=log-row]');
});

test('the source filter narrows to the chosen sources', async () => {
  await open();
  await page.getByRole('button', { name: /^Sources:/ }).click();
  const group = page.getByRole('group', { name: 'Choose sources' });
  // The finder narrows a long list of sources (appears past 8; this server has fewer).
  if (await group.getByLabel('Find a source').count()) await group.getByLabel('Find a source').fill('bill');
  await group.getByRole('checkbox', { name: /billing/ }).check();
  await waitFor(() => page.url().includes('source=billing'), 'source in the URL');
  await waitFor(async () => {
    const src = await page.locator('[data-testid=log-row] .src').allTextContents();
    return src.length === 18 && src.every((x) => x === 'billing');
  }, 'only billing rows');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Reset filters' }).click();
  await waitFor(() => !page.url().includes('source='), 'the source filter to clear');
});

test('export links carry the current filters and download every matching line from the server', async () => {
  await open('/?q=seeded&level=fatal');
  const link = page.getByRole('link', { name: 'Export matching lines as NDJSON' });
  const href = (await link.getAttribute('href'))!;
  assert.match(href, /^\/api\/v1\/logs\/export\?/);
  assert.equal(await link.getAttribute('download'), 'logpipe-export.ndjson');
  const params = new URL(href, server.url).searchParams;
  assert.equal(params.get('q'), 'seeded');
  assert.equal(params.get('level'), 'fatal');
  assert.equal(params.get('format'), 'ndjson');
  assert.ok(Number(params.get('from')) > 0, 'the range is part of the export');
  const body = await (await fetch(new URL(href, server.url))).text();
  const recs = body.trim().split('\n').map((l) => JSON.parse(l) as { level: string; message: string });
  assert.equal(recs.length, 6);
  assert.ok(recs.every((r) => r.level === 'fatal' && r.message.includes('seeded')));
  const csv = page.getByRole('link', { name: 'Export matching lines as CSV' });
  assert.match((await csv.getAttribute('href'))!, /format=csv/);
});

test('the histogram counts live lines as they arrive', async () => {
  await open();
  await liveConnected();
  const total = async () => Number(((await page.locator('.histogram-title').textContent()) ?? '').replace(/\D/g, ''));
  await waitFor(async () => (await total()) > 0, 'the histogram');
  const before = await total();
  await postRecords(server.url, Array.from({ length: 7 }, (_, i) => ({ message: `histogram live ${i}`, level: 'error', source: 'live' })));
  await waitFor(async () => (await total()) === before + 7, 'seven more lines in the histogram');
});

test('loading and failure are states with words, and Try again recovers', async () => {
  // A page of its own: the failed requests below are logged by the browser on purpose.
  const p2 = await browser.context.newPage();
  let mode: 'slow' | 'fail' | 'pass' = 'slow';
  await p2.route(/\/api\/v1\/logs\?/, async (route) => {
    if (mode === 'fail') return route.abort('connectionrefused');
    if (mode === 'slow') await new Promise((r) => setTimeout(r, 1500));
    return route.continue();
  });
  await p2.goto(server.url);
  await waitFor(async () => /Loading lines/.test((await p2.locator('.list-state').textContent()) ?? ''), 'the loading state');
  await p2.waitForSelector('[data-testid=log-row]');
  mode = 'fail';
  await p2.getByRole('combobox', { name: 'Search logs' }).fill('seeded');
  await waitFor(async () => /Could not load lines[\s\S]*cannot be reached/.test((await p2.locator('.list-state').textContent()) ?? ''), 'the error state');
  mode = 'pass';
  await p2.getByRole('button', { name: 'Try again' }).click();
  await p2.waitForSelector('[data-testid=log-row]');
  await p2.close();
});

test('every control has an accessible name', async () => {
  await open('/?level=error');
  await page.getByRole('button', { name: /^Sources:/ }).click();
  await page.getByRole('combobox', { name: 'Time range' }).selectOption('custom');
  await page.locator('[data-testid=log-row] .row-line').first().click();
  const unnamed = await page.locator('button, a[href], input, select, [role=button]').evaluateAll((els) =>
    els
      .filter((el) => {
        const e = el as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> | null };
        const labelled = e.getAttribute('aria-labelledby')?.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join('') ?? '';
        const fromLabels = e.labels ? [...e.labels].map((l) => l.textContent ?? '').join('') : '';
        const name = (e.getAttribute('aria-label') ?? '') + labelled + fromLabels + (e.tagName === 'INPUT' || e.tagName === 'SELECT' ? '' : e.textContent ?? '');
        return !name.trim();
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  assert.deepEqual(unnamed, []);
  await page.keyboard.press('Escape');
});

test('no Content-Security-Policy violations and no script errors were logged', () => {
  assert.deepEqual(watch.cspViolations, []);
  assert.deepEqual(watch.problems, []);
});

test("a page load asks for the list's first page before the histogram, the fields and the hosts (the server answers one request at a time)", async () => {
  const sent: string[] = [];
  const onRequest = (req: { url(): string }) => {
    const path = new URL(req.url()).pathname;
    if (/^\/api\/v1\/(logs|histogram|fields)$/.test(path)) sent.push(path);
  };
  page.on('request', onRequest);
  try {
    await open('/?range=1h');
    await waitFor(async () => sent.includes('/api/v1/histogram') && sent.includes('/api/v1/fields'), 'the histogram and fields requests');
    const firstLogs = sent.indexOf('/api/v1/logs');
    assert.ok(firstLogs !== -1, `the page asked for its lines: ${sent.join(', ')}`);
    assert.ok(firstLogs < sent.indexOf('/api/v1/histogram') && firstLogs < sent.indexOf('/api/v1/fields'), `order of requests: ${sent.join(', ')}`);
  } finally {
    page.off('request', onRequest);
  }
});
