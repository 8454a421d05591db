/**
 * On-disk format fixtures (test/fixtures/node-fs, made once by generate.ts):
 * logs written by an earlier version of this library and by the Python
 * reference must keep opening to exactly the same contents. A failure here
 * means the on-disk format changed: old files would break.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEntry } from '../../../src/core/entry.js';
import { CorruptRecordError, OpIdMismatchError } from '../../../src/core/errors.js';
import { OpLog } from '../../../src/core/log.js';
import type { OpEntry, OpLogCheckpoint } from '../../../src/core/types.js';
import { NodeFsAdapter, type NodeFsSession } from '../../../src/storage/node-fs/index.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures/node-fs');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  ours: { entries: OpEntry[]; checkpoint: OpLogCheckpoint };
  reference: { entries: OpEntry[]; checkpoint: OpLogCheckpoint };
  five: OpEntry[];
};

const roots: string[] = [];
const adapters: NodeFsAdapter[] = [];
/** A private copy: opening may cut a torn tail or write sidecars. */
function copy(name: string): string {
  const root = mkdtempSync(join(tmpdir(), `muse-fixture-${name}-`));
  roots.push(root);
  cpSync(join(fixtures, name), root, { recursive: true });
  return root;
}
function adapter(root: string): NodeFsAdapter {
  const a = new NodeFsAdapter(root, { indexStride: 4 });
  adapters.push(a);
  return a;
}
const file = (root: string, s: string, f: string) => join(root, '.muse', 'op_log', s, f);
afterEach(async () => {
  for (const a of adapters.splice(0)) await a.close();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('fixture: a log written by this version (ours-v1)', () => {
  it('keeps its record format byte for byte', () => {
    const text = readFileSync(file(join(fixtures, 'ours-v1'), 'ours-v1', 'ops.jsonl'), 'utf8');
    expect(text).toBe(expected.ours.entries.map((e) => `${encodeEntry(e).record}\n`).join(''));
  });

  it('opens to the same entries, checkpoint and clock; its v1 caches (ops.idx, clock.json) are rebuilt once, then used as they are', async () => {
    const root = copy('ours-v1');
    const v1Idx = readFileSync(file(root, 'ours-v1', 'ops.idx'));
    expect(v1Idx.subarray(0, 8).toString()).toBe('MUSEIDX1');
    const a = adapter(root);
    expect(await a.listSessions()).toEqual(['ours-v1']);
    const log = await OpLog.open(a, 'ours-v1', { verifyReads: true });
    expect(await log.readAll()).toEqual(expected.ours.entries);
    expect(await log.readCheckpoint()).toEqual(expected.ours.checkpoint);
    expect(log.highestLamportTs).toBe(10);
    expect((await log.replaySinceCheckpoint()).map((e) => e.op_id)).toEqual(expected.ours.entries.slice(8).map((e) => e.op_id));
    expect(log.nextLamportTs()).toBe(11);
    await log.close();
    // Issue 7 added check digits to both caches: the v1 files were replaced, not trusted.
    const idxBefore = readFileSync(file(root, 'ours-v1', 'ops.idx'));
    expect(idxBefore.subarray(0, 8).toString()).toBe('MUSEIDX2');
    expect(JSON.parse(readFileSync(file(root, 'ours-v1', 'clock.json'), 'utf8'))).toMatchObject({ v: 2, count: 10, lamport_ts: 10 });
    const again = await OpLog.open(a, 'ours-v1', { verifyReads: true });
    expect(await again.readAll()).toEqual(expected.ours.entries);
    await again.close();
    expect(readFileSync(file(root, 'ours-v1', 'ops.idx'))).toEqual(idxBefore);
  });
});

describe('fixture: a log written by the Python reference (reference-v1)', () => {
  it('opens with every op id verified, the same entries and checkpoint, and continues its clock', async () => {
    const root = copy('reference-v1');
    const a = adapter(root);
    expect(await a.listSessions()).toEqual(['reference-v1']);
    const log = await OpLog.open(a, 'reference-v1', { verifyReads: true });
    expect(await log.readAll()).toEqual(expected.reference.entries);
    expect(await log.readCheckpoint()).toEqual(expected.reference.checkpoint);
    expect(log.highestLamportTs).toBe(9);
    expect(await log.replaySinceCheckpoint()).toEqual(expected.reference.entries.slice(6));
    expect(log.nextLamportTs()).toBe(10);
    await log.close();
  });
});

describe('fixture: a torn last line (torn-tail)', () => {
  it('cuts the torn line off on open and keeps the five complete entries', async () => {
    const root = copy('torn-tail');
    const ops = file(root, 'torn-tail', 'ops.jsonl');
    const complete = expected.five.map((e) => `${JSON.stringify(e)}\n`).join('');
    expect(readFileSync(ops, 'utf8')).toBe(`${complete}${JSON.stringify(expected.five[0]).slice(0, 57)}`);
    const a = adapter(root);
    const storage = (await a.openSession('torn-tail')) as NodeFsSession;
    expect(storage.repair).toEqual({ action: 'truncated', offset: Buffer.byteLength(complete), bytes: 57 });
    await storage.close();
    expect(readFileSync(ops, 'utf8')).toBe(complete);
    const log = await OpLog.open(a, 'torn-tail');
    expect(await log.readAll()).toEqual(expected.five);
    await log.close();
  });
});

describe('fixture: a damaged line in the middle (mid-damage)', () => {
  it('is reported with its line number, never dropped silently', async () => {
    const root = copy('mid-damage');
    const a = adapter(root);
    const err = await OpLog.open(a, 'mid-damage').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect(err).toMatchObject({ line: 3, position: 2 });
    expect((err as CorruptRecordError).cause).toBeInstanceOf(OpIdMismatchError);
    const log = await OpLog.open(a, 'mid-damage', { onCorruptRecord: 'skip' });
    expect(log.skippedRecords.map((s) => s.line)).toEqual([3]);
    expect((await log.readAll()).map((e) => e.op_id)).toEqual(
      [0, 1, 3, 4].map((i) => expected.five[i]!.op_id),
    );
    await log.close();
  });
});
