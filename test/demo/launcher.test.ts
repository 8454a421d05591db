// `npm run demo`'s launcher: one process tree (the page server in the launcher, the sync server its child),
// a printed URL that serves the page, and Ctrl-C (SIGINT) or SIGTERM stopping both, leaving no process behind.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function launch() {
  const data = await mkdtemp(join(tmpdir(), 'muse-demo-launcher-'));
  dirs.push(data);
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts', '--port', '0', '--sync-port', '0', '--data', data], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const end = Date.now() + 60_000;
  while (!/sync server:.*pid (\d+)/.test(out)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`the launcher did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = out.match(/demo:\s+(http:\S+)/)![1]!;
  const syncUrl = out.match(/sync server:\s+(http:\S+)/)![1]!;
  const syncPid = Number(out.match(/pid (\d+)/)![1]);
  return { child, exited, url, syncUrl, syncPid, data };
}

describe('the demo launcher', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`serves the page and a sync server with a dev token, and stops both on ${signal}`, async () => {
      const { child, exited, url, syncUrl, syncPid, data } = await launch();
      try {
        const page = await fetch(url);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('piano roll');
        // The sync server takes the development token the launcher wrote.
        const tokens = JSON.parse(await readFile(join(data, 'tokens.json'), 'utf8')) as Record<string, unknown>;
        const token = Object.keys(tokens)[0]!;
        const pull = await fetch(`${syncUrl}/v1/sessions/jam/ops?after=0`, { headers: { authorization: `Bearer ${token}` } });
        expect(pull.status).toBe(200);
        // The page is told where the sync server is and which token to use.
        const config = await (await fetch(new URL('app/config.ts', url))).text();
        expect(config).toContain(token);
        expect(config).toContain(syncUrl);
        expect(await (await fetch(url)).text()).not.toContain('/@vite/client');
        expect(alive(syncPid)).toBe(true);

        child.kill(signal);
        expect(await exited).toBe(0);
        expect(alive(syncPid)).toBe(false);
        await expect(fetch(url)).rejects.toThrow();
        await expect(fetch(`${syncUrl}/healthz`)).rejects.toThrow();
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        if (alive(syncPid)) process.kill(syncPid, 'SIGKILL');
      }
    }, 90_000);
  }
});
