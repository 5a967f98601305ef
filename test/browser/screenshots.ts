// Makes the dashboard's screenshots in docs/ against a real server holding Loghub lines from
// several systems plus generated application lines, with lines arriving live:
// screenshot-dark.png and screenshot-light.png (1280x800; light with a search and an open row),
// screenshot-narrow.png (400 px), screenshot-burst.png (a burst the live view skipped, on the
// histogram's log scale), screenshot-multiday.png (three days, rows with dates),
// screenshot-query.png (query bar colours and completion, field sidebar, histogram split by
// source) and screenshot-query-narrow.png (400 px, a query that does not parse).
// Run: npm run build && node --import tsx test/browser/screenshots.ts
import { fileURLToPath } from 'node:url';
import { startServer } from '../helpers/server.js';
import { assertDashboardBuilt, launchBrowser, waitFor, watchProblems } from './browser.js';
import { postRecords, realisticRecords } from './seed.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));

await assertDashboardBuilt();
const server = await startServer();
try {
  await postRecords(server.url, realisticRecords(40_000, { spanMs: 58 * 60_000 }));
  // A trickle of live lines while the pictures are taken.
  let n = 0;
  const feeder = setInterval(() => {
    const recs = realisticRecords(12, { seed: 1000 + n++, spanMs: 1 }).map((r) => ({ ...r, ts: Date.now() }));
    postRecords(server.url, recs).catch(() => {});
  }, 250);
  const browser = await launchBrowser({ width: 1280, height: 800 });
  const page = await browser.context.newPage();
  const { problems, cspViolations } = watchProblems(page);

  await page.goto(server.url);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'live');
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `${docs}screenshot-dark.png` });

  // The query language: a field filter, a negation, the sidebar and a split histogram, with the
  // completion list open on a field name.
  await page.getByRole('combobox', { name: 'Split histogram by' }).selectOption('source');
  const bar = page.getByRole('combobox', { name: 'Search logs' });
  await bar.click();
  await bar.fill('level:error,warn -timeout ');
  await waitFor(() => page.url().includes('q=level'), 'the query in the URL');
  await waitFor(async () => {
    const levels = await page.locator('[data-testid=log-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
    return levels.length > 10 && levels.every((l) => l === 'error' || l === 'warn');
  }, 'the error and warn lines');
  await waitFor(async () => /web|api/.test((await page.getByTestId('split-legend').textContent()) ?? ''), 'the split legend');
  await page.locator('.field-list summary').nth(1).click();
  await bar.press('End');
  await bar.pressSequentially('sou');
  // Taken as soon as the list opens: the half-typed word has not reached the view yet.
  await page.getByRole('listbox', { name: 'Completions' }).waitFor();
  await page.screenshot({ path: `${docs}screenshot-query.png` });
  await bar.press('Escape');
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=log-row]');

  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await page.getByRole('combobox', { name: 'Search logs' }).fill('connection');
  await waitFor(async () => page.url().includes('q=connection') && (await page.locator('[data-testid=log-row] mark').count()) > 5, 'highlighted results');
  clearInterval(feeder);
  await page.waitForTimeout(800);
  // An error line in the upper part of the list, so its details and context fit below it.
  const candidates = await page.locator('[data-testid=log-row][data-level=error] .row-line').all();
  let target = page.locator('[data-testid=log-row] .row-line').nth(4);
  for (const c of candidates) {
    const y = (await c.boundingBox())?.y ?? 0;
    if (y > 300) {
      target = c;
      break;
    }
  }
  await target.click();
  await page.getByRole('button', { name: 'Show context' }).click();
  await page.waitForSelector('[data-testid=context-line]');
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${docs}screenshot-light.png` });
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();

  // 400 px wide, dark, following the live lines.
  const narrow = await launchBrowser({ width: 400, height: 800 });
  const small = await narrow.context.newPage();
  await small.goto(server.url);
  await waitFor(() => small.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'live at 400 px');
  await small.waitForTimeout(1500);
  await small.screenshot({ path: `${docs}screenshot-narrow.png` });
  await small.getByRole('combobox', { name: 'Search logs' }).fill('source:api (timeout OR');
  await small.getByTestId('query-error').waitFor();
  await small.getByText('The search is not understood').waitFor();
  await small.screenshot({ path: `${docs}screenshot-query-narrow.png` });
  await narrow.close();

  // Several days: lines over the three days before the last two hours, dates on the rows and
  // the axis, on the log scale (the last hour's 40,000 lines would flatten the rest).
  const end = Date.now() - 2 * 3_600_000;
  await postRecords(server.url, realisticRecords(6_000, { spanMs: 3 * 86_400_000, now: end, seed: 7 }));
  await page.goto(`${server.url}/?from=${new Date(end - 3.5 * 86_400_000).toISOString()}&to=${new Date(end + 1000).toISOString()}`);
  await page.waitForSelector('[data-testid=log-row]');
  await page.getByRole('button', { name: 'Log scale' }).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${docs}screenshot-multiday.png` });

  // A burst of 30,000 lines at once, more than the server buffers for one live subscriber.
  await page.goto(server.url);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'live before the burst');
  await page.getByRole('button', { name: 'Log scale' }).click();
  await postRecords(server.url, realisticRecords(30_000, { spanMs: 1, seed: 99 }).map((r) => ({ ...r, ts: Date.now() })), 30_000);
  await page.locator('[data-testid=live-lag][data-kind=skipped]').waitFor();
  await waitFor(async () => Number(((await page.locator('.histogram-title').textContent()) ?? '').replace(/\D/g, '')) >= 70_000, 'the counts from the server');
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${docs}screenshot-burst.png` });

  console.log(`Screenshots written to ${docs}; console problems: ${JSON.stringify(problems)}; CSP violations: ${JSON.stringify(cspViolations)}.`);
  clearInterval(feeder);
  await browser.close();
} finally {
  await server.stop();
  server.cleanup();
}
