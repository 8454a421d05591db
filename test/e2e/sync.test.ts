/**
 * Sync in real Chromium, against the real sync server process: a page taken
 * offline keeps logging, survives a reload while offline, and once online
 * its ops reach the server and a second browser (another profile); two tabs
 * of one origin sync through their leader only.
 */
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/sync-server.js';
import { freshSession, startE2E, waitFor, type E2E } from './harness.js';

const TOKEN = 'browser-token';
let server: ServerProcess;
let first: E2E;
let second: E2E;

beforeAll(async () => {
  server = await startServerProcess({ tokens: { [TOKEN]: { sessions: ['*'], scope: 'rw' } } });
  [first, second] = await Promise.all([startE2E(), startE2E()]);
}, 90_000);
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await server?.stop();
  server?.cleanup();
});

async function syncPage(e2e: E2E): Promise<Page> {
  const page = await e2e.context.newPage();
  await page.goto(`${e2e.url}sync.html`);
  await page.waitForFunction(() => typeof window.museSync === 'object');
  return page;
}

const open = (page: Page, session: string) => page.evaluate(([s, u, t]) => window.museSync.open(s, u, t), [session, server.url, TOKEN] as const);
const status = (page: Page) => page.evaluate(() => window.museSync.status());
const includesAll = (have: string[], want: string[]) => want.every((id) => have.includes(id));
const ids = (page: Page) => page.evaluate(() => window.museSync.ids());

describe('sync in Chromium', () => {
  it('a page offline keeps logging, survives a reload, and its ops reach the server and another browser once online', async () => {
    const session = freshSession('offline');
    const page = await syncPage(first);
    await page.evaluate(() => window.museSync.installServiceWorker());
    await page.reload(); // now every module of the page comes through the service worker's cache
    await page.waitForFunction(() => typeof window.museSync === 'object');
    expect(await page.evaluate(() => window.museSync.controlled())).toBe(true);
    expect(await open(page, session)).toEqual({ role: 'leader' });
    const online = await page.evaluate(() => window.museSync.append('tab-a', 3));
    await waitFor(async () => (await status(page)).pending === 0 && (await status(page)).state === 'live', 'online ops pushed');

    await first.context.setOffline(true);
    const offline1 = await page.evaluate(() => window.museSync.append('tab-a', 4));
    await waitFor(async () => (await status(page)).state === 'offline', 'offline state');
    expect((await status(page)).pending).toBe(4);

    await page.reload(); // while offline
    await page.waitForFunction(() => typeof window.museSync === 'object');
    await open(page, session);
    expect(new Set(await ids(page))).toEqual(new Set([...online, ...offline1]));
    const offline2 = await page.evaluate(() => window.museSync.append('tab-a', 2));
    await waitFor(async () => (await status(page)).state === 'offline', 'still offline after reload');
    expect((await status(page)).pending).toBe(6);
    expect((await server.allOps(session, TOKEN)).length).toBe(3);

    await first.context.setOffline(false);
    await waitFor(async () => (await status(page)).pending === 0, 'offline ops pushed after going online');
    const all = [...online, ...offline1, ...offline2];
    expect(new Set((await server.allOps(session, TOKEN)).map((o) => o.op_id))).toEqual(new Set(all));

    // A second browser (its own profile) receives them, and its edits come back.
    const other = await syncPage(second);
    await open(other, session);
    await waitFor(async () => (await ids(other)).length === all.length, 'second browser caught up');
    const back = await other.evaluate(() => window.museSync.append('tab-b', 2));
    await waitFor(async () => includesAll(await page.evaluate(() => window.museSync.seen()), back), 'first browser sees the second');
    await Promise.all([page.close(), other.close()]);
  }, 90_000);

  it('two tabs of one origin sync through their leader only; a new leader continues from the saved progress', async () => {
    const session = freshSession('tabs');
    const leader = await syncPage(first);
    const follower = await syncPage(first);
    expect(await open(leader, session)).toEqual({ role: 'leader' });
    expect(await open(follower, session)).toEqual({ role: 'follower' });
    const other = await syncPage(second);
    await open(other, session);

    const fromFollower = await follower.evaluate(() => window.museSync.append('follower', 3));
    const fromOther = await other.evaluate(() => window.museSync.append('other', 3));
    await waitFor(async () => (await ids(other)).length === 6, 'other browser has the follower\'s ops');
    await waitFor(async () => includesAll(await follower.evaluate(() => window.museSync.seen()), fromOther), 'follower sees synced ops');
    expect(new Set(await follower.evaluate(() => window.museSync.seen()))).toEqual(new Set([...fromFollower, ...fromOther]));
    expect(await follower.evaluate(() => window.museSync.requests())).toEqual([]); // never talked to the server
    expect((await leader.evaluate(() => window.museSync.requests())).length).toBeGreaterThan(0);

    // The leader tab goes away: the follower leads, and its client resumes from the shared progress.
    const cursorBefore = (await status(leader)).cursor;
    await leader.close();
    await waitFor(async () => (await status(follower)).role === 'leader' && (await status(follower)).state === 'live', 'follower took over');
    const firstPull = (await follower.evaluate(() => window.museSync.requests())).find((r) => r.startsWith('GET') && r.includes('/ops?'));
    expect(firstPull).toContain(`after=${cursorBefore}`);
    const more = await other.evaluate(() => window.museSync.append('other', 2));
    await waitFor(async () => includesAll(await follower.evaluate(() => window.museSync.seen()), more), 'new leader receives');
    const mine = await follower.evaluate(() => window.museSync.append('follower', 1));
    await waitFor(async () => (await ids(other)).includes(mine[0]!), 'new leader pushes');
    await Promise.all([follower.close(), other.close()]);
  }, 90_000);
});
