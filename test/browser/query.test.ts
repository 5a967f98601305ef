// The dashboard's side of the query language in Chromium against a real `logpipe server`
// (SQLite): the query bar (colours, inline errors, completion from /fields), the field sidebar,
// + / − in an expanded row, the host filter and the histogram split by a field, all in the URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { rowMessages, waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import type { IngestRecord } from '../../src/shared/record.js';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
let watch: ReturnType<typeof watchProblems>;
const now = Date.now();

// Twelve lines: two sources, two hosts, a request id and an HTTP status in attrs.
const seeded: IngestRecord[] = Array.from({ length: 12 }, (_, i) => ({
  message: `request ${i} handled by ${i % 2 ? 'billing' : 'auth'}${i % 3 === 0 ? ' after timeout' : ''}`,
  level: i % 4 === 0 ? 'error' : 'info',
  source: i % 2 ? 'billing' : 'auth',
  host: i < 6 ? 'web-1' : 'web-2',
  ts: now - 5 * 60_000 + i * 1000,
  attrs: { request_id: `req-${i % 3}`, http: { status: i % 4 === 0 ? 503 : 200 } },
}));

async function open(path = '/'): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector('[data-testid=log-row], .list-state');
}

function urlQ(): string | null {
  return new URL(page.url()).searchParams.get('q');
}

async function rowsAre(pred: (messages: string[]) => boolean, what: string): Promise<string[]> {
  return (await waitFor(async () => {
    const m = await rowMessages(page);
    return pred(m) ? m : null;
  }, what)) as string[];
}

before(async () => {
  ({ server, browser, page, watch } = await openRig({ records: seeded }));
});

after(() => closeRig({ server, browser }));

test('a field filter typed in the bar is coloured, reaches the URL, selects its lines, and the URL opens the same view', async () => {
  await open();
  await rowsAre((m) => m.length === 12, 'all twelve lines');
  const bar = page.getByRole('combobox', { name: 'Search logs' });
  // A click first: Chromium skips history entries a page adds without any user activation.
  await bar.click();
  await bar.fill('source:billing -timeout');
  await waitFor(() => urlQ() === 'source:billing -timeout', 'the query in the URL');
  const rows = await rowsAre((m) => m.length === 4, 'the four billing lines without timeout');
  assert.ok(rows.every((m) => m.includes('billing') && !m.includes('timeout')), rows.join('\n'));
  const colours = page.getByTestId('query-colours');
  assert.equal(await colours.locator('.q-field').first().textContent(), 'source:');
  assert.equal(await colours.locator('.q-value').first().textContent(), 'billing');
  assert.equal(await colours.locator('.q-operator').first().textContent(), '-');
  assert.equal(await colours.locator('.q-term').first().textContent(), 'timeout');
  assert.equal(await page.getByTestId('query-error').count(), 0);
  // The URL round-trips: opened afresh, it shows the same query and lines. (Back and Forward
  // through searches are navigation.test.ts's; a Forward step here failed in 2 of ~10 runs
  // under load, cause not found — see the closing note of session 3.)
  const shared = page.url();
  await page.goto('about:blank');
  await page.goto(shared);
  await rowsAre((m) => m.length === 4, 'the filtered lines when the URL is opened again');
  assert.equal(await bar.inputValue(), 'source:billing -timeout');
});

test('a query that does not parse says why under the bar, with its column, and the list says so too', async () => {
  await open();
  const bar = page.getByRole('combobox', { name: 'Search logs' });
  await bar.fill('billing (auth');
  const error = page.getByTestId('query-error');
  // Shown as the user types, before the server was asked.
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /column \d+/i);
  assert.equal(await bar.getAttribute('aria-invalid'), 'true');
  assert.ok((await error.locator('mark').count()) === 1);
  // The list is not a silent "no lines": it names the server's LP_ERR_QUERY.
  await waitFor(() => page.getByText('The search is not understood').isVisible(), 'the list to say the query was refused');
  assert.equal(await page.locator('[data-testid=log-row]').count(), 0);
  await bar.fill('billing (auth OR timeout)');
  await waitFor(async () => (await error.count()) === 0, 'the error to go once the query parses');
  const rows = await rowsAre((m) => m.length === 2, 'the two billing lines with a timeout');
  assert.ok(rows.every((m) => m.includes('billing') && m.includes('timeout')), rows.join('\n'));
});

