import { describe, expect, it } from 'vitest';
import { CorruptRecordError, exportJsonl, importJsonl, makeOpEntry, MemoryAdapter, OpIdMismatchError, OpLog, parseJsonl } from '../../src/index.js';

const op = (i: number) => ({ op: 'insert', address: `note:${i}`, position: i });

describe('JSON lines export and import', () => {
  it('round-trips a log, verifying every id, and skips ops already present', async () => {
    const src = await OpLog.open(new MemoryAdapter(), 'a');
    const entries = Array.from({ length: 10 }, (_, i) => makeOpEntry('x', 'midi', op(i), i + 1));
    await src.appendBatch(entries);
    const text = await exportJsonl(src);
    expect(text.split('\n')).toHaveLength(11);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text.split('\n')[0]!)).toEqual(entries[0]);
    const dst = await OpLog.open(new MemoryAdapter(), 'b');
    await dst.append(entries[3]!);
    expect(await importJsonl(dst, text)).toEqual({ appended: 9, duplicates: 1 });
    expect(new Set((await dst.readAll()).map((e) => e.op_id))).toEqual(new Set(entries.map((e) => e.op_id)));
  });

  it('refuses the whole import when one line is forged or broken, naming the line', async () => {
    const good = [makeOpEntry('x', 'midi', op(1), 1), makeOpEntry('x', 'midi', op(2), 2)];
    const forged = { ...makeOpEntry('x', 'midi', op(3), 3), lamport_ts: 9 };
    const dst = await OpLog.open(new MemoryAdapter(), 'b');
    const text = [...good, forged].map((e) => JSON.stringify(e)).join('\n');
    const err = await importJsonl(dst, text).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).line).toBe(3);
    expect((err as CorruptRecordError).cause).toBeInstanceOf(OpIdMismatchError);
    expect(dst.length).toBe(0);
    expect(() => parseJsonl(`${JSON.stringify(good[0])}\n{not json\n`)).toThrow(/line 2/);
  });
});
