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
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<BrowserHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'logpipe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
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
