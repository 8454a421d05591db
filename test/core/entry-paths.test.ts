/**
 * makeOpEntry and encodeEntry take a fast path for most ops (a copy in
 * canonical key order that JSON.stringify writes) and a general one (the
 * RFC 8785 writer). Both must give the same ids and records for any op: this
 * checks them against an independent RFC 8785 writer (`jcs` below).
 */
import { describe, expect, it } from 'vitest';
import { acceptEntry, encodeEntry, makeOpEntry } from '../../src/core/entry.js';
import { sha256Hex } from '../../src/core/hash.js';
import { CanonicalJsonError } from '../../src/core/errors.js';

/** RFC 8785 for JSON data, written plainly: members sorted by UTF-16 code units (the default sort), ES number and string forms. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A small deterministic PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KEYS = ['op', 'a', 'B', 'é', '\ufb33', '\ud83c\udfb9', '10', '2', '__proto__', 'constructor', 'toString', 'z z', '"q"', ''];
const STRINGS = ['', 'x', 'line\nbreak', 'tab\t', '\u0000', '\u2028', 'é', '🎹', '"quoted"', '\\'];
const NUMBERS = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53, -(2 ** 31), 333333333.33333329, 5e-324];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 4 : 7));
  switch (k) {
    case 0:
      return STRINGS[Math.floor(r() * STRINGS.length)];
    case 1:
      return NUMBERS[Math.floor(r() * NUMBERS.length)];
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
    case 5:
      return object(r, depth + 1);
    default:
      return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  }
}

function object(r: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const key = KEYS[Math.floor(r() * KEYS.length)]!;
    Object.defineProperty(out, key, { value: value(r, depth), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The stored record, written from canonicalJson: the reference's field order, canonical domain_op. */
function expectedRecord(e: Record<string, unknown>, op: unknown): string {
  const q = JSON.stringify;
  return (
    `{"op_id":${q(e.op_id)},"actor_id":${q(e.actor_id)},"lamport_ts":${e.lamport_ts},"parent_op_ids":${q(e.parent_op_ids)},` +
    `"domain":${q(e.domain)},"domain_op":${canonicalJson(op)},"created_at":${q(e.created_at)},` +
    `"intent_id":${q(e.intent_id)},"reservation_id":${q(e.reservation_id)}}`
  );
}

describe('entry encoding paths agree with a plain RFC 8785 writer', () => {
  it('for 2,000 random ops: ids, records, received and accepted entries', () => {
    const r = rng(8);
    for (let i = 0; i < 2000; i++) {
      const op = { ...object(r, 0), op: 'set' };
      const parents = Array.from({ length: Math.floor(r() * 3) }, (_, k) => sha256Hex(`p${i}-${k}`));
      const e = makeOpEntry('actor', 'doc', op as never, i + 1, { parentOpIds: parents, intentId: i % 2 ? 'in' : '' });
      const sorted = [...parents].sort();
      const preimage =
        `{"actor_id":"actor","domain":"doc","domain_op":${canonicalJson(op)},"intent_id":${JSON.stringify(e.intent_id)},` +
        `"lamport_ts":${i + 1},"parent_op_ids":${JSON.stringify(sorted)},"reservation_id":""}`;
      expect(e.op_id, JSON.stringify(op)).toBe(sha256Hex(preimage));
      const record = expectedRecord(e as never, op);
      expect(encodeEntry(e).record).toBe(record);
      // The same entry as a peer delivers it: parsed JSON, members in any order.
      const received = JSON.parse(record) as Record<string, unknown>;
      expect(encodeEntry(received).record).toBe(record);
      const accepted = acceptEntry(JSON.parse(record));
      expect(accepted.record).toBe(record);
      expect(encodeEntry(accepted.entry).record).toBe(record);
      expect(accepted.entry).toEqual(received);
    }
  });

  it('refuses lone surrogates and non-finite numbers anywhere', () => {
    expect(() => makeOpEntry('a', 'doc', { op: 'x', v: '\ud800' }, 1)).toThrow(CanonicalJsonError);
    expect(() => makeOpEntry('a', 'doc', { op: 'x', ['\udc00']: 1 }, 1)).toThrow(CanonicalJsonError);
    expect(() => makeOpEntry('\ud800', 'doc', { op: 'x' }, 1)).toThrow(CanonicalJsonError);
    expect(() => makeOpEntry('a', 'doc', { op: 'x' }, 1, { parentOpIds: ['\udfff'] })).toThrow(CanonicalJsonError);
    expect(() => makeOpEntry('a', 'doc', { op: 'x', n: [1, { d: NaN }] } as never, 1)).toThrow(CanonicalJsonError);
  });
});
