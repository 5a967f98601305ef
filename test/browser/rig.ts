// What every browser test file starts with: a server on a free port (optionally seeded) and a
// page in a fresh Chromium, watched for console errors and failed requests; and the teardown.
import type { IngestRecord } from '../../src/shared/record.js';
import { startServer, type ServerHandle, type StartOptions } from '../helpers/server.js';
import { assertDashboardBuilt, launchBrowser, watchProblems, type BrowserHandle, type Page } from './browser.js';
import { postRecords } from './seed.js';

export interface DashboardRig {
  server: ServerHandle;
  browser: BrowserHandle;
  page: Page;
  watch: ReturnType<typeof watchProblems>;
}

export interface RigOptions {
  server?: StartOptions;
  /** Posted before the browser starts. */
  records?: IngestRecord[];
  /** Runs in the page before any of its own scripts, on every navigation. */
  initScript?: string;
}

/** Starts the server and the browser; on a failure, stops what had started. */
export async function openRig(opts: RigOptions = {}): Promise<DashboardRig> {
  await assertDashboardBuilt();
  const server = await startServer(opts.server);
  let browser: BrowserHandle | undefined;
  try {
    if (opts.records) await postRecords(server.url, opts.records);
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    if (opts.initScript) await page.addInitScript({ content: opts.initScript });
    return { server, browser, page, watch: watchProblems(page) };
  } catch (err) {
    await closeRig({ server, browser });
    throw err;
  }
}

/** Closes the browser, then stops the server and removes its data directory. */
export async function closeRig(rig: { server?: ServerHandle; browser?: BrowserHandle }): Promise<void> {
  await rig.browser?.close();
  await rig.server?.stop();
  rig.server?.cleanup();
}
