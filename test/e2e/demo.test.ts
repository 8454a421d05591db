// The demo, end to end: `startDemo` (what `npm run demo` runs: Vite and a real sync server process),
// two browser profiles (two devices) in Debian's Chromium, driven by mouse gestures on the piano roll.
// Patterns are compared as RENDERED: the cell each note element is drawn on, read from its geometry.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/serve.js';
import { chromiumArgs, chromiumPath } from '../../vite.config.js';
import { freshSession, waitFor } from './harness.js';

const HIGH = 72; // the roll's top row (C5)
const ROW = 20;
const COL = 44;
/**
 * Screenshots of the demo: into test-results/screenshots on every run; into
 * docs/screenshots (the README's pictures, committed) with UPDATE_SCREENSHOTS=1.
 */
const SHOTS = resolve(
  import.meta.dirname,
  process.env.UPDATE_SCREENSHOTS ? '../../docs/screenshots' : '../../test-results/screenshots',
);

let demo: Demo;
let tmp: string;
const devices: BrowserContext[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'muse-oplog-demo-'));
  demo = await startDemo({ dataDir: join(tmp, 'server'), port: 0, syncPort: 0 });
  for (const name of ['alice', 'bob']) {
    devices.push(
      await chromium.launchPersistentContext(join(tmp, name), {
        executablePath: chromiumPath,
        args: chromiumArgs,
        headless: true,
        viewport: { width: 1380, height: 860 },
      }),
    );
  }
  await mkdir(SHOTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  for (const d of devices) await d.close().catch(() => {});
  await demo?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// A failed test must not leave a device offline for the next one.
afterEach(async () => {
  for (const d of devices) await d.setOffline(false);
});

const errors: string[] = [];
const dialogs: string[] = [];

async function open(device: BrowserContext, session: string): Promise<Page> {
  const page = await device.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Failed requests while offline are expected; anything else is worth seeing when a test fails.
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().includes('net::ERR_INTERNET_DISCONNECTED')) {
      console.log(`[${session}] ${m.type()}: ${m.text()}`);
    }
  });
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.goto(`${demo.url}?session=${session}`);
  await ready(page);
  return page;
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => 'museDemo' in globalThis && document.body.dataset.ops !== undefined, undefined, { timeout: 30_000 });
}

/** The pattern as drawn: `pitch@step:velocity` for each note element, from where it sits on the grid. */
async function rendered(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ HIGH, ROW, COL }) => {
      const grid = document.querySelector('.grid')!.getBoundingClientRect();
      return [...document.querySelectorAll<HTMLElement>('.grid .note')]
        .map((el) => {
          const r = el.getBoundingClientRect();
          const step = Math.round((r.left - grid.left) / COL);
          const pitch = HIGH - Math.round((r.top - grid.top) / ROW);
          return `${pitch}@${step}:${el.dataset.velocity}`;
        })
        .sort();
    },
    { HIGH, ROW, COL },
  );
}

async function cellPoint(page: Page, pitch: number, step: number): Promise<{ x: number; y: number }> {
  const box = (await page.locator('.grid').boundingBox())!;
  return { x: box.x + step * COL + COL / 2, y: box.y + (HIGH - pitch) * ROW + ROW / 2 };
}

const opCount = (page: Page) => page.evaluate(() => Number(document.body.dataset.ops));

/** One gesture, then wait until its op is in the log (the pattern shows what the log holds). */
async function gesture(page: Page, act: () => Promise<void>): Promise<void> {
  const before = await opCount(page);
  await act();
  await waitFor(async () => (await opCount(page)) === before + 1, 'the gesture\'s op');
}

const click = (page: Page, pitch: number, step: number) =>
  gesture(page, async () => {
    const p = await cellPoint(page, pitch, step);
    await page.mouse.click(p.x, p.y);
  });

