/**
 * Shared by the end-to-end tests: serve test/e2e/pages with Vite and drive
 * Debian's Chromium with Playwright in a persistent context, so every page
 * shares one origin's storage (OPFS, IndexedDB) and one Web Locks manager,
 * exactly like tabs of one browser profile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../../vite.config.js';
import type { Backend } from './pages/app.js';

export type { Backend };

export interface E2E {
  context: BrowserContext;
  url: string;
  /**
   * A new tab with the test page loaded and its API ready. With `acked`, the
   * page reports every resolved append into it (`window.reportAck`), bound to
   * the page, not the document, so it keeps reporting across reloads.
   */
  newTab(acked?: Set<string>): Promise<Page>;
  close(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: resolve(import.meta.dirname, 'pages'),
    logLevel: 'error',
    // Serve dependencies as they are: a dependency optimised on first use would reload the pages mid-test.
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
  });
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  try {
    await server.listen();
    const { port } = server.httpServer!.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/`;
    userDataDir = await mkdtemp(join(tmpdir(), 'muse-oplog-e2e-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
    });
    const ctx = context;
    const dir = userDataDir;
    return {
      context: ctx,
      url,
      async newTab(acked) {
        const page = await ctx.newPage();
        await gotoTestPage(page, url);
        if (acked) await page.exposeFunction('reportAck', (id: string) => void acked.add(id));
        return page;
      },
      async close() {
        await ctx.close().catch(() => {});
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => {});
    await server.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

export async function gotoTestPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => typeof window.museE2E === 'object');
}

/** Wait (polling in Node) until `check` holds; fails the test with `what` after `ms`. */
export async function waitFor(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let sessionCounter = 0;
/** A session id no earlier test used (the profile's storage is shared by the whole file). */
export function freshSession(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${sessionCounter++}`;
}
