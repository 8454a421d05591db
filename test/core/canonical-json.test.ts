import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalJsonError } from '../../src/index.js';
import { jcsCases } from '../vectors/index.js';

/** An independent, obviously-correct (recursive) JCS for comparison in property tests. */
function naiveJcs(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(naiveJcs).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${naiveJcs(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('canonicalJson: RFC 8785 vectors (cyberphone/json-canonicalization)', () => {
  it('has the vectors', () =>
    expect(jcsCases.map((c) => c.name)).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']));
  for (const c of jcsCases) {
    it(`canonicalises ${c.name}`, () => expect(canonicalJson(JSON.parse(c.input))).toBe(c.output));
  }
});

describe('canonicalJson: rules', () => {
  it('sorts object keys by UTF-16 code units, recursively', () => {
    // Code unit order puts the surrogate pair of U+1F600 (0xD83D…) before U+FB33; code point order would not.
    const value = { '\ufb33': 1, '\ud83d\ude00': 2, b: { z: 1, a: 2 }, a: 3, A: 4, '': 5, aa: 6, '1': 7 };
    expect(canonicalJson(value)).toBe('{"":5,"1":7,"A":4,"a":3,"aa":6,"b":{"a":2,"z":1},"\ud83d\ude00":2,"\ufb33":1}');
  });

  it('keeps array order and writes no whitespace', () => {
    expect(canonicalJson([3, 1, [2, { b: [], a: {} }]])).toBe('[3,1,[2,{"a":{},"b":[]}]]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('serialises numbers as ECMAScript does', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1, '1'],
      [-1.5, '-1.5'],
      [0.1, '0.1'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [123456789012345680000, '123456789012345680000'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [9007199254740993, '9007199254740992'],
      [333333333.3333333, '333333333.3333333'],
    ];
    for (const [n, s] of cases) expect(canonicalJson(n), String(n)).toBe(s);
  });

  it('escapes strings minimally: quote, backslash, and control characters only', () => {
    expect(canonicalJson('"\\/')).toBe('"\\"\\\\/"');
    expect(canonicalJson('\b\f\n\r\t')).toBe('"\\b\\f\\n\\r\\t"');
    expect(canonicalJson('\u0000\u0001\u001f')).toBe('"\\u0000\\u0001\\u001f"');
    expect(canonicalJson('\u007f\u2028\u2029é€😀')).toBe('"\u007f\u2028\u2029é€😀"');
  });

  it('writes literals', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
  });

  it('omits object members whose value is undefined, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('accepts objects without a prototype', () => {
    const o = Object.create(null) as Record<string, number>;
    o.y = 1;
    o.x = 2;
    expect(canonicalJson(o)).toBe('{"x":2,"y":1}');
  });

  const bad: [string, () => unknown, string][] = [
    ['NaN', () => ({ a: [1, NaN] }), '$.a[1]'],
    ['Infinity', () => ({ x: { y: Infinity } }), '$.x.y'],
    ['-Infinity', () => [-Infinity], '$[0]'],
    ['BigInt', () => ({ n: 10n }), '$.n'],
    ['a function', () => ({ f: () => 1 }), '$.f'],
    ['a symbol value', () => ({ s: Symbol('s') }), '$.s'],
    ['a symbol key', () => ({ inner: { [Symbol('k')]: 1 } }), '$.inner'],
    ['a lone high surrogate', () => ({ s: 'a\ud800b' }), '$.s'],
    ['a lone low surrogate', () => ['ok', '\udc00'], '$[1]'],
    ['a lone surrogate in a key', () => ({ 'k\ud800': 1 }), '$["k\\ud800"]'],
    ['undefined in an array', () => [1, undefined], '$[1]'],
    ['undefined at the top', () => undefined, '$'],
    ['a Date', () => ({ when: new Date(0) }), '$.when'],
    ['a Map', () => ({ m: new Map() }), '$.m'],
    ['a class instance', () => ({ c: new (class Note {})() }), '$.c'],
    ['an array hole', () => ({ h: [1, , 3] }), '$.h[1]'], // eslint-disable-line no-sparse-arrays
  ];
  for (const [what, make, path] of bad) {
    it(`throws CanonicalJsonError naming the path for ${what}`, () => {
      const err = (() => {
        try {
          canonicalJson(make());
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(CanonicalJsonError);
      expect((err as CanonicalJsonError).code).toBe('CANONICAL_JSON');
      expect((err as CanonicalJsonError).path).toBe(path);
      expect((err as Error).message).toContain(path);
    });
  }

  it('throws for cycles, naming where the value repeats', () => {
    const o: Record<string, unknown> = { a: { b: [] as unknown[] } };
    ((o.a as Record<string, unknown>).b as unknown[]).push(o);
    expect(() => canonicalJson(o)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(o);
    } catch (e) {
      expect((e as CanonicalJsonError).path).toBe('$.a.b[0]');
      expect((e as Error).message).toMatch(/cycle/);
    }
    const arr: unknown[] = [];
    arr.push([arr]);
    expect(() => canonicalJson(arr)).toThrow(/cycle/);
  });

  it('accepts the same object twice when it is not its own ancestor', () => {
    const shared = { n: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"n":1},"b":[{"n":1},{"n":1}]}');
  });

  it('handles nesting far deeper than the call stack allows', () => {
    const depth = 200_000;
    let arrays: unknown = 0;
    let objects: unknown = 'leaf';
    for (let i = 0; i < depth; i++) {
      arrays = [arrays];
      objects = { k: objects };
    }
    const a = canonicalJson(arrays);
    expect(a.length).toBe(depth * 2 + 1);
    expect(a.startsWith('[[[[') && a.endsWith(']]]]')).toBe(true);
    const o = canonicalJson(objects);
    expect(o.length).toBe(depth * 6 + '"leaf"'.length);
  });

  it('names the path of a bad value deep inside deep nesting', () => {
    let v: unknown = NaN;
    for (let i = 0; i < 100; i++) v = { x: v };
    expect(() => canonicalJson(v)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(v);
    } catch (e) {
      expect((e as CanonicalJsonError).path).toBe(`$${'.x'.repeat(100)}`);
    }
  });
});

describe('canonicalJson: properties', () => {
  const json = fc.jsonValue({ maxDepth: 6 });

  it('parses back to the same value', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('agrees with a naive recursive JCS', () => {
    fc.assert(fc.property(json, (v) => canonicalJson(v) === naiveJcs(v)));
  });

  it('is a fixed point: canonical text re-canonicalises to itself', () => {
    fc.assert(
      fc.property(json, (v) => {
        const c = canonicalJson(v);
        return canonicalJson(JSON.parse(c)) === c;
      }),
    );
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), fc.integer(), (dict, seed) => {
        const entries = Object.entries(dict);
        const shuffled = [...entries].sort((a, b) => ((hash(a[0]) ^ seed) - (hash(b[0]) ^ seed)));
        return canonicalJson(Object.fromEntries(shuffled)) === canonicalJson(dict);
      }),
    );
  });

  it('accepts every well-formed string and rejects every lone surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => JSON.parse(canonicalJson({ s })).s === s),
    );
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string(), (a, code, b) => {
        const s = `${a}${String.fromCharCode(code)}x${b}`.replace(/[\ud800-\udfff]{2}/g, '');
        const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
        let threw = false;
        try {
          canonicalJson(s);
        } catch (e) {
          threw = e instanceof CanonicalJsonError;
        }
        return threw === lone;
      }),
    );
  });
});

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