const drag = (page: Page, from: [number, number], to: [number, number]) =>
  gesture(page, async () => {
    const a = await cellPoint(page, ...from);
    const b = await cellPoint(page, ...to);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
  });

/** Drag the note's velocity bar to about `velocity`. */
const setVelocity = (page: Page, pitch: number, step: number, velocity: number) =>
  gesture(page, async () => {
    const el = page.locator(`.grid .note[data-pitch="${pitch}"][data-step="${step}"]`);
    const address = await el.getAttribute('data-address');
    const bar = page.locator(`.vbar[data-address="${address}"]`);
    const barBox = (await bar.boundingBox())!;
    const lane = (await page.locator('.lane').boundingBox())!;
    await page.mouse.move(barBox.x + 5, barBox.y + 2);
    await page.mouse.down();
    await page.mouse.move(barBox.x + 5, lane.y + lane.height - 4 - (velocity / 127) * (lane.height - 8), { steps: 3 });
    await page.mouse.up();
  });

const syncText = (page: Page) => page.locator('#sync').innerText();
const pendingOps = (page: Page) => page.evaluate(() => (globalThis as any).museDemo.status.status.pending as number);

/** The service worker controls the page and says the whole app shell is in its cache. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 30_000, polling: 100 });
  await waitFor(async () => /cached for offline use/.test(await page.locator('#storage-shell').innerText()), 'the app shell cached', 30_000);
}

/** One picture of several screenshots, captioned, side by side. */
async function sideBySide(shots: [string, Buffer][], path: string): Promise<void> {
  const page = await devices[0]!.newPage();
  const figures = shots
    .map(([caption, png]) => `<figure><figcaption>${caption}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`)
    .join('');
  await page.setContent(
    `<style>body{margin:0;background:#15161a;color:#d9dce3;font:15px system-ui,sans-serif}main{display:inline-flex;gap:24px;padding:18px}` +
      `figure{margin:0}figcaption{margin:0 0 8px 2px}</style><main>${figures}</main>`,
  );
  await page.locator('main').screenshot({ path });
  await page.close();
}

