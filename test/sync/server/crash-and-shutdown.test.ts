/**
 * The server process killed (SIGKILL) in the middle of pushes, then
 * restarted: no acknowledged op lost, none duplicated, seqs still gapless,
 * and everything converges once clients push again. And SIGTERM: new
 * requests refused with 503 + Retry-After, the push in flight answered and
 * kept, long-polls answered, streams ended, exit 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleOps } from '../../../src/conformance.js';
import type { OpEntry } from '../../../src/core/types.js';
import { startServerProcess, type ServerProcess } from '../../helpers/sync-server.js';
import { auth, openEvents, opsFile, pull, pullAll, push } from './http.js';

const TOKEN = 'test-token-rw-all';
const repo = resolve(import.meta.dirname, '../../..');
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
});

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGKILL mid-push, then restart', () => {
  it('loses no acknowledged op, duplicates none, and converges when clients push again', async () => {
    const first = await startServerProcess();
    servers.push(first);
    const pushers = 6;
    const perPusher = 600;
    const batch = 20;
    const all = Array.from({ length: pushers }, (_, p) => sampleOps(perPusher, `actor-${p}`));
    const acked = new Set<string>();
    let ackedBatches = 0;
    let killed = false;

    const runPusher = async (p: number) => {
      const mine = all[p]!;
      for (let i = 0; i < mine.length && !killed; i += batch) {
        // Every batch also repeats the last op of the previous pusher's same batch: duplicates under load.
        const ops = [...mine.slice(i, i + batch), all[(p + pushers - 1) % pushers]![i]!];
        try {
          const res = await push(first.url, 'crash', TOKEN, ops);
          if (res.status !== 200) throw new Error(`push answered ${res.status}`);
          for (const o of ops) acked.add(o.op_id);
          ackedBatches++;
        } catch {
          return; // the server is gone: this batch is not acknowledged
        }
      }
    };
    const running = Promise.all(Array.from({ length: pushers }, (_, p) => runPusher(p)));
    await until(() => ackedBatches >= 40, '40 acknowledged pushes');
    killed = true;
    await first.kill(); // SIGKILL with pushes in flight
    await running;
    expect(acked.size).toBeGreaterThan(0);

    const second = await first.restart();
    servers.push(second);
    const after = await pullAll(second.url, 'crash', TOKEN);
    const storedIds = after.ops.map((o) => o.op_id);
    expect(after.head).toBe(storedIds.length); // gapless: seq 1..head, every one readable
    expect(new Set(storedIds).size).toBe(storedIds.length); // no duplicate
    for (const id of acked) expect(storedIds.includes(id), `acknowledged op ${id} lost`).toBe(true);
    expect(opsFile(second, 'crash').split('\n').filter(Boolean)).toHaveLength(after.head); // no torn or extra record

    // Clients push everything again (as a SyncClient does after an unacknowledged push): all converge exactly once.
    await Promise.all(
      all.map(async (mine) => {
        for (let i = 0; i < mine.length; i += 500) expect((await push(second.url, 'crash', TOKEN, mine.slice(i, i + 500))).status).toBe(200);
      }),
    );
    const final = await pullAll(second.url, 'crash', TOKEN);
    expect(final.head).toBe(pushers * perPusher);
    expect(new Set(final.ops.map((o) => o.op_id))).toEqual(new Set(all.flat().map((o) => o.op_id)));
    // What was stored before the crash kept its seqs.
    expect(final.ops.slice(0, storedIds.length).map((o) => o.op_id)).toEqual(storedIds);

    expect(await second.stop()).toBe(0);
    // The file verifies (ids, parent links, no damage) with the CLI.
    const verify = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli.ts'), 'verify', second.dataDir, 'crash', '--json'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(verify.status, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, records: pushers * perPusher, damagedLines: 0 });
    second.cleanup();
  });
});

describe('SIGTERM', () => {
  it('refuses new requests with 503, finishes the push in flight, answers long-polls, ends streams, exits 0', async () => {
    const server = await startServerProcess();
    servers.push(server);
    const seeded = sampleOps(2);
    await push(server.url, 'term', TOKEN, seeded);

    const stream = await openEvents(server.url, 'term', TOKEN, { after: 2 });
    const longPoll = pull(server.url, 'term', TOKEN, 'after=2&wait=60');

    // A push whose body is only half sent when the signal comes.
    const inflight = sampleOps(3);
    const body = JSON.stringify({ ops: inflight });
    const u = new URL(server.url);
    let writeRest: () => void = () => {};
    const slowPush = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/v1/sessions/term/ops',
          headers: { ...auth(TOKEN), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 100));
      writeRest = () => req.end(body.slice(100));
    });
    await new Promise((r) => setTimeout(r, 300)); // the server has the headers and is reading the body

    server.term();
    await until(() => server.stderr.includes('SIGTERM'), 'the server to take the signal');

    // New requests: 503 with Retry-After, nothing stored.
    const refused = sampleOps(2);
    const res503 = await push(server.url, 'term', TOKEN, refused);
    expect(res503.status).toBe(503);
    expect(res503.body.error.code).toBe('SHUTTING_DOWN');
    expect(Number(res503.headers.get('Retry-After'))).toBeGreaterThan(0);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    // The long-poll is answered (nothing new) and the stream ends.
    expect((await longPoll).body).toEqual({ ops: [], after: 2, cursor: 2, head: 2 });
    await stream.until(() => stream.ended);

    // The push in flight completes and is acknowledged.
    writeRest();
    expect(await slowPush).toEqual({ status: 200, body: { accepted: 3, duplicates: 0, head: 5 } });
    expect(await server.stop()).toBe(0);
    expect(existsSync(join(server.dataDir, '.muse/op_log/term/ops.lock'))).toBe(false); // closed cleanly

    const again = await server.restart();
    servers.push(again);
    const { ops } = await pullAll(again.url, 'term', TOKEN);
    expect(ops.map((o: OpEntry) => o.op_id)).toEqual([...seeded, ...inflight].map((o) => o.op_id));
    expect(await again.stop()).toBe(0);
    again.cleanup();
  });
});
