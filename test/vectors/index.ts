/**
 * The shared test vectors, loaded the same way in Node and in Chromium, so both
 * runtimes check exactly the same things: RFC 8785 canonical JSON and op ids.
 */
import { expect } from 'vitest';
import { computeOpId, makeOpEntry, opIdPreimage, sha256Hex, type HashedFields } from '../../src/index.js';
import jcsOpIds from './op-ids.jcs.json';
import referenceOpIds from './op-ids.reference.json';

const inputs = import.meta.glob('./jcs/*.input.json', { query: '?raw', import: 'default', eager: true });
const outputs = import.meta.glob('./jcs/*.output.json', { query: '?raw', import: 'default', eager: true });

/** RFC 8785 vectors (cyberphone/json-canonicalization): the input text and the exact canonical output. */
export const jcsCases = Object.keys(inputs)
  .sort()
  .map((path) => ({
    name: path.replace(/^.*\/(.*)\.input\.json$/, '$1'),
    input: inputs[path] as string,
    output: outputs[path.replace('.input.', '.output.')] as string,
  }));

export interface OpIdVector {
  name: string;
  fields: HashedFields;
  canonical: string;
  op_id: string;
}

/** Computed by Muse's Python reference (generate-op-ids.py). */
export const referenceVectors = referenceOpIds.vectors as unknown as OpIdVector[];
/** RFC 8785 rules the reference's hash does not follow (floats, UTF-16 key order), computed here. */
export const jcsOpIdVectors = jcsOpIds.vectors as unknown as OpIdVector[];

/** The preimage, `computeOpId`, `makeOpEntry` and a plain SHA-256 of the canonical bytes all give the vector's id. */
export function expectVectorHolds(v: OpIdVector): void {
  const f = v.fields;
  expect(opIdPreimage(f), v.name).toBe(v.canonical);
  expect(computeOpId(f), v.name).toBe(v.op_id);
  expect(sha256Hex(v.canonical), v.name).toBe(v.op_id);
  const e = makeOpEntry(f.actor_id, f.domain, f.domain_op, f.lamport_ts, {
    parentOpIds: f.parent_op_ids,
    intentId: f.intent_id,
    reservationId: f.reservation_id,
  });
  expect(e.op_id, v.name).toBe(v.op_id);
}
