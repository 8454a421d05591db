/** Argument checks every backend's `SessionStorage` applies (not public API). */

const DOC_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Reject document names outside the contract. */
export function assertDocName(name: string): void {
  if (!DOC_NAME.test(name)) throw new TypeError(`invalid document name ${JSON.stringify(name)}`);
}

/** Check a read range against the current length. */
export function clampRange(length: number, from: number, to: number | undefined): [number, number] {
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`read: invalid from ${from}`);
  const end = to === undefined ? length : to;
  if (!Number.isSafeInteger(end) || end < from) throw new RangeError(`read: invalid to ${to}`);
  return [from, Math.min(end, length)];
}
