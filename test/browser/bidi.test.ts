// Bidirectional formatting characters in a log line ("invoice_\u202Egnp.exe" would read
// "invoice_exe.png") are drawn as marked escapes in Debian's Chromium: in the list row, in the
// expanded row (message, source, fields, context), also inside a search match, in both themes.
// LOGPIPE_SCREENSHOTS=DIR saves pictures of the row in each theme there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import type { ServerHandle } from '../helpers/server.js';
import { waitFor, watchProblems, type BrowserHandle } from './browser.js';
import { closeRig, openRig } from './rig.js';
import { postRecords } from './seed.js';

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const LINE = 'upload stored invoice_\u202Egnp.exe for user \u2067admin\u2069 done';
const SHOWN = 'upload stored invoice_<U+202E>gnp.exe for user <U+2067>admin<U+2069> done';

let server: ServerHandle;
let browser: BrowserHandle;
let page: Page;
let watch: ReturnType<typeof watchProblems>;

before(async () => {
  ({ server, browser, page, watch } = await openRig());
  await page.goto(server.url);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail to connect');
  await postRecords(server.url, [
    { message: 'an ordinary line before it', level: 'info', source: 'uploads' },
    { message: LINE, level: 'warn', source: 'uploads\u202Ejs', host: 'web-\u200F1', attrs: { file: 'invoice_\u202Egnp.exe' } },
    { message: 'an ordinary line after it', level: 'info', source: 'uploads' },
  ]);
});

after(() => closeRig({ server, browser }));

function row(): Locator {
  return page.locator('[data-testid=log-row]', { hasText: 'invoice_' });
}

/** Text as drawn, and whether any bidirectional formatting character is left in the DOM text. */
async function assertEscaped(el: Locator, what: string, expected: string): Promise<void> {
  const text = (await el.textContent()) ?? '';
  assert.equal(text, expected, what);
  assert.doesNotMatch(text, BIDI, `${what}: a bidirectional formatting character is still in the text`);
}

async function screenshot(name: string): Promise<void> {
  const dir = process.env.LOGPIPE_SCREENSHOTS;
  if (dir) await row().screenshot({ path: join(dir, name) });
}

test('the list row shows each bidirectional formatting character as a marked escape', async () => {
  await row().waitFor();
  const msg = row().locator('.row-line .msg');
  await assertEscaped(msg, 'row message', SHOWN);
  const chips = msg.locator('[data-testid=bidi-escape]');
  assert.deepEqual(await chips.allTextContents(), ['<U+202E>', '<U+2067>', '<U+2069>']);
  assert.match((await chips.first().getAttribute('title')) ?? '', /RIGHT-TO-LEFT OVERRIDE \(U\+202E\)/);
  // The chip is visibly marked: a border and a background of its own.
  const style = await chips.first().evaluate((el) => {
    const s = getComputedStyle(el);
    return { border: s.borderTopStyle, bg: s.backgroundColor };
  });
  assert.equal(style.border, 'solid');
  assert.notEqual(style.bg, 'rgba(0, 0, 0, 0)');
  // Drawn in reading order: "invoice_" left of the chip, the chip left of "gnp.exe".
  const order = await msg.evaluate((el) => {
    const chip = el.querySelector('[data-testid=bidi-escape]')!;
    const range = document.createRange();
    const after = chip.nextSibling!;
    range.setStart(after, 0);
    range.setEnd(after, 3);
    return { chip: chip.getBoundingClientRect().left, next: range.getBoundingClientRect().left, text: range.toString() };
  });
  assert.equal(order.text, 'gnp');
  assert.ok(order.chip < order.next, `the chip (x=${order.chip}) is drawn before "gnp" (x=${order.next})`);
  await assertEscaped(row().locator('.src'), 'row source', 'uploads<U+202E>js');
  assert.doesNotMatch((await row().locator('.src').getAttribute('title')) ?? '', BIDI);
  await screenshot('bidi-row-dark.png');
});

