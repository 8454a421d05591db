/**
 * FileServerStore beyond the conformance suite: many sessions with a
 * bounded number of open files, idle sessions closed, the Muse layout on
 * disk, and the session pool's rules.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleOps } from '../../../src/conformance.js';
import { FileServerStore, SessionPool } from '../../../src/server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}, 60_000);
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'muse-file-store-'));
  dirs.push(d);
  return d;
};
const openFds = () => readdirSync('/proc/self/fd').length;

describe('FileServerStore', () => {
  it('serves 1,200 sessions with at most 16 open (plus those in use): open files stay bounded', async () => {
    const dir = tempDir();
    const store = new FileServerStore({ dir, durability: 'os', maxOpenSessions: 16, idleMs: 60_000 });
    const baseline = openFds();
    let peakFds = 0;
    let peakOpen = 0;
    const sessions = Array.from({ length: 1200 }, (_, i) => `s${i}`);
    const op = sampleOps(1);
    // 25 at a time, as many concurrent clients would.
    for (let i = 0; i < sessions.length; i += 25) {
      await Promise.all(sessions.slice(i, i + 25).map((s) => store.append(s, op)));
      peakFds = Math.max(peakFds, openFds());
      peakOpen = Math.max(peakOpen, store.openSessions);
    }
    expect(store.openSessions).toBeLessThanOrEqual(16);
    expect(peakOpen).toBeLessThanOrEqual(16 + 25); // the cap, plus sessions with work in flight
    expect(peakFds - baseline).toBeLessThan(200);
    // Every session holds its op, read back through reopened sessions.
    for (const s of ['s0', 's777', 's1199']) expect((await store.read(s, 0, 10)).ops).toEqual(op);
    expect((await store.listSessions()).length).toBe(1200);
    await store.close();
  }, 120_000);

  it('closes sessions left idle, releasing their locks, and reopens them on demand', async () => {
    const dir = tempDir();
    const store = new FileServerStore({ dir, maxOpenSessions: 100, idleMs: 100 });
    await store.append('a', sampleOps(2));
    await store.append('b', sampleOps(3));
    expect(store.openSessions).toBe(2);
    expect(existsSync(join(dir, '.muse/op_log/a/ops.lock'))).toBe(true);
    const deadline = Date.now() + 5000;
    while (store.openSessions > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(store.openSessions).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(dir, '.muse/op_log/a/ops.lock'))).toBe(false);
    expect(await store.head('b')).toBe(3);
    await store.close();
  });

  it('keeps each session in the Muse layout: one JSON line per op, seq = line number', async () => {
    const dir = tempDir();
    const store = new FileServerStore({ dir });
    const ops = sampleOps(4);
    await store.append('jam-1', ops.slice(0, 2));
    await store.append('jam-1', ops);
    await store.close();
    const lines = readFileSync(join(dir, '.muse/op_log/jam-1/ops.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l))).toEqual(ops);
  });

  it('reading or asking the head of an unknown session creates nothing on disk', async () => {
    const dir = tempDir();
    const store = new FileServerStore({ dir });
    expect(await store.read('ghost', 0, 10)).toEqual({ ops: [], cursor: 0, head: 0 });
    expect(await store.head('ghost')).toBe(0);
    expect(existsSync(join(dir, '.muse/op_log/ghost'))).toBe(false);
    await store.close();
  });

  it('a second store on the same directory cannot write a session the first holds open', async () => {
    const dir = tempDir();
    const one = new FileServerStore({ dir });
    const two = new FileServerStore({ dir });
    await one.append('held', sampleOps(1));
    await expect(two.append('held', sampleOps(1))).rejects.toMatchObject({ code: 'SESSION_LOCKED' });
    await one.close();
    expect(await two.head('held')).toBe(1);
    await two.close();
  });
});

describe('SessionPool', () => {
  function fakePool(maxOpen: number, idleMs = 60_000) {
    const events: string[] = [];
    const open = new Set<string>();
    const pool = new SessionPool<{ id: string }>({
      open: async (id) => {
        await new Promise((r) => setTimeout(r, 1));
        if (open.has(id)) throw new Error(`${id} opened twice`);
        open.add(id);
        events.push(`open ${id}`);
        return { id };
      },
      close: async (r) => {
        await new Promise((res) => setTimeout(res, 5));
        open.delete(r.id);
        events.push(`close ${r.id}`);
      },
      maxOpen,
      idleMs,
    });
    return { pool, events, open };
  }

  it('never closes a session with work in flight, whatever the cap', async () => {
    const { pool, events, open } = fakePool(1);
    let release!: () => void;
    const held = pool.use('busy', async (r) => {
      await new Promise<void>((res) => (release = res));
      expect(open.has(r.id)).toBe(true);
      return r.id;
    });
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 20; i++) await pool.use(`other-${i}`, async (r) => expect(open.has(r.id)).toBe(true));
    expect(open.has('busy')).toBe(true);
    expect(events).not.toContain('close busy');
    release();
    expect(await held).toBe('busy');
    await pool.use('another', async () => undefined);
    await new Promise((r) => setTimeout(r, 30));
    expect(events).toContain('close busy');
    expect(open.size).toBeLessThanOrEqual(1);
    await pool.close();
    expect(open.size).toBe(0);
  });

  it('waits for a closing session to close before opening it again', async () => {
    const { pool, events } = fakePool(0);
    await pool.use('x', async () => undefined); // evicted at once (cap 0)
    await pool.use('x', async () => undefined); // must wait for the close
    await pool.close();
    expect(events).toEqual(['open x', 'close x', 'open x', 'close x']);
  });

  it('close waits for work in flight, then refuses new work', async () => {
    const { pool, open } = fakePool(4);
    let finished = false;
    const work = pool.use('slow', async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    await pool.close();
    expect(finished).toBe(true);
    await work;
    expect(open.size).toBe(0);
    await expect(pool.use('late', async () => undefined)).rejects.toThrow(/closed/);
  });

  it('forgets a failed open, so the next use tries again', async () => {
    let attempts = 0;
    const pool = new SessionPool<string>({
      open: async (id) => {
        if (++attempts === 1) throw new Error('disk hiccup');
        return id;
      },
      close: async () => undefined,
      maxOpen: 4,
      idleMs: 60_000,
    });
    await expect(pool.use('s', async (r) => r)).rejects.toThrow('disk hiccup');
    expect(await pool.use('s', async (r) => r)).toBe('s');
    await pool.close();
  });
});
