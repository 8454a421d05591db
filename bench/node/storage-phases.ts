/**
 * The storage layer alone: the workload's records, built and encoded before
 * the clock starts, appended straight to NodeFsAdapter's SessionStorage (one
 * record per call). Separates what the adapter costs from what the log core
 * costs (building, hashing, validating entries). Not comparable with the
 * reference's figures, which include building each entry.
 */
import { encodeEntry } from '../../src/core/entry.js';
import { NodeFsAdapter, type Durability } from '../../src/storage/node-fs/index.js';
import { appendRange, SESSION, timed, type AppendStyle } from '../shared/workload.js';
import { entryChain, type BenchResult } from './workload.js';

export async function runStorage(cfg: { durability: Durability; style: AppendStyle; ops: number; tail: number; dir: string }): Promise<BenchResult> {
  const result: BenchResult = {
    impl: `node-fs storage only ${cfg.durability} ${cfg.style}`,
    ops: cfg.ops,
    tail: cfg.tail,
    notes: ['storage layer alone: records pre-built (not timed; held in memory, so peak RSS is mostly them), SessionStorage.append of one record per call; read_all and replay read raw records'],
  };
  const chain = entryChain();
  const records: string[] = [];
  for (let i = 0; i < cfg.ops + cfg.tail; i++) records.push(encodeEntry(chain.next(i, i + 1)).record);
  const append = (s: { append(r: readonly string[]): void | Promise<void> }, start: number, count: number) =>
    appendRange(cfg.style, start, count, (i) => s.append([records[i]!]));
  const a = new NodeFsAdapter(cfg.dir, { durability: cfg.durability });
  const s = await a.openSession(SESSION);
  await timed(result, 'append', cfg.ops, () => append(s, 0, cfg.ops));
  await a.close();
  const b = new NodeFsAdapter(cfg.dir, { durability: cfg.durability });
  const s2 = await timed(result, 'reopen', 1, () => b.openSession(SESSION));
  await timed(result, 'read_all', cfg.ops, async () => {
    let n = 0;
    for await (const batch of s2.read(0)) n += batch.length;
    if (n !== cfg.ops) throw new Error(`read_all: ${n}`);
  });
  await timed(result, 'append_tail', cfg.tail, () => append(s2, cfg.ops, cfg.tail));
  await timed(result, 'replay', cfg.tail, async () => {
    let n = 0;
    for await (const batch of s2.read(cfg.ops)) n += batch.length;
    if (n !== cfg.tail) throw new Error(`replay: ${n}`);
  });
  result.bytes = s2.byteLength;
  await b.close();
  return result;
}
