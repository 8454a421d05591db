/** The runtime-neutral JSON-lines helpers (src/storage/jsonl) that the Node fs and OPFS adapters share. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyTail,
  countLines,
  decodeIndexEntry,
  decodeIndexHeader,
  encodeIndexEntries,
  encodeIndexHeader,
  encodeRecords,
  fingerprintMatches,
  INDEX_ENTRY_BYTES,
  indexEntryCount,
  lastLineEnd,
  LineSplitter,
} from '../../../src/storage/jsonl/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('jsonl helpers', () => {
  it('splits lines across arbitrary chunk boundaries, multi-byte characters included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/[\n\r]/g, '')), { maxLength: 20 }), fc.array(fc.nat(50), { maxLength: 10 }), (lines, cuts) => {
        const all = bytes(lines.map((l) => `${l}\n`).join(''));
        const splitter = new LineSplitter();
        const out: string[] = [];
        let at = 0;
        for (const cut of cuts) {
          const end = Math.min(all.length, at + cut);
          out.push(...splitter.push(all.subarray(at, end)));
          at = end;
        }
        out.push(...splitter.push(all.subarray(at)));
        expect(out).toEqual(lines);
        expect(splitter.pending).toBe(0);
      }),
    );
  });

  it('copies what it keeps, so the caller may reuse its read buffer', () => {
    const splitter = new LineSplitter();
    const buffer = Buffer.from('{"a":1}\n{"b":');
    expect(splitter.push(buffer)).toEqual(['{"a":1}']);
    buffer.fill(0x78); // the next read overwrites the buffer
    expect(splitter.push(Buffer.from('2}\n'))).toEqual(['{"b":2}']);
  });

  it('encodes records as lines and reports where every stride-th one starts', () => {
    const { bytes: out, starts } = encodeRecords(['{"a":"é"}', '{}', '{"b":1}', '{"c":"🎹"}'], 6, 4);
    expect(new TextDecoder().decode(out)).toBe('{"a":"é"}\n{}\n{"b":1}\n{"c":"🎹"}\n');
    expect(starts).toEqual([[8, 14]]);
  });

  it('counts complete lines and finds line ends', () => {
    const b = bytes('a\nbb\nccc\ndd');
    const seen: Array<[number, number]> = [];
    expect(countLines(b, 0, b.length, 10, 2, (line, offset) => seen.push([line, offset]))).toEqual({ lines: 3, end: 9 });
    expect(seen).toEqual([[10, 0], [12, 5]]);
    expect(lastLineEnd(b)).toBe(9);
    expect(lastLineEnd(bytes('no newline'))).toBe(-1);
    expect(lastLineEnd(new Uint8Array(0))).toBe(-1);
  });

  it('tells a torn tail from a whole record that lost its newline', () => {
    expect(classifyTail(bytes('{"op_id":"ab'))).toBe('torn');
    expect(classifyTail(bytes('{"a":1}'))).toBe('complete');
    expect(classifyTail(bytes('[1,2]'))).toBe('torn');
    expect(classifyTail(bytes('123'))).toBe('torn');
    expect(classifyTail(new Uint8Array([0x7b, 0x22, 0xc3]))).toBe('torn');
    expect(classifyTail(new Uint8Array(0))).toBe('torn');
  });

  it('round-trips the sparse index header and entries, offsets past 4 GiB included', () => {
    const first = bytes(`{"op_id":"${'a'.repeat(64)}"}`);
    const header = encodeIndexHeader(64, first);
    expect(header.length).toBe(80);
    const decoded = decodeIndexHeader(header)!;
    expect(decoded.stride).toBe(64);
    expect(decoded.fingerprint).toEqual(first.subarray(0, 64));
    expect(fingerprintMatches(decoded, first)).toBe(true);
    expect(fingerprintMatches(decoded, bytes(`{"op_id":"${'b'.repeat(64)}"}`))).toBe(false);
    expect(decodeIndexHeader(new Uint8Array(80))).toBeUndefined();
    const offsets = [0, 1, 2 ** 32 + 5, 2 ** 53 - 1];
    const entries = encodeIndexEntries(offsets, 5);
    expect(offsets.map((_, k) => decodeIndexEntry(entries, k * INDEX_ENTRY_BYTES, 5 + k))).toEqual(offsets);
    // Check digits: a zeroed entry, a rewritten offset or an entry read as another's is refused.
    const zeroed = entries.slice();
    zeroed.fill(0, 0, INDEX_ENTRY_BYTES);
    expect(decodeIndexEntry(zeroed, 0, 5)).toBe(-1);
    const moved = entries.slice();
    moved[0] = moved[0]! ^ 0x10;
    expect(decodeIndexEntry(moved, 0, 5)).toBe(-1);
    expect(decodeIndexEntry(entries, 0, 6)).toBe(-1);
    expect(indexEntryCount(80 + INDEX_ENTRY_BYTES * 3 + 5)).toBe(3);
    expect(indexEntryCount(10)).toBe(0);
  });
});
