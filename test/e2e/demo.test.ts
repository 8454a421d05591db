// `npm run demo` keeps working: the demo page (served as `vite demo` serves it) appends ops in two tabs,
// each tab sees the other's, and the log survives a reload.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../vite.config.js';
import { waitFor } from './harness.js';

let server: ViteDevServer;
let context: BrowserContext;
let profile: string;
let url: string;

beforeAll(async () => {
  server = await createServer({
    root: resolve(import.meta.dirname, '../../demo'),
    logLevel: 'error',
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { port: 0, host: '127.0.0.1', hmr: false },
  });
  await server.listen();
  url = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}/`;
  profile = await mkdtemp(join(tmpdir(), 'muse-oplog-demo-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs, headless: true });
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function open(): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => 'museDemo' in globalThis, undefined, { timeout: 30_000 });
  expect(errors).toEqual([]);
  return page;
}

const opCount = async (page: Page) => Number((await page.textContent('#status'))?.match(/(\d+) ops/)?.[1] ?? -1);

describe('the demo', () => {
  it('appends in two tabs, shows each tab the other\'s ops, and keeps them across a reload', async () => {
    const a = await open();
    const b = await open();
    expect(await a.textContent('#status')).toMatch(/leader \(writes to opfs\)/);
    expect(await b.textContent('#status')).toMatch(/follower/);
    await a.click('#add');
    await b.click('#add');
    await b.click('#add');
    await waitFor(async () => (await opCount(a)) === 3 && (await opCount(b)) === 3, 'both tabs to show 3 ops');
    await waitFor(async () => (await a.textContent('#delta'))!.includes('3 insert'), 'the delta summary');
    await a.reload();
    await a.waitForFunction(() => 'museDemo' in globalThis);
    await waitFor(async () => (await opCount(a)) === 3, 'the ops after a reload');
  });
});