test('completion offers field names then values from /fields, by keyboard', async () => {
  await open();
  const bar = page.getByRole('combobox', { name: 'Search logs' });
  await bar.fill('');
  await bar.pressSequentially('req');
  const list = page.getByRole('listbox', { name: 'Completions' });
  await list.waitFor();
  assert.equal(await bar.getAttribute('aria-expanded'), 'true');
  const names = await list.getByRole('option').allTextContents();
  assert.ok(names.some((n) => n.startsWith('request_id')), names.join(','));
  await bar.press('Enter');
  assert.equal(await bar.inputValue(), 'request_id:');
  // The values of request_id come next; ArrowDown moves, Tab takes.
  await waitFor(async () => (await list.getByRole('option').count()) === 3, 'three request ids');
  await bar.press('ArrowDown');
  const chosen = await list.locator('[aria-selected=true] .s-label').textContent();
  await bar.press('Tab');
  assert.equal(await bar.inputValue(), `request_id:${chosen} `);
  // Escape closes the list without clearing the text.
  await bar.pressSequentially('ht');
  await list.waitFor();
  await bar.press('Escape');
  assert.equal(await list.count(), 0);
  assert.equal(await bar.inputValue(), `request_id:${chosen} ht`);
});

test('completion keeps the field names of earlier views once a half-typed name becomes a search that matches nothing', async () => {
  await open();
  await rowsAre((m) => m.length === 12, 'all twelve lines');
  const bar = page.getByRole('combobox', { name: 'Search logs' });
  await bar.fill('');
  // `htt` settles into the view's query; no line has that word, so that view has no fields.
  const answered = page.waitForResponse((r) => r.url().includes('/api/v1/fields') && new URL(r.url()).searchParams.get('q') === 'htt');
  await bar.pressSequentially('htt');
  await answered;
  const sidebar = page.getByRole('complementary', { name: 'Fields' });
  await sidebar.getByText('No fields in these lines.').waitFor();
  const list = page.getByRole('listbox', { name: 'Completions' });
  await list.waitFor();
  const names = await list.getByRole('option').allTextContents();
  assert.ok(names.some((n) => n.startsWith('http.status')), names.join(','));
  await bar.press('Enter');
  assert.equal(await bar.inputValue(), 'http.status:');
});

test('the field sidebar lists fields with top values; + and − edit the query, Back undoes them', async () => {
  await open();
  await rowsAre((m) => m.length === 12, 'all twelve lines');
  const sidebar = page.getByRole('complementary', { name: 'Fields' });
  await sidebar.waitFor();
  assert.match((await page.getByTestId('fields-sampled').textContent()) ?? '', /From all 12 matching lines/);
  await sidebar.locator('summary', { hasText: 'http.status' }).click();
  const statuses = sidebar.getByRole('list', { name: 'Top values of http.status' });
  assert.match((await statuses.textContent()) ?? '', /200\s*9/);
  await sidebar.locator('summary', { hasText: 'source' }).click();
  await sidebar.getByRole('button', { name: 'Filter out source:auth' }).click();
  await waitFor(() => urlQ() === '-source:auth', '-source:auth in the URL');
  let rows = await rowsAre((m) => m.length === 6, 'the six billing lines');
  assert.ok(rows.every((m) => m.includes('billing')));
  assert.equal(await page.getByRole('combobox', { name: 'Search logs' }).inputValue(), '-source:auth');
  // The sidebar follows the view: auth is gone from the values it lists.
  await waitFor(async () => !(await sidebar.getByRole('button', { name: 'Filter for source:auth' }).count()), 'the sidebar to follow the view');
  await sidebar.locator('summary', { hasText: 'host' }).click();
  await sidebar.getByRole('button', { name: 'Filter for host:web-2' }).click();
  await waitFor(() => urlQ() === '-source:auth host:web-2', 'host:web-2 added');
  rows = await rowsAre((m) => m.length === 3, 'billing lines on web-2');
  // The sidebar can be closed and opened again.
  const toggle = page.getByRole('button', { name: /Fields/ });
  await toggle.click();
  assert.equal(await sidebar.count(), 0);
  await toggle.click();
  await sidebar.waitFor();
  await page.goBack();
  await waitFor(() => urlQ() === '-source:auth', 'Back to -source:auth');
  await rowsAre((m) => m.length === 6, 'six lines after Back');
});

