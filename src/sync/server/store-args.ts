/** Argument checks shared by the ServerStore implementations. */

export function checkReadArgs(after: number, limit: number): void {
  if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`read: after must be a non-negative integer (got ${after})`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`read: limit must be a positive integer (got ${limit})`);
}
