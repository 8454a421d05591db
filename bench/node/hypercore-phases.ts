/**
 * The same records (the workload's entries, serialised as ops.jsonl lines)
 * appended to hypercore, the append-only log a Node user would otherwise
 * pick, in phases as close to the standard ones as hypercore allows.
 */
import Hypercore from 'hypercore';
import { buildStructuredDelta } from '../../src/core/delta.js';
import type { OpEntry } from '../../src/core/types.js';
import { appendRange, timed, type AppendStyle } from '../shared/workload.js';
import type { ReadAllMode } from './oplog-phases.js';
import { entryChain, type BenchResult } from './workload.js';

export interface HypercoreConfig {
  style: AppendStyle;
  readAll: ReadAllMode;
  ops: number;
  tail: number;
  dir: string;
}

export async function runHypercore(cfg: HypercoreConfig): Promise<BenchResult> {
  const result: BenchResult = {
    impl: `hypercore ${cfg.style}`,
    ops: cfg.ops,
    tail: cfg.tail,
    notes: [
      'records: the same entries as JSON lines, one block each; hypercore checks no op ids or duplicates',
      'checkpoint: setUserData("checkpoint", length); replay: blocks after that length; delta: parse + sort in JS',
    ],
  };
  const chain = entryChain();
  let lamport = 0;
  const append = (core: Hypercore, start: number, count: number) =>
    appendRange(cfg.style, start, count, (i) => core.append(Buffer.from(JSON.stringify(chain.next(i, ++lamport)))));

  const core = new Hypercore(cfg.dir);
  await core.ready();
  await timed(result, 'append', cfg.ops, () => append(core, 0, cfg.ops));
  await core.close();

  const core2 = await timed(result, 'reopen', 1, async () => {
    const c = new Hypercore(cfg.dir);
    await c.ready();
    const last = JSON.parse(Buffer.from((await c.get(c.length - 1))!).toString()) as OpEntry;
    if (last.lamport_ts + 1 !== cfg.ops + 1) throw new Error('reopen: wrong clock');
    return c;
  });
  await timed(result, 'read_all', cfg.ops, async () => {
    const all: OpEntry[] = [];
    let n = 0;
    for await (const block of core2.createReadStream()) {
      const e = JSON.parse(Buffer.from(block).toString()) as OpEntry;
      if (cfg.readAll === 'array') all.push(e);
      n++;
    }
    if (n !== cfg.ops) throw new Error(`read_all: ${n}`);
  });
  await timed(result, 'checkpoint', 1, () => core2.setUserData('checkpoint', String(core2.length)));
  await timed(result, 'append_tail', cfg.tail, () => append(core2, cfg.ops, cfg.tail));
  const sinceCheckpoint = async (): Promise<OpEntry[]> => {
    const start = Number(Buffer.from((await core2.getUserData('checkpoint'))!).toString());
    const out: OpEntry[] = [];
    for await (const block of core2.createReadStream({ start })) out.push(JSON.parse(Buffer.from(block).toString()));
    return out;
  };
  await timed(result, 'replay', cfg.tail, async () => {
    if ((await sinceCheckpoint()).length !== cfg.tail) throw new Error('replay');
  });
  await timed(result, 'delta', cfg.tail, async () => {
    if (buildStructuredDelta(await sinceCheckpoint(), 'midi').ops.length !== cfg.tail) throw new Error('delta');
  });
  await core2.close();
  return result;
}