test('an expanded row offers + and − on each attribute path, and copy', async () => {
  await open('/?q=%22request+4%22');
  await rowsAre((m) => m.length === 1, 'the one line of request 4');
  await page.locator('[data-testid=log-row] .row-line').first().click();
  const details = page.locator('[data-testid=log-details]');
  await details.waitFor();
  // Nested attrs are shown as the paths a query names them by.
  assert.match((await details.locator('.attrs').textContent()) ?? '', /http\.status\s*503/);
  assert.equal(await details.getByRole('button', { name: 'Copy http.status' }).count(), 1);
  await details.getByRole('button', { name: 'Filter for http.status:503' }).click();
  await waitFor(() => urlQ() === '"request 4" http.status:503', 'http.status:503 added to the query');
  await page.getByRole('combobox', { name: 'Search logs' }).fill('http.status:503');
  await waitFor(() => urlQ() === 'http.status:503', 'the query replaced');
  let rows = await rowsAre((m) => m.length === 3, 'the three 503 lines');
  await page.locator('[data-testid=log-row] .row-line').first().click();
  await details.waitFor();
  const id = (await details.locator('.attrs tr', { hasText: 'request_id' }).locator('td').first().textContent()) ?? '';
  await details.getByRole('button', { name: `Filter out request_id:${id}` }).click();
  await waitFor(() => urlQ() === `http.status:503 -request_id:${id}`, '-request_id added');
  rows = await rowsAre((m) => m.length === 2, 'two 503 lines left');
  // The host of a row filters too.
  await page.locator('[data-testid=log-row] .row-line').first().click();
  await details.getByRole('button', { name: /^Filter out host:/ }).click();
  await waitFor(() => /-host:web-\d$/.test(urlQ() ?? ''), '-host added');
  assert.ok(rows.length === 2);
});

test('the host filter narrows the list, goes into the URL and survives a reload', async () => {
  await open();
  await rowsAre((m) => m.length === 12, 'all twelve lines');
  await page.getByRole('button', { name: 'Hosts: All hosts' }).click();
  const pop = page.getByRole('group', { name: 'Choose hosts' });
  await pop.getByRole('checkbox', { name: /web-2/ }).check();
  await waitFor(() => new URL(page.url()).searchParams.get('host') === 'web-2', 'host=web-2 in the URL');
  let rows = await rowsAre((m) => m.length === 6, 'the six lines of web-2');
  assert.ok(rows.every((m) => Number(/request (\d+)/.exec(m)?.[1]) >= 6), rows.join('\n'));
  // Both hosts: everything again, sent as one host: clause.
  await pop.getByRole('checkbox', { name: /web-1/ }).check();
  await waitFor(() => new URL(page.url()).searchParams.get('host') === 'web-1,web-2', 'both hosts in the URL');
  await rowsAre((m) => m.length === 12, 'all lines for both hosts');
  await page.keyboard.press('Escape');
  await open('/?host=web-1&q=timeout');
  rows = await rowsAre((m) => m.length === 2, 'timeout lines of web-1');
  assert.equal(await page.getByRole('button', { name: 'Hosts: web-1' }).count(), 1);
  await page.goBack();
  await waitFor(() => new URL(page.url()).searchParams.get('host') === 'web-1,web-2', 'Back to both hosts');
});

test('the histogram splits by a chosen field with by=, in the URL, and Back restores the split', async () => {
  await open();
  await rowsAre((m) => m.length === 12, 'all twelve lines');
  const picker = page.getByRole('combobox', { name: 'Split histogram by' });
  assert.equal(await picker.inputValue(), 'level');
  const legend = page.getByTestId('split-legend');
  assert.equal(await legend.count(), 0);
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/histogram')) asked.push(new URL(r.url()).searchParams.get('by') ?? '');
  });
  await picker.selectOption('host');
  await waitFor(() => new URL(page.url()).searchParams.get('split') === 'host', 'split=host in the URL');
  await waitFor(async () => /web-1\s*6.*web-2\s*6/s.test((await legend.textContent()) ?? ''), 'a legend of both hosts with six lines each');
  assert.ok(asked.includes('host'), asked.join(','));
  assert.equal(await page.getByRole('region', { name: 'Log volume per host' }).count(), 1);
  // Any field /fields knows can be chosen.
  await waitFor(async () => (await picker.locator('option', { hasText: 'http.status' }).count()) === 1, 'http.status among the choices');
  await picker.selectOption('http.status');
  await waitFor(async () => /200\s*9.*503\s*3/s.test((await legend.textContent()) ?? ''), 'a legend of 200 and 503');
  await page.goBack();
  await waitFor(() => new URL(page.url()).searchParams.get('split') === 'host', 'Back to split=host');
  await waitFor(async () => /web-1/.test((await legend.textContent()) ?? ''), 'the host legend again');
  assert.equal(await picker.inputValue(), 'host');
  await picker.selectOption('level');
  await waitFor(() => !new URL(page.url()).searchParams.has('split'), 'no split in the URL for level');
  assert.equal(await legend.count(), 0);
  assert.equal((await rowMessages(page)).length, 12);
});

after(() => {
  // The refused query's requests (list, histogram, fields) are the 400s the browser reports.
  assert.deepEqual((watch?.problems ?? []).filter((p) => !/status of 400/.test(p)), []);
});
