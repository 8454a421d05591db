/**
 * The heads of a log: the stored ops that no stored op names as a parent.
 *
 * Kept up to date op by op as ops are stored, in whatever order they are
 * stored (a child may be stored before its parent, and a parent may name an
 * op the log does not hold), so `heads()` does not scan the log: the log builds
 * it once, on the first call, from each record's id and parents.
 */
import { compareCodePoints } from './compare.js';
import { decodeRecord, isOpId } from './entry.js';
import type { OpIdIndex } from './op-id-index.js';

export class HeadSet {
  private readonly heads = new Set<string>();
  /** Ids that stored ops name as parents but that are not stored (yet). */
  private readonly namedNotStored = new Set<string>();
  private sorted: readonly string[] | undefined;

  /**
   * Account for the op stored at `position`. Ops must be added in record
   * order, each once; `index` maps op ids to record positions and may hold
   * ops stored later (only those before `position` count as stored).
   */
  add(opId: string, parents: readonly string[], position: number, index: OpIdIndex): void {
    // Named as a parent by an op stored earlier: not a head.
    if (!this.namedNotStored.delete(opId)) this.heads.add(opId);
    for (const parent of parents) {
      if (this.heads.delete(parent)) continue;
      const at = isOpId(parent) ? index.get(parent) : undefined;
      if (at === undefined || at >= position) this.namedNotStored.add(parent);
    }
    this.sorted = undefined;
  }

  /** The heads, sorted by code point (a new array each call). */
  list(): string[] {
    this.sorted ??= [...this.heads].sort(compareCodePoints);
    return [...this.sorted];
  }
}

const PARENTS_KEY = '"parent_op_ids":[';
const NO_PARENTS: readonly string[] = Object.freeze([]);

/**
 * The parent ids of a stored record without parsing all of it when the record
 * is written the way this library writes it (compact, op ids as parents);
 * otherwise (the reference's spaced JSON, say) by decoding it. Throws as
 * `decodeRecord` does.
 */
export function recordParentIds(record: string): readonly string[] {
  const at = record.indexOf(PARENTS_KEY);
  // A top-level key only: no object opens before it. (Inside a JSON string a `"` is always escaped, so the key's
  // text cannot occur in one.)
  if (at > 0 && record.charCodeAt(0) === 123 /* { */ && record.lastIndexOf('{', at) === 0) {
    let i = at + PARENTS_KEY.length;
    if (record.charCodeAt(i) === 93 /* ] */) return NO_PARENTS;
    const ids: string[] = [];
    while (record.charCodeAt(i) === 34 /* " */ && record.charCodeAt(i + 65) === 34) {
      const id = record.slice(i + 1, i + 65);
      if (!isOpId(id)) break;
      ids.push(id);
      const next = record.charCodeAt(i + 66);
      if (next === 93 /* ] */) return ids;
      if (next !== 44 /* , */) break;
      i += 67;
    }
  }
  return decodeRecord(record).parent_op_ids;
}
