import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const errorClasses = Object.entries(api).filter(
  ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
) as [string, new (...args: unknown[]) => Error][];

describe('exported error classes', () => {
  it('are found', () => {
    expect(errorClasses.map(([name]) => name)).toEqual(
      expect.arrayContaining(['OpLogError', 'InvalidEntryError', 'SessionLockedError', 'StorageError', 'SyncError']),
    );
  });

  it.each(errorClasses)('%s names itself with a string literal, so a minifier cannot rename it', (exported, cls) => {
    const error = new cls('OP_ID_MISMATCH', 'message', 'x');
    expect(error.name).toBe(exported);
    expect(String(error).startsWith(`${exported}: `)).toBe(true);
    // The literal is in the class's own source, not derived from the (minifiable) class name.
    expect(cls.toString()).toMatch(new RegExp(`['"]${exported}['"]`));
  });
});
