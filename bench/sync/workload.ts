/**
 * The ops bench:sync moves: the standard workload's (../shared/workload.ts),
 * op i by actor-(i mod 4) with Lamport timestamp i+1, each naming the one
 * before it as its parent.
 */
import type { OpEntry } from '../../src/core/types.js';
import { entryChain, sha256Hex } from '../node/workload.js';
import type { EntryChain } from '../shared/workload.js';

export { domainOp } from '../shared/workload.js';
export { sha256Hex };

export const SESSION = 'bench';

/** Ops [start, start+count) of one chain (made in order: pass the same chain for consecutive ranges). */
export function makeEntries(count: number, start = 0, chain: EntryChain = entryChain()): OpEntry[] {
  const out = new Array<OpEntry>(count);
  for (let k = 0; k < count; k++) out[k] = chain.next(start + k, start + k + 1);
  return out;
}

export { entryChain };
