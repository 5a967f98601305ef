// The query bar against the races a busy machine brings, made to happen on every run. The bar
// pushes typed text to the view once the typing settles (a timer); under load that timer's task
// can run just before a click, a key or a history step is handled, and before React has rendered
// what the timer did — the order behind query.test.ts's failures under load (URL reverted after a
// + or −, Back undone, Enter in the completion lost). A timer gate (TIMER_GATE, installed before
// the page's scripts) holds the page's short timers and runs them inside the task of the next
// chosen event, just before the page sees it. Each test then waits for the view it expects in the
// URL, the bar and the list; the list's lines come after any stale push would have landed.
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

// Twelve lines: two sources, two hosts, three request ids.
const seeded: IngestRecord[] = Array.from({ length: 12 }, (_, i) => ({
  message: `request ${i} handled by ${i % 2 ? 'billing' : 'auth'}`,
  level: 'info',
  source: i % 2 ? 'billing' : 'auth',
  host: i < 6 ? 'web-1' : 'web-2',
  ts: now - 5 * 60_000 + i * 1000,
  attrs: { request_id: `req-${i % 3}` },
}));

/** What the test can do with the page's timers (see TIMER_GATE). */
interface TimerGate {
  /** From now on, timers of up to `maxMs` wait in the gate instead of running. */
  hold(maxMs: number): void;
  /** How many timers wait in the gate. */
  held(): number;
  /** Stops holding; the next `type` event on the window runs the waiting timers first. */
  releaseOn(type: string): void;
}

interface PageGlobal {
  timerGate: TimerGate;
}

/**
 * Runs in the page before its own scripts (as text: tsx would add helpers to a function's source
 * that the page lacks). Held timers get ids below zero, so a clearTimeout of one takes it out of
 * the gate; released ones run in the order they were set, synchronously, within the task of the
 * event they were released on, before the page's own listeners see that event.
 */
const TIMER_GATE = `(() => {
  const realSet = window.setTimeout.bind(window);
  const realClear = window.clearTimeout.bind(window);
  const held = new Map();
  let holdUpTo = -1;
  let nextId = -1;
  window.setTimeout = (fn, ms, ...args) => {
    if (typeof fn !== 'function' || (ms ?? 0) > holdUpTo) return realSet(fn, ms, ...args);
    const id = nextId--;
    held.set(id, () => fn(...args));
    return id;
  };
  window.clearTimeout = (id) => {
    if (id === undefined || !held.delete(id)) realClear(id);
  };
  // Run as timers run, in no event: hide the event being dispatched (React gives an update made
  // during a click or a key the priority of that event, which no timer's update has).
  const runHeld = () => {
    const due = [...held.values()];
    held.clear();
    const own = Object.getOwnPropertyDescriptor(window, 'event');
    Object.defineProperty(window, 'event', { configurable: true, get: () => undefined });
    try {
      for (const run of due) run();
    } finally {
      if (own) Object.defineProperty(window, 'event', own);
      else delete window.event;
    }
  };
  window.timerGate = {
    hold: (maxMs) => void (holdUpTo = maxMs),
    held: () => held.size,
    releaseOn: (type) => {
      holdUpTo = -1;
      window.addEventListener(type, runHeld, { capture: true, once: true });
    },
  };
})();`;

// Only short timers are held (a debounce), not the live tail's stall guard or the histogram's tick.
const HOLD_MS = 1_000;
const hold = () => page.evaluate((ms) => (globalThis as unknown as PageGlobal).timerGate.hold(ms), HOLD_MS);
const held = () => page.evaluate(() => (globalThis as unknown as PageGlobal).timerGate.held());
const releaseOn = (type: string) => page.evaluate((t) => (globalThis as unknown as PageGlobal).timerGate.releaseOn(t), type);

const bar = () => page.getByRole('combobox', { name: 'Search logs' });

async function open(path = '/'): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector('[data-testid=log-row], .list-state');
}

/** Waits until the URL, the bar and the list all show the view with query `q` (null: none). */
async function viewIs(q: string | null, rows: number, what: string): Promise<void> {
  await waitFor(async () => {
    const seen = { url: new URL(page.url()).searchParams.get('q'), bar: await bar().inputValue(), rows: (await rowMessages(page)).length };
    if (seen.url === q && seen.bar === (q ?? '') && seen.rows === rows) return true;
    // Thrown, so that a timeout names what was shown instead.
    throw new Error(`shown: ${JSON.stringify(seen)}`);
  }, what);
}

