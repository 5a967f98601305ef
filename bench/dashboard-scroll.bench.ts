// Dashboard: 100,000 lines loaded (arrived through the live tail), scrolled from top to bottom
// one screen per frame in headless Chromium. Frame time = interval between animation frames
// with the frame-rate limit and vsync off, so it is the main thread's real cost per frame
// rather than the 16.7 ms of a 60 Hz display. Also counts the rows in the DOM at every frame.
// Reference in the same run: the same 100,000 lines as a plain, non-virtualised DOM list.
// (Functions passed to page.evaluate define no named inner functions: tsx would wrap them in a
// helper that does not exist in the page.)
// Run: npm run build && node --import tsx bench/dashboard-scroll.bench.ts
import type { Page } from 'playwright-core';
import { startServer } from '../test/helpers/server.js';
import { assertDashboardBuilt, launchBrowser, waitFor } from '../test/browser/browser.js';
import { postRecords, realisticRecords } from '../test/browser/seed.js';

const LINES = 100_000;
const UNTHROTTLED = ['--disable-frame-rate-limit', '--disable-gpu-vsync'];

interface ScrollResult {
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxRows: number;
}

/** Scrolls `selector` from top to bottom, one screen per animation frame, in the page. */
async function scrollTopToBottom(page: Page, selector: string, rowSelector: string, maxFrames = Infinity): Promise<ScrollResult> {
  return page.evaluate(
    async ([sel, rowSel, limit]) => {
      const el = document.querySelector<HTMLElement>(sel)!;
      el.scrollTop = 0;
      for (let i = 0; i < 10; i++) await new Promise<number>((r) => requestAnimationFrame(r));
      const intervals: number[] = [];
      let maxRows = 0;
      let last = await new Promise<number>((r) => requestAnimationFrame(r));
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 1 && intervals.length < limit) {
        el.scrollTop += el.clientHeight;
        const t = await new Promise<number>((r) => requestAnimationFrame(r));
        intervals.push(t - last);
        last = t;
        maxRows = Math.max(maxRows, document.querySelectorAll(rowSel).length);
      }
      const sorted = [...intervals].sort((a, b) => a - b);
      return { frames: intervals.length, medianMs: sorted[sorted.length >> 1], p95Ms: sorted[Math.floor(sorted.length * 0.95)], maxRows };
    },
    [selector, rowSelector, maxFrames] as const,
  );
}

await assertDashboardBuilt();
const server = await startServer();
const browser = await launchBrowser({ width: 1280, height: 800 }, UNTHROTTLED);
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail');
  const records = realisticRecords(LINES, { spanMs: 55 * 60_000 });
  const t0 = Date.now();
  await postRecords(server.url, records, 10_000);
  await waitFor(async () => (await page.locator('[data-testid=line-count]').textContent()) === '100,000 lines loaded', '100,000 lines in the page', 120_000);
  const loadMs = Date.now() - t0;
  // Stop following so the list stays where the scroll puts it.
  await page.getByRole('button', { name: 'Live', exact: true }).click();
  const dash = await scrollTopToBottom(page, '.list', '[data-testid=log-row]');
  const heapMb = (await page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize)) / 2 ** 20;

  // Reference: the same lines as one plain DOM row each (what a non-virtualised list costs).
  const ref = await browser.context.newPage();
  await ref.setContent(`<!doctype html><style>body{margin:0;font:12.5px/22px monospace;background:#0a0d12;color:#c9d4df}#l{height:528px;overflow:auto}.r{height:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding:0 12px}</style><div id="l"></div>`);
  const buildStart = Date.now();
  await ref.evaluate((msgs) => {
    const l = document.getElementById('l')!;
    const frag = document.createDocumentFragment();
    for (const m of msgs) {
      const d = document.createElement('div');
      d.className = 'r';
      d.textContent = m;
      frag.appendChild(d);
    }
    l.appendChild(frag);
  }, records.map((r) => r.message.split('\n')[0]));
  const plainBuildMs = Date.now() - buildStart;
  // The plain list needs ~50 ms a frame: its first 600 screens (14% of the way) keep the run short.
  const plain = await scrollTopToBottom(ref, '#l', '.r', 600);

  console.log(`Dashboard scroll, ${LINES.toLocaleString('en-US')} lines (delivered live in ${(loadMs / 1000).toFixed(1)} s), 1280x800, one screen per frame, vsync off:`);
  console.log(`  dashboard (virtualised): ${dash.frames} frames, median frame ${dash.medianMs.toFixed(2)} ms, p95 ${dash.p95Ms.toFixed(2)} ms, max rows in DOM ${dash.maxRows}, JS heap ${heapMb.toFixed(0)} MB`);
  console.log(`  reference (plain DOM, ${LINES.toLocaleString('en-US')} rows, built in ${plainBuildMs} ms): first ${plain.frames} frames, median frame ${plain.medianMs.toFixed(2)} ms, p95 ${plain.p95Ms.toFixed(2)} ms, rows in DOM ${plain.maxRows}`);
  console.log(`  ratio dashboard/reference median: ${(dash.medianMs / plain.medianMs).toFixed(2)}`);
  console.log(`  verdict: median < 16 ms: ${dash.medianMs < 16 ? 'yes' : 'NO'}; DOM rows <= 300: ${dash.maxRows <= 300 ? 'yes' : 'NO'}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
