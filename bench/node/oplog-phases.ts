/** The standard workload on OpLog over NodeFsAdapter. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
// Module paths, not src/index.ts: that entry pulls in the OPFS worker, which only a bundler can load.
import { OpLog } from '../../src/core/log.js';
import { NodeFsAdapter, type Durability } from '../../src/storage/node-fs/index.js';
import { appendRange, runTailPhases, SESSION, timed, type AppendStyle } from '../shared/workload.js';
import { entryChain, type BenchResult } from './workload.js';

export type ReadAllMode = 'array' | 'stream';

export interface OpLogConfig {
  durability: Durability;
  style: AppendStyle;
  readAll: ReadAllMode;
  ops: number;
  tail: number;
  dir: string;
}

export async function runOpLog(cfg: OpLogConfig): Promise<BenchResult> {
  const result: BenchResult = {
    impl: `muse-oplog node-fs ${cfg.durability} ${cfg.style}`,
    ops: cfg.ops,
    tail: cfg.tail,
    notes: [],
  };
  const chain = entryChain();
  const append = (log: OpLog, start: number, count: number) =>
    appendRange(cfg.style, start, count, (i) => log.append(chain.next(i, log.nextLamportTs())));

  const adapter = new NodeFsAdapter(cfg.dir, { durability: cfg.durability });
  const log = await OpLog.open(adapter, SESSION);
  await timed(result, 'append', cfg.ops, () => append(log, 0, cfg.ops));
  await log.close(); // the reference holds no open log; ours must release the writer lock
  await adapter.close();

  const adapter2 = new NodeFsAdapter(cfg.dir, { durability: cfg.durability });
  const log2 = await timed(result, 'reopen', 1, async () => {
    const l = await OpLog.open(adapter2, SESSION);
    const next = l.highestLamportTs + 1; // the next timestamp, without consuming it (bench_seed undoes its call)
    if (next !== cfg.ops + 1) throw new Error(`reopen: next Lamport timestamp ${next}`);
    return l;
  });
  await timed(result, 'read_all', cfg.ops, async () => {
    let n = 0;
    if (cfg.readAll === 'array') {
      n = (await log2.readAll()).length;
    } else {
      for await (const _ of log2.entries(0)) n++;
    }
    if (n !== cfg.ops) throw new Error(`read_all: ${n} entries`);
  });
  if (cfg.readAll === 'stream') result.notes!.push('read_all streams entries() instead of building an array');
  await runTailPhases(result, log2, cfg, () => append(log2, cfg.ops, cfg.tail));
  await log2.close();
  await adapter2.close();
  result.bytes = statSync(join(cfg.dir, '.muse', 'op_log', SESSION, 'ops.jsonl')).size;
  if (result.notes!.length === 0) delete result.notes;
  return result;
}
