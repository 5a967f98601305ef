// Dashboard under a steady live load: lines arrive at 5,000 per second for DURATION_S seconds
// (90 by default, to keep runs short on the shared machine) while the page follows the tail.
// Every 3 s a key is typed into the search box and removed again (within the debounce, so the
// filter stays unchanged) and the latency from the key event to the next rendered frame is
// taken; the JS heap is sampled every 5 s. Reference in the same run: the same keystrokes on
// the same page before the load starts.
// Run: npm run build && node --import tsx bench/dashboard-live.bench.ts [seconds]
import type { Page } from 'playwright-core';
import { startServer } from '../test/helpers/server.js';
import { assertDashboardBuilt, launchBrowser, waitFor } from '../test/browser/browser.js';
import { postRecords, realisticRecords } from '../test/browser/seed.js';

const RATE = 5_000;
const DURATION_S = Number(process.argv[2] ?? process.env.DURATION_S ?? 90);
const TICK_MS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
}

async function installLatencyProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __evt: number[] };
    w.__lat = [];
    w.__evt = [];
    // Key event time stamp to the end of the next frame (after React rendered the input).
    document.addEventListener(
      'keydown',
      (e) => {
        if (!(e.target instanceof HTMLInputElement)) return;
        const start = e.timeStamp;
        requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => w.__lat.push(performance.now() - start);
          ch.port2.postMessage(0);
        });
      },
      true,
    );
    // The browser's own Event Timing measure (only reports events of 16 ms or more).
    new PerformanceObserver((list) => {
      for (const en of list.getEntries()) if (en.name === 'keydown' || en.name === 'keyup' || en.name === 'keypress') w.__evt.push(en.duration);
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
  });
}

async function typeProbe(page: Page): Promise<void> {
  const box = page.getByRole('searchbox', { name: 'Search logs' });
  await box.focus();
  await page.keyboard.press('x');
  await page.keyboard.press('Backspace');
  await box.blur();
}

async function takeLatencies(page: Page): Promise<{ lat: number[]; evt: number[] }> {
  return page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __evt: number[] };
    const out = { lat: w.__lat, evt: w.__evt };
    w.__lat = [];
    w.__evt = [];
    return out;
  });
}

const heapMb = (page: Page) => page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 2 ** 20);

await assertDashboardBuilt();
const server = await startServer({ args: ['--tail-buffer', '50000'] });
const browser = await launchBrowser({ width: 1280, height: 800 });
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail');
  await installLatencyProbe(page);

  // Reference: keystrokes with nothing arriving.
  for (let i = 0; i < 8; i++) {
    await typeProbe(page);
    await page.waitForTimeout(300);
  }
  const idle = await takeLatencies(page);
  const idleHeap = await heapMb(page);

  // Load: RATE lines/s posted in TICK_MS batches from a prebuilt pool, stamped with the current time.
  const pool = realisticRecords(60_000, { spanMs: 1 });
  const perTick = (RATE * TICK_MS) / 1000;
  let sent = 0;
  let inFlight = 0;
  let behind = 0;
  const started = Date.now();
  const feeder = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE) - sent;
    if (due <= 0) return;
    if (inFlight > 4) {
      behind++;
      return;
    }
    const n = Math.min(due, perTick * 4);
    const now = Date.now();
    const batch = Array.from({ length: n }, (_, i) => ({ ...pool[(sent + i) % pool.length], ts: now }));
    sent += n;
    inFlight++;
    postRecords(server.url, batch, n).finally(() => inFlight--);
  }, TICK_MS);

  const heap: number[] = [];
  const lat: number[] = [];
  const evt: number[] = [];
  let nextType = Date.now() + 3000;
  let nextHeap = Date.now() + 5000;
  while (Date.now() - started < DURATION_S * 1000) {
    await page.waitForTimeout(250);
    if (Date.now() >= nextType) {
      await typeProbe(page);
      nextType += 3000;
    }
    if (Date.now() >= nextHeap) {
      heap.push(await heapMb(page));
      nextHeap += 5000;
    }
  }
  clearInterval(feeder);
  await page.waitForTimeout(1000);
  const loaded = await takeLatencies(page);
  lat.push(...loaded.lat);
  evt.push(...loaded.evt);
  const elapsed = (Date.now() - started) / 1000;
  const state = await page.locator('[data-testid=connection]').getAttribute('data-state');
  const lineCount = await page.locator('[data-testid=line-count]').textContent();
  const gaps = await page.locator('[data-testid=live-lag]').count();
  const finalHeap = await heapMb(page);

  console.log(`Dashboard under live load: ${sent.toLocaleString('en-US')} lines in ${elapsed.toFixed(0)} s = ${Math.round(sent / elapsed).toLocaleString('en-US')} lines/s (target ${RATE}; feeder ticks skipped while 5 posts were in flight: ${behind}), page following the tail, 1280x800.`);
  console.log(`  search-box key → next frame: median ${median(lat).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms over ${lat.length} keys; Event Timing entries >= 16 ms: ${evt.length}${evt.length ? ` (max ${Math.max(...evt)} ms)` : ''}`);
  console.log(`  reference, same page idle: median ${median(idle.lat).toFixed(1)} ms, max ${Math.max(...idle.lat).toFixed(1)} ms over ${idle.lat.length} keys; ratio loaded/idle median ${(median(lat) / median(idle.lat)).toFixed(2)}`);
  console.log(`  JS heap: idle ${idleHeap.toFixed(0)} MB; under load max ${Math.max(...heap).toFixed(0)} MB, final ${finalHeap.toFixed(0)} MB (samples: ${heap.map((h) => h.toFixed(0)).join(' ')})`);
  console.log(`  end state: connection ${state}, "${lineCount}", skipped-lines notices ${gaps}`);
  console.log(`  verdict: input latency < 100 ms: ${Math.max(...lat) < 100 ? 'yes (max)' : median(lat) < 100 ? 'median yes, max NO' : 'NO'}; heap < 300 MB: ${Math.max(...heap, finalHeap) < 300 ? 'yes' : 'NO'}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
