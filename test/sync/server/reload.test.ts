/** SIGHUP re-reads the tokens file: a revoked token is refused at once, a new one works; a broken file keeps the old tokens. */
import { writeFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../helpers/sync-server.js';
import { pull } from './http.js';

let server: ServerProcess | undefined;
afterAll(async () => {
  if (server) {
    expect(await server.stop()).toBe(0);
    server.cleanup();
  }
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('SIGHUP reloads the tokens file', async () => {
  const s = (server = await startServerProcess({ tokens: { 'old-token-0001': { sessions: ['*'] } } }));
  const tokensPath = s.tokensPath;
  expect((await pull(s.url, 'j', 'old-token-0001')).status).toBe(200);
  expect((await pull(s.url, 'j', 'new-token-0001')).status).toBe(401);

  writeFileSync(tokensPath, JSON.stringify({ 'new-token-0001': { sessions: ['j'], scope: 'r' } }));
  s.process.kill('SIGHUP');
  await until(() => s.stderr.includes('tokens reloaded'), 'the reload');
  expect((await pull(s.url, 'j', 'old-token-0001')).status).toBe(401);
  expect((await pull(s.url, 'j', 'new-token-0001')).status).toBe(200);

  writeFileSync(tokensPath, '{ not json');
  s.process.kill('SIGHUP');
  await until(() => s.stderr.includes('reload failed'), 'the failed reload');
  expect((await pull(s.url, 'j', 'new-token-0001')).status).toBe(200);
});