before(async () => {
  ({ server, browser, page, watch } = await openRig({ records: seeded, initScript: TIMER_GATE }));
});

after(() => closeRig({ server, browser }));

test('a + click handled just after the typed text settled builds on that text and stays', async () => {
  await open();
  await viewIs(null, 12, 'all twelve lines');
  const sidebar = page.getByRole('complementary', { name: 'Fields' });
  await sidebar.locator('summary', { hasText: 'host' }).click();
  const plus = sidebar.getByRole('button', { name: 'Filter for host:web-2' });
  await plus.waitFor();
  await bar().click();
  await hold();
  await bar().fill('billing');
  await waitFor(async () => (await held()) > 0, 'the typed text to wait for its debounce');
  await releaseOn('click');
  await plus.click();
  // The typed text settled first, so the + adds to it: one step each, in that order.
  await viewIs('billing host:web-2', 3, 'the billing lines of web-2, the + not undone');
  await page.goBack();
  await viewIs('billing', 6, 'Back to the typed text');
  await page.goBack();
  await viewIs(null, 12, 'Back to no search');
});

test('a + click while typed text waits to settle wins, and the typed text is not pushed later', async () => {
  await open();
  await viewIs(null, 12, 'all twelve lines');
  const sidebar = page.getByRole('complementary', { name: 'Fields' });
  await sidebar.locator('summary', { hasText: 'host' }).click();
  await bar().click();
  await hold();
  await bar().fill('billing');
  await waitFor(async () => (await held()) > 0, 'the typed text to wait for its debounce');
  await sidebar.getByRole('button', { name: 'Filter for host:web-2' }).click();
  await viewIs('host:web-2', 6, 'the lines of web-2, the bar showing the + filter');
  // Whatever still waits runs as Back is handled: neither the typed text nor the bar's copy of
  // the + filter may come back.
  await releaseOn('popstate');
  await page.goBack();
  await viewIs(null, 12, 'Back to all twelve lines, and staying there');
  await page.goForward();
  await viewIs('host:web-2', 6, 'Forward to the + step');
});

test('Enter in the completion list is kept when the typed text settles just before it', async () => {
  await open();
  await viewIs(null, 12, 'all twelve lines');
  await bar().click();
  await hold();
  await bar().pressSequentially('req');
  const list = page.getByRole('listbox', { name: 'Completions' });
  await list.getByRole('option', { name: /^request_id/ }).waitFor();
  await waitFor(async () => (await held()) > 0, 'the typed text to wait for its debounce');
  await releaseOn('keydown');
  await bar().press('Enter');
  // The completion stays in the bar, and it is what reaches the view once it settles in turn.
  await waitFor(async () => {
    const seen = { url: new URL(page.url()).searchParams.get('q'), bar: await bar().inputValue() };
    if (seen.url === 'request_id:' && seen.bar === 'request_id:') return true;
    throw new Error(`shown: ${JSON.stringify(seen)}`);
  }, 'the completion in the bar and then in the URL');
});

test('Back after a − click is not undone by the query the bar took over from it', async () => {
  await open();
  await viewIs(null, 12, 'all twelve lines');
  const sidebar = page.getByRole('complementary', { name: 'Fields' });
  await sidebar.locator('summary', { hasText: 'source' }).click();
  await bar().click();
  await hold();
  await sidebar.getByRole('button', { name: 'Filter out source:auth' }).click();
  await viewIs('-source:auth', 6, 'the six billing lines');
  await releaseOn('popstate');
  await page.goBack();
  await viewIs(null, 12, 'Back to all twelve lines, and staying there');
  // Forward still holds the − step (a stale push would have replaced it).
  await page.goForward();
  await viewIs('-source:auth', 6, 'Forward to the − step');
});

after(() => {
  // A query ending in `field:` is refused by the server while it is typed (400s).
  assert.deepEqual((watch?.problems ?? []).filter((p) => !/status of 400/.test(p)), []);
});
