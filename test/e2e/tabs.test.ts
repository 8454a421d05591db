/**
 * Several real tabs (pages of one persistent Chromium profile) sharing one
 * session through SharedOpLog, on each browser backend: concurrent appends,
 * the leader's tab closing, crashing or navigating away mid-stream.
 */
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSession, gotoTestPage, startE2E, waitFor, type Backend, type E2E } from './harness.js';

const backends: Backend[] = ['indexeddb', 'opfs'];

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

/** Open tabs on a session, in order (the first becomes leader); every resolved append is reported to `acked`. */
async function openTabs(session: string, backend: Backend, count: number, acked: Set<string>): Promise<Page[]> {
  const tabs: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await e2e.newTab(acked);
    await page.evaluate(([s, b]) => window.museE2E.open(s, b), [session, backend] as const);
    tabs.push(page);
  }
  return tabs;
}

const roleOf = (p: Page) => p.evaluate(() => window.museE2E.role());

async function expectLogHolds(reader: Page, acked: Set<string>): Promise<string[]> {
  const { ids, bad } = await reader.evaluate(() => window.museE2E.readAll());
  expect(bad).toEqual([]); // every op id re-verified in the page
  expect(new Set(ids).size).toBe(ids.length); // nothing stored twice
  const missing = [...acked].filter((id) => !ids.includes(id));
  expect(missing).toEqual([]);
  return ids;
}

describe.each(backends)('several tabs, one log (%s)', (backend) => {
  it('three tabs appending at once lose nothing, corrupt nothing, and each sees the others\' ops', async () => {
    const session = freshSession('concurrent');
    const acked = new Set<string>();
    const tabs = await openTabs(session, backend, 3, acked);
    expect(await Promise.all(tabs.map(roleOf))).toEqual(['leader', 'follower', 'follower']);

    const perTab = 150;
    const pipelined = await Promise.all(
      tabs.map((t, k) => t.evaluate(([a, n]) => window.museE2E.append(a, n, 'pipelined'), [`p${k}`, perTab] as const)),
    );
    const sequential = await Promise.all(
      tabs.map((t, k) => t.evaluate(([a, n]) => window.museE2E.append(a, n, 'sequential'), [`s${k}`, 30] as const)),
    );
    const written = [...pipelined.flat(), ...sequential.flat()];
    expect(new Set(written).size).toBe(3 * (perTab + 30));

    await waitFor(
      async () => (await Promise.all(tabs.map((t) => t.evaluate(() => window.museE2E.seen().length)))).every((n) => n >= written.length),
      'every tab to see every op',
    );
    for (const t of tabs) {
      const seen = await t.evaluate(() => window.museE2E.seen());
      expect(seen).toHaveLength(written.length); // each op once
      expect(new Set(seen)).toEqual(new Set(written));
    }
    const ids = await expectLogHolds(tabs[2]!, new Set(written));
    expect(ids).toHaveLength(written.length);
    await Promise.all(tabs.map((t) => t.close()));
  });

  it('the leader tab closing mid-stream: another takes over and nothing acknowledged is lost', async () => {
    const session = freshSession('leader-closes');
    const acked = new Set<string>();
    const [a, b, c] = (await openTabs(session, backend, 3, acked)) as [Page, Page, Page];
    expect(await roleOf(a)).toBe('leader');
    for (const [tab, actor] of [
      [a, 'a'],
      [b, 'b'],
      [c, 'c'],
    ] as const) {
      await tab.evaluate(([x]) => window.museE2E.stream(x, 120, 2), [actor] as const);
    }
    await waitFor(async () => acked.size >= 60, 'appends from every tab to be acknowledged');
    await a.close(); // the tab goes away without SharedOpLog.close()

    const results = await Promise.all([b, c].map((t) => t.evaluate(() => window.museE2E.streamResult())));
    expect(results).toEqual([{ acked: 120 }, { acked: 120 }]);
    const roles = await Promise.all([b, c].map(roleOf));
    expect(roles.sort()).toEqual(['follower', 'leader']);
    const ids = await expectLogHolds(b, acked);
    expect(ids.length).toBeGreaterThanOrEqual(acked.size);
    // Both survivors saw every op stored after they joined, the new leader's included.
    const seenB = await b.evaluate(() => window.museE2E.seen());
    expect(new Set(seenB)).toEqual(new Set(ids));
    await Promise.all([b.close(), c.close()]);
  });

  it('a crashed leader tab does not block the log', async () => {
    const session = freshSession('leader-crashes');
    const acked = new Set<string>();
    const [a, b] = (await openTabs(session, backend, 2, acked)) as [Page, Page];
    expect(await roleOf(a)).toBe('leader');
    await b.evaluate(() => window.museE2E.stream('b', 100, 2));
    await waitFor(async () => acked.size >= 30, 'some appends to be acknowledged');
    // Kill the renderer: no unload handler, no close(), the way a tab crashes.
    const cdp = await e2e.context.newCDPSession(a);
    const crashed = a.waitForEvent('crash');
    void cdp.send('Page.crash').catch(() => {}); // never answers: the renderer is gone
    await crashed;
    expect(await b.evaluate(() => window.museE2E.streamResult())).toEqual({ acked: 100 });
    expect(await roleOf(b)).toBe('leader');
    // A tab opened later joins the surviving leader and can write.
    const [late] = (await openTabs(session, backend, 1, acked)) as [Page];
    expect(await roleOf(late)).toBe('follower');
    await late.evaluate(() => window.museE2E.append('late', 10, 'pipelined'));
    await expectLogHolds(late, acked);
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it('a leader tab navigated away (or reloaded) hands over; the reloaded page rejoins as follower', async () => {
    const session = freshSession('leader-navigates');
    const acked = new Set<string>();
    const [a, b] = (await openTabs(session, backend, 2, acked)) as [Page, Page];
    await b.evaluate(() => window.museE2E.stream('b', 80, 2));
    await waitFor(async () => acked.size >= 20, 'some appends to be acknowledged');
    await a.goto('about:blank');
    expect(await b.evaluate(() => window.museE2E.streamResult())).toEqual({ acked: 80 });
    expect(await roleOf(b)).toBe('leader');
    await gotoTestPage(a, e2e.url);
    await a.evaluate(([s, bk]) => window.museE2E.open(s, bk), [session, backend] as const);
    expect(await roleOf(a)).toBe('follower');
    await a.evaluate(() => window.museE2E.append('a-again', 10, 'sequential'));
    await expectLogHolds(a, acked);
    await Promise.all([a.close(), b.close()]);
  });
});
