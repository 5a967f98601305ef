// Write-to-screen latency of the live dashboard: lines are POSTed at RATE lines/s (batches
// every 10 ms) for DURATION_S seconds while the page follows the tail; the first line of every
// batch carries its send time, and the page notes when its row is in the DOM and painted (a
// MutationObserver, then the next animation frame). Latency = painted - sent, same machine
// clock. Reference in the same run: the POST itself (sent → acknowledged by the server).
// Run: npm run build && node --import tsx bench/dashboard-write-to-screen.bench.ts [seconds] [lines/s]
import { startServer } from '../test/helpers/server.js';
import { assertDashboardBuilt, launchBrowser, waitFor } from '../test/browser/browser.js';

const DURATION_S = Number(process.argv[2] ?? 30);
const RATE = Number(process.argv[3] ?? 1000);
const TICK_MS = 10;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

await assertDashboardBuilt();
const server = await startServer();
const browser = await launchBrowser({ width: 1280, height: 800 });
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/?source=w2s`);
  await waitFor(() => page.locator('[data-testid=connection]').getAttribute('data-state').then((s) => s === 'live'), 'the live tail');
  await page.evaluate(() => {
    const w = window as unknown as { __seen: [number, number][] };
    w.__seen = [];
    const list = document.querySelector('.list')!;
    // A row seen again (scrolled out and back) counts once, when it was first painted.
    const first = new Set<number>();
    new MutationObserver((muts) => {
      const found: number[] = [];
      for (const m of muts) {
        for (const n of m.addedNodes) {
          const text = (n as HTMLElement).querySelector?.('.msg')?.textContent ?? '';
          const hit = /^w2s sent=(\d+)/.exec(text);
          if (hit) found.push(Number(hit[1]));
        }
      }
      const fresh = found.filter((s) => !first.has(s));
      for (const s of fresh) first.add(s);
      if (fresh.length) requestAnimationFrame(() => {
        const at = Date.now();
        for (const sent of fresh) w.__seen.push([sent, at]);
      });
    }).observe(list, { childList: true, subtree: true });
  });

  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const acks: number[] = [];
  let sent = 0;
  let seq = 0;
  const started = Date.now();
  const inflight = new Set<Promise<void>>();
  while (Date.now() - started < DURATION_S * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE) - sent;
    if (due >= perTick) {
      // Whatever is due goes in one batch, so a slow loop (a busy machine) still keeps the rate.
      const n = Math.min(due, perTick * 10);
      const t = Date.now();
      const batch = Array.from({ length: n }, (_, i) => ({ message: i === 0 ? `w2s sent=${t} seq=${seq}` : `w2s filler ${seq}-${i}`, source: 'w2s', level: 'info' }));
      seq++;
      sent += n;
      const p = fetch(`${server.url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) })
        .then(async (res) => {
          await res.arrayBuffer();
          acks.push(Date.now() - t);
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  await page.waitForTimeout(1500);
  const seen = await page.evaluate(() => (window as unknown as { __seen: [number, number][] }).__seen);
  const lat = seen.map(([s, at]) => at - s);
  const elapsed = (Date.now() - started) / 1000;
  console.log(`Write-to-screen, ${sent.toLocaleString('en-US')} lines in ${elapsed.toFixed(0)} s (${Math.round(sent / elapsed)} lines/s, target ${RATE}), page following the tail, 1280x800:`);
  console.log(`  POST sent → row painted: p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${Math.max(...lat)} ms over ${lat.length} of ${seq} marked lines`);
  console.log(`  reference, POST sent → acknowledged: p50 ${pct(acks, 50)} ms, p99 ${pct(acks, 99)} ms`);
  console.log(`  verdict: p99 < 250 ms: ${pct(lat, 99) < 250 ? 'yes' : 'NO'}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
