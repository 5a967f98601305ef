// Dashboard: first meaningful render with a large store. The store is filled directly through
// the SQLite Store (ROWS rows, default 5,000,000, spread over the last 6 hours, Loghub and
// generated lines), then a real `logpipe server` serves it and a fresh Chromium page (cache
// disabled) opens the default view (last hour, live). Measured from navigation start: the
// first log row on screen, and the histogram with level counts drawn. Reference in the same
// run: the same page against a store of 1,000 rows.
// Run: npm run build && node --import tsx bench/dashboard-first-render.bench.ts [rows]
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openStore } from '../src/server/storage/open.js';
import { normalizeLevel } from '../src/shared/levels.js';
import type { NormalizedRecord } from '../src/shared/record.js';
import { makeTempDir, startServer } from '../test/helpers/server.js';
import { assertDashboardBuilt, launchBrowser, type BrowserHandle } from '../test/browser/browser.js';
import { realisticRecords } from '../test/browser/seed.js';

const ROWS = Number(process.argv[2] ?? process.env.ROWS ?? 5_000_000);
const SPAN_MS = 6 * 3_600_000;
const RUNS = 5;

async function buildStore(rows: number): Promise<{ dir: string; ms: number }> {
  const dir = makeTempDir('logpipe-bench-render-');
  const store = await openStore({ dataDir: dir });
  const pool = realisticRecords(100_000, { spanMs: 1 }).map((r) => ({
    ts: 0,
    level: normalizeLevel(String(r.level)) ?? 'info',
    source: r.source ?? 'app',
    host: r.host ?? '',
    message: r.message,
    attrs: r.attrs ? JSON.stringify(r.attrs) : null,
    stream: null,
    offset: null,
  })) satisfies NormalizedRecord[];
  const start = Date.now();
  const end = Date.now();
  const BATCH = 5_000;
  for (let i = 0; i < rows; i += BATCH) {
    const n = Math.min(BATCH, rows - i);
    const batch: NormalizedRecord[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const k = i + j;
      batch[j] = { ...pool[k % pool.length], ts: Math.round(end - SPAN_MS + (k / rows) * SPAN_MS) };
    }
    await store.insert(batch);
    if (i % 500_000 === 0 && i) process.stderr.write(`  ${i.toLocaleString('en-US')} rows stored…\n`);
  }
  await store.close();
  return { dir, ms: Date.now() - start };
}

interface Render {
  firstRowMs: number;
  histogramMs: number;
  logsApiMs: number;
  histogramApiMs: number;
}

async function measure(browser: BrowserHandle, url: string): Promise<Render> {
  const page: Page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.addInitScript(() => {
    const w = window as unknown as { __firstRow?: number; __histogram?: number };
    new MutationObserver(() => {
      if (w.__firstRow === undefined && document.querySelector('[data-testid=log-row]')) w.__firstRow = performance.now();
      if (w.__histogram === undefined && document.querySelector('.level-toggle .count') && /lines in range/.test(document.querySelector('.histogram-title')?.textContent ?? '')) w.__histogram = performance.now();
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => {
    const w = window as unknown as { __firstRow?: number; __histogram?: number };
    return w.__firstRow !== undefined && w.__histogram !== undefined;
  }, undefined, { timeout: 30_000 });
  const r = await page.evaluate(() => {
    const w = window as unknown as { __firstRow: number; __histogram: number };
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    // (No named inner functions here: tsx would wrap them in a helper the page does not have.)
    const logs = res.find((e) => e.name.includes('/api/v1/logs?') && /limit=500/.test(e.name));
    const hist = res.find((e) => e.name.includes('/api/v1/histogram'));
    return { firstRowMs: w.__firstRow, histogramMs: w.__histogram, logsApiMs: logs?.duration ?? NaN, histogramApiMs: hist?.duration ?? NaN };
  });
  await page.close();
  return r;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

await assertDashboardBuilt();
if (!process.env.BENCH_DATA_DIR) process.stderr.write(`Building a store of ${ROWS.toLocaleString('en-US')} rows…\n`);
// BENCH_DATA_DIR=DIR: a data directory built before (for instance by an earlier run of this
// script's buildStore) is served as the large store and kept; ROWS must say its size.
const reuse = process.env.BENCH_DATA_DIR;
const big = reuse ? { dir: reuse, ms: 0 } : await buildStore(ROWS);
const small = await buildStore(1_000);
const bigServer = await startServer({ dataDir: big.dir, timeoutMs: 120_000 });
const smallServer = await startServer({ dataDir: small.dir });
const browser = await launchBrowser({ width: 1280, height: 800 });
try {
  await measure(browser, bigServer.url); // warm the server's page cache once
  const bigRuns: Render[] = [];
  const smallRuns: Render[] = [];
  for (let i = 0; i < RUNS; i++) {
    bigRuns.push(await measure(browser, bigServer.url));
    smallRuns.push(await measure(browser, smallServer.url));
  }
  const row = (name: string, runs: Render[]) =>
    `  ${name}: first row ${median(runs.map((r) => r.firstRowMs)).toFixed(0)} ms, histogram + level counts ${median(runs.map((r) => r.histogramMs)).toFixed(0)} ms (GET /api/v1/logs ${median(runs.map((r) => r.logsApiMs)).toFixed(0)} ms, GET /api/v1/histogram ${median(runs.map((r) => r.histogramApiMs)).toFixed(0)} ms)`;
  console.log(`Dashboard first render, medians of ${RUNS} cold page loads (cache disabled), 1280x800, default view (last hour, live):`);
  console.log(row(`${ROWS.toLocaleString('en-US')} rows (built in ${(big.ms / 1000).toFixed(0)} s)`, bigRuns));
  console.log(row('reference, 1,000 rows', smallRuns));
  const b = median(bigRuns.map((r) => Math.max(r.firstRowMs, r.histogramMs)));
  const s = median(smallRuns.map((r) => Math.max(r.firstRowMs, r.histogramMs)));
  console.log(`  ratio large/reference (everything drawn): ${(b / s).toFixed(2)}; verdict < 1 s: ${b < 1000 ? 'yes' : 'NO'}`);
} finally {
  await browser.close();
  await bigServer.stop();
  await smallServer.stop();
  if (!reuse) rmSync(big.dir, { recursive: true, force: true });
  rmSync(small.dir, { recursive: true, force: true });
}
