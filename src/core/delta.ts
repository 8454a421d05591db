import { compareCodePoints } from './compare.js';
import type { DomainOp, Frozen, OpEntry, OpShape, StructuredDelta } from './types.js';

/**
 * The delta order: `(lamport_ts, actor_id, op_id)`, strings by code point.
 * A total order on content, so every replica holding the same ops builds the
 * same delta whatever order the ops arrived in.
 */
export function compareDeltaOrder(a: OpEntry<OpShape>, b: OpEntry<OpShape>): number {
  return (
    a.lamport_ts - b.lamport_ts ||
    compareCodePoints(a.actor_id, b.actor_id) ||
    compareCodePoints(a.op_id, b.op_id)
  );
}

/** Collapse entries into the `domain` slice, ordered, with the reference's count summary ("2 delete, 3 insert"). */
export function buildStructuredDelta<Op extends OpShape = DomainOp>(
  entries: readonly OpEntry<Op>[],
  domain: string,
): StructuredDelta<Op> {
  const ops: Frozen<Op>[] = entries
    .filter((e) => e.domain === domain)
    .sort(compareDeltaOrder)
    .map((e) => e.domain_op);
  const counts = new Map<string, number>();
  for (const op of ops as readonly OpShape[]) counts.set(op.op, (counts.get(op.op) ?? 0) + 1);
  const summary =
    [...counts.keys()]
      .sort(compareCodePoints)
      .map((kind) => `${counts.get(kind)} ${kind}`)
      .join(', ') || 'no ops';
  return { domain, ops, summary };
}