test('the expanded row shows the escapes in the message, the source, the host, the fields and the context', async () => {
  await row().locator('.row-line').click();
  const details = row().locator('[data-testid=log-details]');
  await details.waitFor();
  await assertEscaped(details.locator('.full-message'), 'full message', SHOWN);
  assert.equal(await details.locator('.full-message [data-testid=bidi-escape]').count(), 3);
  const meta = (await details.locator('.meta').textContent()) ?? '';
  assert.match(meta, /uploads<U\+202E>js/);
  assert.match(meta, /web-<U\+200F>1/);
  assert.doesNotMatch(meta, BIDI);
  await assertEscaped(details.locator('.attrs td').first(), 'field value', 'invoice_<U+202E>gnp.exe');
  await details.getByRole('button', { name: 'Show context' }).click();
  const current = details.locator('[data-testid=context-line].current .msg');
  await current.waitFor();
  await assertEscaped(current, 'context line', SHOWN);
  await screenshot('bidi-expanded-dark.png');
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await waitFor(() => page.evaluate(() => document.documentElement.dataset.theme === 'light'), 'the light theme');
  // Readable in the light theme too: the chip's text differs from its background.
  const colours = await details.locator('[data-testid=bidi-escape]').first().evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
  assert.notEqual(colours[0], colours[1]);
  await screenshot('bidi-expanded-light.png');
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
});

test('a search match around an escape keeps both the mark and the escape', async () => {
  await page.getByRole('combobox', { name: 'Search logs' }).fill('invoice');
  await waitFor(async () => (await row().locator('.row-line mark').count()) > 0, 'the match to be marked');
  await assertEscaped(row().locator('.row-line .msg'), 'row message with a match', SHOWN);
  assert.equal(await row().locator('.row-line .msg [data-testid=bidi-escape]').count(), 3);
  assert.deepEqual(watch.problems, []);
  assert.deepEqual(watch.cspViolations, []);
});

test('the source filter lists the source with its escape', async () => {
  await page.getByRole('button', { name: /^Sources:/ }).click();
  const name = page.locator('.popover .source-name', { hasText: 'js' });
  await name.waitFor();
  await assertEscaped(name, 'source in the filter', 'uploads<U+202E>js');
  await name.click();
  await waitFor(async () => ((await page.getByRole('button', { name: /^Sources:/ }).getAttribute('aria-label')) ?? '').includes('uploads<U+202E>js'), 'the filter button to name the source');
  assert.doesNotMatch((await page.getByRole('button', { name: /^Sources:/ }).textContent()) ?? '', BIDI);
});

test('control characters (ESC, BEL, backspace, a lone CR, DEL, C1) are marked escapes in the row and the expanded row', async () => {
  // Still filtered to this source and "invoice" by the tests above; the live tail brings it in.
  const CTL = 'invoice ctl \u001b bell\u0007 back\b\bXY cr\rover c1\u009b31m del\u007f end';
  await postRecords(server.url, [{ message: CTL, level: 'error', source: 'uploads\u202Ejs', host: 'web\u001b]0;pwned\u0007' }]);
  const ctlRow = page.locator('[data-testid=log-row]', { hasText: 'ctl' });
  await ctlRow.waitFor();
  const msg = ctlRow.locator('.row-line .msg');
  const CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/;
  assert.doesNotMatch((await msg.textContent()) ?? '', CONTROL);
  assert.deepEqual(await msg.locator('[data-testid=bidi-escape]').allTextContents(), ['<U+001B>', '<U+0007>', '<U+0008>', '<U+0008>', '<U+000D>', '<U+009B>', '<U+007F>']);
  assert.match((await msg.locator('[data-testid=bidi-escape]').first().getAttribute('title')) ?? '', /ESCAPE.*\(U\+001B\): hidden control character/);
  await ctlRow.locator('.row-line').click();
  const details = ctlRow.locator('[data-testid=log-details]');
  await details.waitFor();
  const full = (await details.locator('.full-message').textContent()) ?? '';
  assert.equal(full, 'invoice ctl <U+001B> bell<U+0007> back<U+0008><U+0008>XY cr<U+000D>over c1<U+009B>31m del<U+007F> end');
  const meta = (await details.locator('.meta').textContent()) ?? '';
  assert.match(meta, /web<U\+001B>\]0;pwned<U\+0007>/);
  assert.doesNotMatch(meta, CONTROL);
  assert.deepEqual(watch.problems, []);
});

test('the field sidebar shows a value with its escape, in the text and in its tooltip', async () => {
  const sidebar = page.getByRole('complementary', { name: 'Fields' });
  if (!(await sidebar.count())) await page.getByRole('button', { name: /Fields$/ }).click();
  await sidebar.waitFor();
  await sidebar.locator('summary', { hasText: 'file' }).click();
  const value = sidebar.locator('.field-value', { hasText: 'invoice_' });
  await value.waitFor();
  await assertEscaped(value, 'field value in the sidebar', 'invoice_<U+202E>gnp.exe');
  const title = (await value.getAttribute('title')) ?? '';
  assert.equal(title, 'invoice_<U+202E>gnp.exe');
  assert.doesNotMatch(title, BIDI);
});
