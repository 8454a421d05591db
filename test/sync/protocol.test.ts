import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/core/entry.js';
import {
  ClosedError,
  CorruptRecordError,
  InvalidEntryError,
  OpIdMismatchError,
  OpLogError,
  SessionLockedError,
  StorageError,
} from '../../src/core/errors.js';
import {
  envelope,
  fromWireError,
  parseTabMessage,
  TAB_PROTOCOL,
  TAB_PROTOCOL_VERSION,
  toWireError,
} from '../../src/sync/tabs/protocol.js';

const S = 'session-1';
const entry = makeOpEntry('a', 'midi', { op: 'insert', address: 'n', position: 0, content_id: 'c', content_summary: 's' }, 1);

describe('tab protocol messages', () => {
  it('accepts every well-formed message of this version and session', () => {
    const messages = [
      envelope(S, 'tab-a', { kind: 'hello' }),
      envelope(S, 'tab-a', { kind: 'leader', highestLamportTs: 7, length: 3 }),
      envelope(S, 'tab-b', { kind: 'request', id: 1, method: 'appendBatch', args: [[entry]] }),
      envelope(S, 'tab-a', { kind: 'response', to: 'tab-b', id: 1, ok: true, result: [] }),
      envelope(S, 'tab-a', { kind: 'response', to: 'tab-b', id: 2, ok: false, error: { name: 'StorageError', message: 'x' } }),
      envelope(S, 'tab-a', { kind: 'ops', entries: [entry], positions: [0] }),
    ];
    for (const m of messages) expect(parseTabMessage(structuredClone(m), S)).toEqual(m);
  });

  it('ignores other versions, other protocols, other sessions and its malformed variants', () => {
    const good = envelope(S, 'tab-a', { kind: 'leader', highestLamportTs: 1, length: 1 });
    const bad: unknown[] = [
      { ...good, v: TAB_PROTOCOL_VERSION + 1 },
      { ...good, v: '1' },
      { ...good, proto: 'something-else' },
      { ...good, session: 'other' },
      { ...good, from: '' },
      { ...good, from: 5 },
      { ...good, kind: 'leaderr' },
      { ...good, highestLamportTs: -1 },
      { ...good, length: 1.5 },
      { ...good, highestLamportTs: Number.NaN },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'request', id: 1, method: 'eval', args: [] },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'request', id: -1, method: 'readAll', args: [] },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'request', id: 1, method: 'readAll', args: {} },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'response', to: 'y', id: 1, ok: true },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'response', to: 'y', id: 1, ok: false, error: 'no' },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'ops', entries: [entry], positions: [] },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'ops', entries: [{ ...entry, extra: 1 }], positions: [0] },
      { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind: 'ops', entries: [{ ...entry, lamport_ts: -2 }], positions: [0] },
      null,
      undefined,
      'hello',
      [good],
    ];
    for (const m of bad) expect(parseTabMessage(m, S)).toBeUndefined();
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (value) => {
        expect(parseTabMessage(value, S)).toBeUndefined();
      }),
    );
    const kinds = fc.constantFrom('hello', 'leader', 'request', 'response', 'ops', 'x');
    fc.assert(
      fc.property(kinds, fc.dictionary(fc.string(), fc.anything()), (kind, rest) => {
        const m = { ...rest, proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: S, from: 'x', kind };
        const parsed = parseTabMessage(m, S);
        if (parsed) expect(parsed.kind).toBe(kind);
      }),
    );
  });
});

describe('errors across tabs', () => {
  it('rebuild the library error with its class, code, message and fields', () => {
    const errors: OpLogError[] = [
      new CorruptRecordError(S, 4, 'bad json'),
      new SessionLockedError(S, 'muse-oplog:opfs::session-1'),
      new OpIdMismatchError('a'.repeat(64), 'b'.repeat(64)),
      new InvalidEntryError('lamport_ts', 'must be a non-negative integer'),
      new ClosedError('op log'),
      new StorageError('quota exceeded'),
    ];
    for (const original of errors) {
      const rebuilt = fromWireError(structuredClone(toWireError(original)));
      expect(rebuilt).toBeInstanceOf(original.constructor);
      expect(rebuilt).toBeInstanceOf(OpLogError);
      expect(rebuilt.name).toBe(original.name);
      expect(rebuilt.code).toBe(original.code);
      expect(rebuilt.message).toBe(original.message);
      for (const key of ['sessionId', 'position', 'line', 'lock', 'claimed', 'computed', 'field'] as const) {
        expect((rebuilt as unknown as Record<string, unknown>)[key]).toEqual((original as unknown as Record<string, unknown>)[key]);
      }
    }
  });

  it('turn any other error into a StorageError that names it', () => {
    const rebuilt = fromWireError(toWireError(new TypeError('boom')));
    expect(rebuilt).toBeInstanceOf(StorageError);
    expect(rebuilt.message).toContain('TypeError: boom');
    expect(fromWireError({ name: 'StorageError', message: 'x', code: 'NOT_A_CODE' })).toBeInstanceOf(StorageError);
    expect(fromWireError(toWireError('thrown string')).message).toContain('thrown string');
  });
});
