// Launches Debian's Chromium through playwright-core for browser tests and dashboard benchmarks.
// Each launch gets a fresh profile directory so runs never share cookies, storage or caches.
import { chromium, type Browser, type BrowserContext, type Page, type ConsoleMessage } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.LOGPIPE_CHROMIUM ?? '/usr/bin/chromium';

/** A running browser with its own profile directory; close() removes the profile. */
export interface BrowserHandle {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh --user-data-dir and a viewport of the given size. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }, extraArgs: string[] = []): Promise<BrowserHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'logpipe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
    // Headless Chromium reports a light system scheme, which the dashboard follows; tests and
    // benchmarks see the dashboard as a dark system shows it unless they emulate light.
    colorScheme: 'dark',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--enable-precise-memory-info',
      ...extraArgs,
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects console errors, CSP violations and page errors so a test can assert there were none. */
export function watchProblems(page: Page): { problems: string[]; cspViolations: string[] } {
  const problems: string[] = [];
  const cspViolations: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to/i.test(text)) cspViolations.push(text);
    else if (msg.type() === 'error') problems.push(text);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return { problems, cspViolations };
}

export type { Browser, Page };

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns that value. */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)}).`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The messages of the rows currently in the DOM, in display order. */
export async function rowMessages(page: Page): Promise<string[]> {
  return page.locator('[data-testid=log-row] .row-line .msg').allTextContents();
}

/** Fails early with a clear message when the dashboard was not built. */
export async function assertDashboardBuilt(): Promise<void> {
  const { existsSync } = await import('node:fs');
  const index = new URL('../../dist/web/index.html', import.meta.url);
  if (!existsSync(index)) throw new Error('dist/web/index.html is missing: run "npm run build" before the browser tests.');
}
