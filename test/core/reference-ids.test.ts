import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/index.js';
import { referenceSkipReason, referenceTitle, runReference } from '../helpers/reference.js';

// The reference hashes compact, key-sorted JSON: equal to RFC 8785 for string and integer values.
const value = fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer(), fc.boolean(), fc.constant(null));
const domainOp = fc
  .record({ op: fc.string({ unit: 'grapheme', maxLength: 12 }) })
  .chain((head) =>
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(value, fc.array(value, { maxLength: 3 })), { maxKeys: 5 }).map((rest) => ({ ...rest, ...head })),
  );
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
const input = fc.record({
  actor: fc.string({ unit: 'grapheme', maxLength: 10 }),
  domain: fc.string({ maxLength: 6 }),
  op: domainOp,
  ts: fc.nat(),
  parents: fc.array(fc.oneof(hex, fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 4 }),
  intent: fc.string({ maxLength: 4 }),
  reservation: fc.string({ maxLength: 4 }),
});

describe.skipIf(referenceSkipReason)(referenceTitle('op ids agree with the running Python reference'), () => {
  it('for 300 random entries', () => {
    const cases = fc.sample(input, { numRuns: 300, seed: 20261125 });
    // Parents whose code point order differs from their UTF-16 order: the reference sorts by code point.
    cases.push({ actor: 'a', domain: 'midi', op: { op: 'x' }, ts: 1, parents: ['\ud83c\udfb9', '\ufb33', 'z'], intent: '', reservation: '' });
    const out = runReference(
      `cases = json.loads(sys.stdin.read())
print(json.dumps([m.make_op_entry(c["actor"], c["domain"], c["op"], c["ts"], parent_op_ids=c["parents"], intent_id=c["intent"], reservation_id=c["reservation"])["op_id"] for c in cases]))`,
      JSON.stringify(cases),
    );
    const theirs = JSON.parse(out) as string[];
    const ours = cases.map(
      (c) =>
        makeOpEntry(c.actor, c.domain, c.op, c.ts, { parentOpIds: c.parents, intentId: c.intent, reservationId: c.reservation })
          .op_id,
    );
    expect(ours).toEqual(theirs);
  });
});
