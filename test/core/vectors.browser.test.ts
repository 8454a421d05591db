// The same vectors as the Node suite, in Chromium: ids are identical across runtimes.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/index.js';
import { expectVectorHolds, jcsCases, jcsOpIdVectors, referenceVectors } from '../vectors/index.js';

describe('in Chromium', () => {
  it('passes the RFC 8785 vectors', () => {
    expect(jcsCases).toHaveLength(6);
    for (const c of jcsCases) expect(canonicalJson(JSON.parse(c.input)), c.name).toBe(c.output);
  });

  it('computes the reference op ids', () => {
    expect(referenceVectors.length).toBeGreaterThan(5);
    for (const v of [...referenceVectors, ...jcsOpIdVectors]) expectVectorHolds(v);
  });

  it('canonicalises deep nesting without overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(canonicalJson(v).length).toBe(200_001);
  });
});
