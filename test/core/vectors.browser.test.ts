// The same vectors as the Node suite, in Chromium: ids are identical across runtimes.
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeOpId, makeOpEntry, opIdPreimage, type HashedFields } from '../../src/index.js';
import jcsVectors from '../vectors/op-ids.jcs.json';
import reference from '../vectors/op-ids.reference.json';

const inputs = import.meta.glob('../vectors/jcs/*.input.json', { query: '?raw', import: 'default', eager: true });
const outputs = import.meta.glob('../vectors/jcs/*.output.json', { query: '?raw', import: 'default', eager: true });

describe('in Chromium', () => {
  it('passes the RFC 8785 vectors', () => {
    const names = Object.keys(inputs);
    expect(names).toHaveLength(6);
    for (const path of names) {
      const out = outputs[path.replace('.input.', '.output.')];
      expect(canonicalJson(JSON.parse(inputs[path] as string)), path).toBe(out);
    }
  });

  it('computes the reference op ids', () => {
    expect(reference.vectors.length).toBeGreaterThan(5);
    for (const v of [...reference.vectors, ...jcsVectors.vectors]) {
      const f = v.fields as unknown as HashedFields;
      expect(opIdPreimage(f), v.name).toBe(v.canonical);
      expect(computeOpId(f), v.name).toBe(v.op_id);
      const e = makeOpEntry(f.actor_id, f.domain, f.domain_op, f.lamport_ts, {
        parentOpIds: f.parent_op_ids,
        intentId: f.intent_id,
        reservationId: f.reservation_id,
      });
      expect(e.op_id).toBe(v.op_id);
    }
  });

  it('canonicalises deep nesting without overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(canonicalJson(v).length).toBe(200_001);
  });
});
