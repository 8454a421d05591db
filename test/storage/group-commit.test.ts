import { describe, expect, it } from 'vitest';
import { ClosedError, StorageError } from '../../src/index.js';
import { GroupCommit } from '../../src/storage/group-commit.js';

describe('GroupCommit', () => {
  it('commits in call order, gathering calls made during a commit into the next one', async () => {
    const commits: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit(async (records) => {
      commits.push([...records]);
      if (commits.length === 1) await gate;
    }, 's');
    const first = gc.append(['a']);
    await Promise.resolve();
    await Promise.resolve();
    const rest = [gc.append(['b', 'c']), gc.append(['d']), gc.append([])];
    release();
    await Promise.all([first, ...rest]);
    expect(commits).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('rejects only the calls of a failed commit, as StorageError, and goes on', async () => {
    let fail = true;
    const stored: string[] = [];
    const gc = new GroupCommit(async (records) => {
      if (fail) {
        fail = false;
        throw new Error('EIO');
      }
      stored.push(...records);
    }, 's');
    const a = gc.append(['x']).catch((e: unknown) => e);
    const err = await a;
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).cause).toEqual(new Error('EIO'));
    await gc.append(['y']);
    expect(stored).toEqual(['y']);
  });

  it('keeps its own copy of the records', async () => {
    const seen: string[][] = [];
    const gc = new GroupCommit(async (r) => void seen.push([...r]), 's');
    const records = ['a'];
    const p = gc.append(records);
    records.push('mutated');
    await p;
    expect(seen).toEqual([['a']]);
  });

  it('close waits for appends made so far, then refuses new ones', async () => {
    const stored: string[] = [];
    const gc = new GroupCommit(async (r) => void stored.push(...r), '"s"');
    const pending = gc.append(['a']);
    await gc.close();
    await pending;
    expect(stored).toEqual(['a']);
    await expect(gc.append(['b'])).rejects.toBeInstanceOf(ClosedError);
    expect(stored).toEqual(['a']);
  });
});
