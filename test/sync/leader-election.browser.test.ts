/**
 * LeaderElection on its own, in real Chromium: several elections on one Web
 * Lock stand in for tabs (SharedOpLog's tests cover it wired to the channel).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import type { OpLog } from '../../src/core/log.js';
import { MemoryAdapter } from '../../src/storage/memory.js';
import { LeaderElection } from '../../src/sync/tabs/leader-election.js';

let counter = 0;
const open: LeaderElection<never>[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

function campaigners(makeAdapter?: () => MemoryAdapter) {
  const lockName = `test-election-${Date.now()}-${counter++}`;
  const store = new MemoryAdapter();
  const adapter = makeAdapter ?? (() => new MemoryAdapter({ shareWith: store }));
  return (tabId: string) => {
    const seen: string[] = [];
    const election = new LeaderElection<never>(
      { sessionId: 's', tabId, lockName, adapter },
      {
        onElected: (log: OpLog<never>) => seen.push(`elected ${log.length}`),
        onDeposed: (log: OpLog<never>) => seen.push(`deposed ${log.length}`),
        onFailed: (err) => seen.push(`failed ${(err as Error).message}`),
      },
    );
    open.push(election);
    return { election, seen };
  };
}

describe('LeaderElection', () => {
  it('the first to campaign leads; the next leads once it closes', async () => {
    const tab = campaigners();
    const a = tab('a');
    a.election.campaign();
    await a.election.leaderKnown(5_000);
    expect([a.election.role, a.election.leaderId, a.seen]).toEqual(['leader', 'a', ['elected 0']]);
    expect(a.election.log).toBeDefined();

    const b = tab('b');
    b.election.campaign();
    expect(b.election.announced('a')).toBe(true);
    expect(b.election.announced('a')).toBe(false);
    await b.election.leaderKnown(5_000);
    expect([b.election.role, b.election.leaderId, b.election.log]).toEqual(['follower', 'a', undefined]);

    await a.election.close();
    expect(a.seen).toEqual(['elected 0', 'deposed 0']);
    expect(a.election.log).toBeUndefined();
    for (let i = 0; i < 200 && b.election.role !== 'leader'; i++) await new Promise((r) => setTimeout(r, 10));
    expect([b.election.role, b.election.leaderId, b.seen]).toEqual(['leader', 'b', ['elected 0']]);
  });

  it('gives up waiting for a leader that never announces itself', async () => {
    const tab = campaigners();
    const a = tab('a');
    a.election.campaign();
    await a.election.leaderKnown(5_000);
    const b = tab('b');
    b.election.campaign();
    await expect(b.election.leaderKnown(50)).rejects.toBeInstanceOf(StorageError);
  });

  it('fails, and tells, when elected and the log cannot be opened', async () => {
    const tab = campaigners(() => {
      throw new StorageError('no storage here');
    });
    const a = tab('a');
    a.election.campaign();
    await expect(a.election.leaderKnown(5_000)).rejects.toThrow('no storage here');
    expect(a.seen).toEqual(['failed no storage here']);
    expect(a.election.failure?.error).toBeInstanceOf(StorageError);
    expect(a.election.role).toBe('follower');
  });
});
