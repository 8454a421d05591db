/** The one wire-error format (tabs, the OPFS worker, the network). */
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, SessionLockedError, StorageError } from '../../src/core/errors.js';
import { fromWireError, isWireError, toWireError } from '../../src/core/wire-error.js';

describe('wire errors', () => {
  it('survive JSON (the network) and structured clone (tabs, workers) with class, code, message and fields', () => {
    const original = new CorruptRecordError('s', 4, 'bad json', { cause: new Error('inner') });
    for (const wire of [JSON.parse(JSON.stringify(toWireError(original))), structuredClone(toWireError(original))]) {
      expect(isWireError(wire)).toBe(true);
      const rebuilt = fromWireError(wire, 'server failed');
      expect(rebuilt).toBeInstanceOf(CorruptRecordError);
      expect(rebuilt).toMatchObject({ code: 'CORRUPT_RECORD', message: original.message, position: 4, line: 5, sessionId: 's', cause: 'Error' });
    }
  });

  it('carry the name of the underlying failure and name the side that failed', () => {
    const quota = Object.assign(new Error('over quota'), { name: 'QuotaExceededError' });
    const wire = toWireError(new StorageError('short write', { cause: quota }));
    expect(wire).toEqual({ name: 'StorageError', message: 'short write', code: 'STORAGE', fields: {}, cause: 'QuotaExceededError' });
    const dom = toWireError(Object.assign(new Error('a file is in the way'), { name: 'TypeMismatchError' }));
    const rebuilt = fromWireError(dom, 'OPFS probe failed');
    expect(rebuilt).toBeInstanceOf(StorageError);
    expect(rebuilt.message).toBe('OPFS probe failed: TypeMismatchError: a file is in the way');
    expect(fromWireError(toWireError(new SessionLockedError('s', 'lock'))).message).toContain('lock: lock');
  });

  it('refuse what is not one', () => {
    for (const bad of [null, 'x', { name: 1, message: '' }, { name: 'E', message: 'm', cause: 3 }, { name: 'E', message: 'm', fields: { a: {} } }]) {
      expect(isWireError(bad)).toBe(false);
    }
  });
});
