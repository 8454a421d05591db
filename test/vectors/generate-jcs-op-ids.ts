/**
 * Regenerate op-ids.jcs.json: vectors that exercise the RFC 8785 rules the Python reference's
 * hash does not follow (floats, key order by UTF-16 code units). Computed by this library;
 * checked by test/core/entry.test.ts so any change to ids fails a test.
 *
 *   npx tsx test/vectors/generate-jcs-op-ids.ts > test/vectors/op-ids.jcs.json
 */
import { computeOpId, opIdPreimage, sha256Hex, type HashedFields } from '../../src/index.js';

const cases: [string, HashedFields][] = [
  ['floats in ECMAScript form', { actor_id: 'a', domain: 'audio', domain_op: { op: 'gain', db: -3.5, ratio: 0.1, big: 1e21, tiny: 1e-7, whole: 2.0 }, intent_id: '', lamport_ts: 1, parent_op_ids: [], reservation_id: '' }],
  ['keys ordered by UTF-16 code units', { actor_id: 'a', domain: 'midi', domain_op: { op: 'tag', '\ufb33': 1, '\ud83d\ude00': 2, é: 3, e: 4 }, intent_id: '', lamport_ts: 2, parent_op_ids: [sha256Hex('p')], reservation_id: '' }],
  ['negative zero and exponents', { actor_id: 'a', domain: 'audio', domain_op: { op: 'pan', x: -0, y: 5e-324, z: 1.7976931348623157e308 }, intent_id: 'i', lamport_ts: 3, parent_op_ids: [], reservation_id: 'r' }],
];
const vectors = cases.map(([name, fields]) => ({ name, fields, canonical: opIdPreimage(fields), op_id: computeOpId(fields) }));
console.log(JSON.stringify({ source: 'muse-oplog (RFC 8785 + SHA-256)', vectors }, null, 2));
