/** The connection loop alone, with fake timers and a scripted connection. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionLoop, SyncError, type Connection, type ConnectionState } from '../../../src/index.js';
import { FakeEnvironment } from './helpers.js';

type Script = (conn: Connection, attempt: number) => Promise<void>;

function harness(script: Script, options: { random?: () => number; shortStreamMs?: number } = {}) {
  const env = new FakeEnvironment();
  const states: ConnectionState[] = [];
  const attempts: { at: number; conn: Connection }[] = [];
  const loop = new ConnectionLoop({
    connect: (conn) => {
      attempts.push({ at: Date.now(), conn });
      return script(conn, attempts.length);
    },
    onState: (s) => {
      if (states[states.length - 1] !== s) states.push(s);
    },
    environment: env,
    backoff: { random: options.random ?? (() => 0.999) },
    shortStreamMs: options.shortStreamMs,
  });
  return { env, states, attempts, loop };
}

const network = () => new SyncError('NETWORK', 'connection refused');
/** Stay live until aborted. */
const stayLive: Script = async (conn) => {
  conn.live();
  await conn.ended();
  throw conn.signal.reason;
};

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionLoop', () => {
  it('backs off with growing full-jitter delays while the network fails, then goes live and resets', async () => {
    const h = harness(async (conn, n) => {
      if (n <= 4) throw network();
      return stayLive(conn, n);
    });
    const t0 = Date.now();
    h.loop.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const gaps = h.attempts.slice(1).map((a, i) => a.at - h.attempts[i]!.at);
    expect(gaps).toEqual([999, 1998, 3996, 7992]);
    expect(h.attempts[0]!.at).toBe(t0);
    expect(h.states).toEqual(['connecting', 'offline', 'connecting', 'offline', 'connecting', 'offline', 'connecting', 'offline', 'connecting', 'live']);
    expect(h.loop.state).toBe('live');
    await h.loop.stop();
    expect(h.loop.state).toBe('offline');
  });

  it('honours Retry-After as a floor', async () => {
    const h = harness(async (conn, n) => {
      if (n === 1) throw new SyncError('SHUTTING_DOWN', 'bye', { status: 503, retryAfterMs: 12_000 });
      return stayLive(conn, n);
    });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(11_999);
    expect(h.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.attempts).toHaveLength(2);
    await h.loop.stop();
  });

  it('reconnects at once on online (a hint), on visible and on wake', async () => {
    const h = harness(async (conn, n) => {
      if (n === 1) throw new SyncError('NETWORK', 'down');
      return stayLive(conn, n);
    }, { random: () => 0.999 });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(h.attempts).toHaveLength(1);
    h.env.send('online');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.attempts).toHaveLength(2);
    expect(h.loop.state).toBe('live');
    // online while live changes nothing
    h.env.send('online');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.attempts).toHaveLength(2);
    // a wake restarts the live connection (it may be dead)
    h.env.send('wake');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.attempts).toHaveLength(3);
    expect(h.attempts[1]!.conn.signal.aborted).toBe(true);
    // hidden restarts it too, and the new connection sees the page hidden
    h.env.send('hidden');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.attempts).toHaveLength(4);
    expect(h.attempts[3]!.conn.hidden()).toBe(true);
    h.env.send('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.attempts).toHaveLength(5);
    expect(h.attempts[4]!.conn.hidden()).toBe(false);
    expect(h.loop.state).toBe('live');
    await h.loop.stop();
  });

  it('aborts a stream that misses its heartbeats, and keeps one that hears them', async () => {
    let beats = true;
    const h = harness(async (conn, n) => {
      conn.live();
      conn.arm(30_000);
      if (n === 1) {
        const timer = setInterval(() => beats && conn.alive(), 15_000);
        await conn.ended();
        clearInterval(timer);
      } else await conn.ended();
      throw conn.signal.reason;
    });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.attempts).toHaveLength(1); // heartbeats every 15 s keep it
    beats = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.attempts[0]!.conn.signal.aborted).toBe(true);
    expect((h.attempts[0]!.conn.signal.reason as SyncError).reason).toBe('STREAM_TIMEOUT');
    expect(h.states).toContain('offline');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.attempts).toHaveLength(2);
    await h.loop.stop();
  });

  it('a refused request or token waits the longest backoff (never a hot loop) and sets the state', async () => {
    const h = harness(async (conn, n) => {
      if (n % 2 === 1) throw new SyncError('FORBIDDEN', 'no', { status: 403 });
      throw new SyncError('UNAUTHORIZED', 'expired', { status: 401 });
    });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.loop.state).toBe('error');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.loop.state).toBe('unauthorized');
    await vi.advanceTimersByTimeAsync(90_000);
    expect(h.attempts.length).toBe(5);
    const gaps = h.attempts.slice(1).map((a, i) => a.at - h.attempts[i]!.at);
    expect(gaps.every((g) => g === 30_000)).toBe(true);
    await h.loop.stop();
  });

  it('falls back to long-poll after several short-lived streams in a row', async () => {
    const h = harness(async (conn) => {
      conn.live();
      if (conn.mode === 'stream') {
        await new Promise((r) => setTimeout(r, 100)); // a proxy cuts the stream
        return;
      }
      await conn.ended();
    });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.attempts.map((a) => a.conn.mode)).toEqual(['stream', 'stream', 'stream', 'long-poll']);
    expect(h.loop.mode).toBe('long-poll');
    // the short streams were backed off, not retried hot
    expect(h.attempts[1]!.at - h.attempts[0]!.at).toBeGreaterThanOrEqual(100);
    await h.loop.stop();
  });

  it('a long-lived stream that ends reconnects at once and stays on streams', async () => {
    const h = harness(async (conn, n) => {
      conn.live();
      if (n < 3) await new Promise((r) => setTimeout(r, 5_000));
      else await conn.ended();
    });
    h.loop.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.attempts).toHaveLength(3);
    expect(h.attempts[1]!.at - h.attempts[0]!.at).toBe(5_000);
    expect(h.loop.mode).toBe('stream');
    await h.loop.stop();
  });

  it('fail() from outside (a push failed) backs the connection off', async () => {
    const h = harness(stayLive);
    h.loop.start();
    await vi.advanceTimersByTimeAsync(0);
    h.loop.fail(new SyncError('UNAVAILABLE', 'store down', { status: 503 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.loop.state).toBe('offline');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.attempts).toHaveLength(2);
    expect(h.loop.state).toBe('live');
    await h.loop.stop();
  });
});

describe('defaultEnvironment (Node: no window)', () => {
  it('reports a wake when a timer tick comes far later than asked', async () => {
    const { defaultEnvironment } = await import('../../../src/index.js');
    const env = defaultEnvironment({ wakeIntervalMs: 1000 });
    const seen: string[] = [];
    const stop = env.watch((s) => seen.push(s));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(seen).toEqual([]);
    vi.setSystemTime(Date.now() + 60_000); // the device slept for a minute
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual(['wake']);
    expect(env.hidden()).toBe(false);
    stop();
  });
});
