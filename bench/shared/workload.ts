/**
 * The standard workload, from the docstring of ../shared/reference/bench_seed.py:
 * N ops in session "bench", actors "actor-0".."actor-3" round-robin, domain
 * "midi", op i = {"op": "insert", "address": "note:<i>", "position": i,
 * "content_id": sha256("note-<i>") hex, "content_summary": "C4 vel=80 tick=<i*120>"},
 * each op's parent_op_ids = [op_id of op i-1] (none for op 0).
 * Phases: append N one at a time; reopen (new log object, next Lamport
 * timestamp recovered from disk); read_all; checkpoint; append M more;
 * replay_since_checkpoint (M entries); to_structured_delta("midi").
 *
 * Shared by bench/node and bench/browser, so runtime-neutral (no `node:`
 * imports; it is bundled into the browser page). The content_id hash is passed
 * in: Node uses node:crypto, the browser the library's own sha256Hex.
 */
// Module paths, not src/index.ts: that entry pulls in the OPFS worker, which only a bundler can load.
import { makeOpEntry } from '../../src/core/entry.js';
import type { InsertOp, OpEntry } from '../../src/core/types.js';

export const SESSION = 'bench';
/** Appends in flight at once in the pipelined style. */
export const PIPELINE_WINDOW = 4096;

/** 'awaited': each append awaited before the next; 'pipelined': up to PIPELINE_WINDOW appends in flight. */
export type AppendStyle = 'awaited' | 'pipelined';

/** Hex SHA-256 of a UTF-8 string. */
export type Sha256Hex = (text: string) => string;

export interface PhaseTiming {
  ms: number;
  ops_per_s: number | null;
}

/** The keys of a result type that hold a PhaseTiming. */
export type PhaseOf<R> = { [K in keyof R]-?: NonNullable<R[K]> extends PhaseTiming ? K : never }[keyof R];

export function domainOp(i: number, sha256Hex: Sha256Hex): InsertOp {
  return {
    op: 'insert',
    address: `note:${i}`,
    position: i,
    content_id: sha256Hex(`note-${i}`),
    content_summary: `C4 vel=80 tick=${i * 120}`,
  };
}

export function actor(i: number): string {
  return `actor-${i % 4}`;
}

/** Time `fn` and store `{ms, ops_per_s}` under `name` (rounded as bench_seed.py does). */
export async function timed<R extends object, T>(result: R, name: PhaseOf<R>, count: number, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  (result as Record<PhaseOf<R>, PhaseTiming>)[name] = { ms: Math.round(ms * 1000) / 1000, ops_per_s: ms > 0 ? Math.round(count / (ms / 1000)) : null };
  return value;
}

/** Makes the workload's entries in order, each one's parent_op_ids = [op_id of the entry made before it]. */
export class EntryChain {
  private prev: string[] = [];

  constructor(private readonly sha256Hex: Sha256Hex) {}

  /** Entry for op i with the given Lamport timestamp, chained to the previous entry. */
  next(i: number, lamportTs: number): OpEntry {
    const e = makeOpEntry(actor(i), 'midi', domainOp(i, this.sha256Hex), lamportTs, { parentOpIds: this.prev });
    this.prev = [e.op_id];
    return e;
  }
}

/**
 * Append ops [start, start + count): `appendOne(i)` starts the append of op i.
 * 'awaited' awaits each before the next; 'pipelined' keeps up to
 * PIPELINE_WINDOW in flight, then waits for the batch. Resolves when all are done.
 */
export async function appendRange(style: AppendStyle, start: number, count: number, appendOne: (i: number) => unknown): Promise<void> {
  let inFlight: unknown[] = [];
  for (let i = start; i < start + count; i++) {
    if (style === 'awaited') {
      await appendOne(i);
    } else {
      inFlight.push(appendOne(i));
      if (inFlight.length >= PIPELINE_WINDOW) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
  }
  await Promise.all(inFlight);
}

/** The phases after read_all, the same on every row that runs OpLog: checkpoint, append_tail, replay, delta. */
export interface TailPhases {
  checkpoint?: PhaseTiming;
  append_tail?: PhaseTiming;
  replay?: PhaseTiming;
  delta?: PhaseTiming;
}

export async function runTailPhases(
  result: TailPhases,
  log: {
    checkpoint(id: string): Promise<unknown>;
    replaySinceCheckpoint(): Promise<readonly unknown[]>;
    toStructuredDelta(domain: string): Promise<{ ops: readonly unknown[] }>;
  },
  cfg: { ops: number; tail: number },
  appendTail: () => Promise<void>,
): Promise<void> {
  await timed(result, 'checkpoint', 1, () => log.checkpoint('snap-1'));
  await timed(result, 'append_tail', cfg.tail, appendTail);
  await timed(result, 'replay', cfg.tail, async () => {
    const r = await log.replaySinceCheckpoint();
    if (r.length !== cfg.tail) throw new Error(`replay: ${r.length} entries`);
  });
  await timed(result, 'delta', cfg.tail, async () => {
    const d = await log.toStructuredDelta('midi');
    if (d.ops.length !== cfg.tail) throw new Error(`delta: ${d.ops.length} ops`);
  });
}
