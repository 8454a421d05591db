import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../../src/node.js';

describe('FileStateStore', () => {
  it('keeps progress per key in one JSON file that a new store reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muse-sync-state-'));
    try {
      const path = join(dir, 'nested', 'sync-state.json');
      const a = new FileStateStore(path);
      expect(await a.load('k1')).toBeUndefined();
      await Promise.all([
        a.save('k1', { cursor: 5, pushedBelow: 3, serverRanges: [[4, 6]] }),
        a.save('k2', { cursor: 1, pushedBelow: 1, serverRanges: [] }),
        a.save('k1', { cursor: 9, pushedBelow: 9, serverRanges: [] }),
      ]);
      const b = new FileStateStore(path);
      expect(await b.load('k1')).toEqual({ cursor: 9, pushedBelow: 9, serverRanges: [] });
      expect(await b.load('k2')).toEqual({ cursor: 1, pushedBelow: 1, serverRanges: [] });
      expect(Object.keys(JSON.parse(await readFile(path, 'utf8')))).toEqual(['k1', 'k2']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a damaged file or entry as no progress (start over: slower, never wrong)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muse-sync-state-'));
    try {
      const path = join(dir, 'state.json');
      await writeFile(path, '{"k1": {"cursor": -1, "pushedBelow": 0, "serverRanges": []}, "k2": {"cursor": 3, "pushedBelow": 2, "serverRanges": [[5, 4]]}, "k3": {"cursor": 2, "pushedBelow": 2, "serverRanges": []}}');
      const s = new FileStateStore(path);
      expect(await s.load('k1')).toBeUndefined();
      expect(await s.load('k2')).toBeUndefined();
      expect(await s.load('k3')).toEqual({ cursor: 2, pushedBelow: 2, serverRanges: [] });
      await writeFile(join(dir, 'torn.json'), '{"k1": {"cur');
      expect(await new FileStateStore(join(dir, 'torn.json')).load('k1')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