describe('the demo: an offline-first piano roll', () => {
  it('two devices converge after one of them edits offline and reloads', async () => {
    const session = freshSession('jam');
    const alice = await open(devices[0]!, session);
    const bob = await open(devices[1]!, session);
    await waitFor(async () => (await syncText(alice)).includes('live') && (await syncText(bob)).includes('live'), 'both devices live');

    // Alice writes a little pattern online; Bob sees it.
    for (const [pitch, step] of [[60, 0], [64, 4], [67, 8], [72, 12], [48, 0], [55, 8]] as const) await click(alice, pitch, step);
    await setVelocity(alice, 67, 8, 40);
    await waitFor(async () => JSON.stringify(await rendered(bob)) === JSON.stringify(await rendered(alice)), 'bob to show alice\'s pattern');
    expect(await rendered(bob)).toHaveLength(6);
    expect((await rendered(bob)).find((n) => n.startsWith('67@8:'))).toMatch(/^67@8:(3\d|4\d)$/);

    // Bob goes offline (his app shell is cached by now) and edits: add, move, delete, velocity.
    await waitForServiceWorker(bob);
    await devices[1]!.setOffline(true);
    await waitFor(async () => !(await syncText(bob)).includes('live'), 'bob to notice he is offline');
    await click(bob, 62, 2);
    await drag(bob, [64, 4], [65, 6]);
    await click(bob, 72, 12); // removes C5
    await setVelocity(bob, 62, 2, 120);
    // Meanwhile Alice, online, moves the note Bob deleted: his delete wins, on both devices.
    await drag(alice, [72, 12], [71, 13]);
    await bob.screenshot({ path: join(SHOTS, 'offline.png') });
    expect(await syncText(bob)).toMatch(/4 ops waiting/);
    expect(await bob.locator('#oplog tr[data-synced="waiting"]').count()).toBe(4);

    // He reloads while offline: the page comes from the service worker's cache, the edits from the log.
    const before = await rendered(bob);
    await bob.reload();
    await ready(bob);
    await waitFor(async () => JSON.stringify(await rendered(bob)) === JSON.stringify(before), 'bob\'s pattern after an offline reload').catch(
      async (err) => {
        throw new Error(`${err.message}: ${JSON.stringify(await rendered(bob))} != ${JSON.stringify(before)}; ${await syncText(bob)}`);
      },
    );
    await waitFor(async () => /4 ops waiting/.test(await syncText(bob)), 'bob\'s 4 unsynced ops after the reload');
    // The page warns before closing while ops are unsynced.
    await bob.close({ runBeforeUnload: true });
    await waitFor(async () => dialogs.includes('beforeunload'), 'a beforeunload warning');
    const bob2 = await open(devices[1]!, session);

    // Back online: both converge to the same rendered pattern, and nothing is waiting.
    await devices[1]!.setOffline(false);
    await waitFor(
      async () => (await pendingOps(bob2)) === 0 && JSON.stringify(await rendered(bob2)) === JSON.stringify(await rendered(alice)),
      'the two devices to converge',
      30_000,
    );
    const final = await rendered(alice);
    expect(final).toEqual(['48@0:100', '55@8:100', '60@0:100', expect.stringMatching(/^62@2:1(1[5-9]|2[0-5])$/), '65@6:100', expect.stringMatching(/^67@8:(3\d|4\d)$/)]);
    // Bob's last ops may still be on their way to Alice (the patterns can agree before they arrive): both logs then hold the same ops.
    await waitFor(async () => (await opCount(alice)) === (await opCount(bob2)), 'both devices to hold the same ops');
    await waitFor(async () => (await alice.locator('#oplog tr[data-synced="waiting"]').count()) === 0, 'every op on the server');
    await alice.screenshot({ path: join(SHOTS, 'converged.png') });
    await sideBySide(
      [
        ['Alice (stayed online)', await alice.locator('.roll').screenshot()],
        ['Bob (edited offline, reloaded, came back)', await bob2.locator('.roll').screenshot()],
      ],
      join(SHOTS, 'two-devices.png'),
    );
    expect(errors).toEqual([]);
    await alice.close();
    await bob2.close();
  }, 180_000);

  it('undoes and redoes as new ops, and the other device follows', async () => {
    const session = freshSession('undo');
    const alice = await open(devices[0]!, session);
    const bob = await open(devices[1]!, session);
    await click(alice, 60, 0);
    await click(alice, 67, 4);
    await drag(alice, [67, 4], [69, 6]);
    const same = () => waitFor(async () => JSON.stringify(await rendered(bob)) === JSON.stringify(await rendered(alice)), 'bob to follow');
    await same();
    expect(await rendered(alice)).toEqual(['60@0:100', '69@6:100']);

    const undo = () => gesture(alice, () => alice.click('#undo'));
    const redo = () => gesture(alice, () => alice.keyboard.press('Control+Shift+Z'));
    await undo(); // the move
    expect(await rendered(alice)).toEqual(['60@0:100', '67@4:100']);
    await undo(); // the second insert
    expect(await rendered(alice)).toEqual(['60@0:100']);
    await same();
    await redo();
    await redo();
    expect(await rendered(alice)).toEqual(['60@0:100', '69@6:100']);
    await same();
    // Seven ops: nothing was rewritten.
    expect(await opCount(alice)).toBe(7);
    const kinds = await alice.locator('#oplog .kind').allInnerTexts();
    expect(kinds.reverse()).toEqual(['insert', 'insert', 'move', 'move', 'delete', 'insert', 'move']);
    expect(await alice.locator('#undo').isEnabled()).toBe(true);
    expect(await alice.locator('#redo').isEnabled()).toBe(false);

    // A second tab of Alice's browser is a follower: it writes through her leader tab, shows the leader's sync
    // status, and its edit reaches Bob like any other.
    const alice2 = await open(devices[0]!, session);
    expect(await alice2.locator('#role').innerText()).toMatch(/follower/);
    await waitFor(async () => (await syncText(alice2)).includes('live'), 'the follower to show the leader\'s sync state');
    expect(await rendered(alice2)).toEqual(await rendered(alice));
    await click(alice2, 50, 15);
    await waitFor(async () => (await rendered(bob)).includes('50@15:100') && (await rendered(alice)).includes('50@15:100'), 'the follower\'s edit everywhere');
    await waitFor(async () => (await alice2.locator('#oplog tr[data-synced="server"]').count()) === 8, 'the follower to see every op on the server');
    await alice2.close();

    // Commit: a checkpoint, and the structured delta's summary of what it folds in.
    await alice.click('#commit');
    await expect.poll(() => alice.locator('#commit-result').innerText()).toMatch(/Committed 8 ops .*: 1 delete, 4 insert, 3 move/);
    expect(errors).toEqual([]);
    await alice.close();
    await bob.close();
  }, 120_000);

  it('plays the pattern with a moving playhead', async () => {
    const session = freshSession('groove');
    const page = await open(devices[0]!, session);
    const groove: [number, number][] = [
      [48, 0], [60, 0], [64, 0], [67, 0], [48, 3], [67, 2], [69, 4], [55, 6], [71, 6], [53, 8], [65, 8], [69, 8],
      [72, 8], [53, 11], [72, 10], [71, 12], [55, 14], [67, 14], [62, 15],
    ];
    for (const [pitch, step] of groove) await click(page, pitch, step);
    await setVelocity(page, 67, 2, 60);
    await setVelocity(page, 71, 12, 85);
    await setVelocity(page, 62, 15, 45);
    expect(await rendered(page)).toHaveLength(groove.length);

    await page.click('#play');
    expect(await page.locator('#play').innerText()).toMatch(/Stop/);
    const playhead = () =>
      page.evaluate(() => {
        const el = document.querySelector<HTMLElement>('.playhead')!;
        return el.style.display === 'none' ? null : new DOMMatrix(getComputedStyle(el).transform).m41;
      });
    const xs = new Set<number>();
    await waitFor(async () => {
      const x = await playhead();
      if (x !== null) xs.add(Math.round(x));
      return xs.size >= 4;
    }, 'the playhead to move');
    await waitFor(async () => (await page.locator('.note.playing').count()) > 0, 'a note to light up as it plays');
    await waitFor(async () => {
      const x = await playhead();
      return x !== null && x > 4 * COL && x < 5 * COL;
    }, 'the playhead in the second beat');
    await page.screenshot({ path: join(SHOTS, 'piano-roll.png') });
    await page.click('#play');
    expect(await page.locator('#play').innerText()).toMatch(/Play/);
    expect(await playhead()).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('opens offline from its cache after one visit, with the dev server gone too', async () => {
    const session = freshSession('cache');
    const page = await open(devices[0]!, session);
    await waitForServiceWorker(page);
    // Installable as an app: Chromium finds nothing missing (manifest, icons, a service worker that serves offline).
    const cdp = await devices[0]!.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
    expect(manifest.url).toMatch(/manifest\.webmanifest$/);
    expect(manifest.errors).toEqual([]);
    await cdp.detach();
    await click(page, 60, 3);
    await page.close();
    await devices[0]!.setOffline(true);
    await demo.vite.close();
    const again = await open(devices[0]!, session);
    expect(await rendered(again)).toEqual(['60@3:100']);
    expect(await syncText(again)).not.toMatch(/live/);
    await click(again, 62, 5); // and it still edits
    expect(await rendered(again)).toEqual(['60@3:100', '62@5:100']);
    expect(errors).toEqual([]);
  }, 120_000);
});
