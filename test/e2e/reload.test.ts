/**
 * Reload survival: every op whose append resolved is in the log after the
 * page reloads, on OPFS and on IndexedDB, whether the reload comes after the
 * appends settled or in the middle of a stream of them.
 */
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSession, startE2E, waitFor, type Backend, type E2E } from './harness.js';

const backends: Backend[] = ['indexeddb', 'opfs'];

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});


const openSession = (page: Page, session: string, backend: Backend) =>
  page.evaluate(([s, b]) => window.museE2E.open(s, b), [session, backend] as const);

async function reloadAndRead(page: Page, session: string, backend: Backend): Promise<string[]> {
  await page.reload();
  await page.waitForFunction(() => typeof window.museE2E === 'object');
  expect((await openSession(page, session, backend)).role).toBe('leader');
  const { ids, bad } = await page.evaluate(() => window.museE2E.readAll());
  expect(bad).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

describe.each(backends)('reload survival (%s)', (backend) => {
  it('keeps every resolved append across a reload', async () => {
    const session = freshSession('reload');
    const acked = new Set<string>();
    const page = await e2e.newTab(acked);
    await openSession(page, session, backend);
    const pipelined = await page.evaluate(() => window.museE2E.append('p', 300, 'pipelined'));
    const sequential = await page.evaluate(() => window.museE2E.append('s', 40, 'sequential'));
    const ids = await reloadAndRead(page, session, backend);
    expect(ids).toEqual([...pipelined, ...sequential]);
    await page.close();
  });

  it('keeps every resolved append when the reload cuts a stream of appends short', async () => {
    const session = freshSession('reload-mid-stream');
    const acked = new Set<string>();
    const page = await e2e.newTab(acked);
    await openSession(page, session, backend);
    await page.evaluate(() => window.museE2E.stream('x', 100_000, 0));
    await waitFor(async () => acked.size >= 200, 'appends to be acknowledged');
    const ids = await reloadAndRead(page, session, backend);
    const missing = [...acked].filter((id) => !ids.includes(id));
    expect(missing).toEqual([]);
    // The log goes on after the reload.
    const more = await page.evaluate(() => window.museE2E.append('after', 20, 'pipelined'));
    const { ids: after, bad } = await page.evaluate(() => window.museE2E.readAll());
    expect(bad).toEqual([]);
    expect(after).toEqual([...ids, ...more]);
    await page.close();
  });
});
