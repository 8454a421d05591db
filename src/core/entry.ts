/**
 * Op entries: building them, hashing them and checking what arrives.
 */
import { canonicalCopy, canonicalize, isWellFormed } from './canonical-json.js';
import { compareCodePoints } from './compare.js';
import { CanonicalJsonError, InvalidEntryError, OpIdMismatchError } from './errors.js';
import { sha256Hex } from './hash.js';
import type { DomainOp, Frozen, JsonCompatible, OpEntry, OpShape } from './types.js';

/** The fields of an entry that its `op_id` covers (`created_at` is informational and not hashed). */
export type HashedFields<Op extends OpShape = DomainOp> = Pick<
  OpEntry<Op>,
  'actor_id' | 'domain' | 'domain_op' | 'intent_id' | 'lamport_ts' | 'parent_op_ids' | 'reservation_id'
>;

export interface MakeOpEntryOptions {
  parentOpIds?: readonly string[];
  intentId?: string;
  reservationId?: string;
}

const ENTRY_FIELDS = [
  'op_id',
  'actor_id',
  'lamport_ts',
  'parent_op_ids',
  'domain',
  'domain_op',
  'created_at',
  'intent_id',
  'reservation_id',
] as const;
const ENTRY_FIELD_SET: ReadonlySet<string> = new Set(ENTRY_FIELDS);

/**
 * The highest `lamport_ts` accepted (2^53 - 2^32): far above any real clock,
 * and low enough that after one hostile op at the ceiling every replica can
 * still stamp 2^32 local ops with exact integers.
 */
export const MAX_LAMPORT_TS = 2 ** 53 - 2 ** 32;

/** 64 lowercase hex digits. A char loop: this runs for every id on the append path. */
export function isOpId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

let lastMs = NaN;
let lastIso = '';
/** `new Date().toISOString()`, reusing the string within one millisecond. */
function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * The bytes that are hashed: RFC 8785 canonical JSON of exactly the hashed
 * fields, with `parent_op_ids` sorted by code point (as the reference's
 * Python `sorted` does). Built by concatenation (the keys are already in
 * canonical order); the tests check it equals `canonicalJson`.
 */
export function opIdPreimage<Op extends OpShape>(fields: HashedFields<Op>): string {
  return preimage(fields, canonicalize(fields.domain_op, '$.domain_op'));
}

function preimage(fields: HashedFields<OpShape>, domainOpJson: string): string {
  const parents = sortedParents(fields.parent_op_ids);
  return (
    `{"actor_id":${str(fields.actor_id, 'actor_id')},"domain":${str(fields.domain, 'domain')},` +
    `"domain_op":${domainOpJson},"intent_id":${str(fields.intent_id, 'intent_id')},` +
    `"lamport_ts":${fields.lamport_ts},"parent_op_ids":[${quoteAll(parents)}],` +
    `"reservation_id":${str(fields.reservation_id, 'reservation_id')}}`
  );
}

/** Lowercase hex SHA-256 of the canonical JSON of the hashed fields. Validates the fields first. */
export function computeOpId<Op extends OpShape>(entry: HashedFields<Op>): string {
  assertHashedFields(entry);
  return sha256Hex(opIdPreimage(entry));
}

/**
 * Marks entries whose content cannot change and whose id is known to be right:
 * those `makeOpEntry` built and those `acceptEntry` sealed, so appending one
 * needs neither a second canonicalisation nor a second hash. Its value is the
 * canonical `domain_op` JSON, from which the record is written. A
 * non-enumerable symbol member, not a WeakMap (whose entries cost every
 * garbage collection): JSON, structured clone and equality checks do not see it.
 */
const SEALED: unique symbol = Symbol('muse-oplog sealed entry');
type Sealed = { readonly [SEALED]?: string };

/**
 * A new entry with its content-addressed id. The entry is immutable (deep-
 * frozen): its `domain_op` is a frozen copy of `domainOp`, so later changes
 * to `domainOp` cannot make the id lie.
 *
 * `Op` is the app's own op type (any object type with a string `op`, an
 * interface included): `makeOpEntry<NoteOp>(…)`, or inferred from the op or
 * from where the entry goes (`log.append(makeOpEntry(…))` on an `OpLog<NoteOp>`).
 * A member that is not JSON data (a function, a `Date`) fails to type-check.
 */
export function makeOpEntry<Op extends OpShape>(
  actorId: string,
  domain: string,
  domainOp: Op & NoInfer<JsonCompatible<Op>>,
  lamportTs: number,
  options: MakeOpEntryOptions = {},
): OpEntry<Op> {
  const parents = options.parentOpIds ? options.parentOpIds.slice() : [];
  const fields: HashedFields<OpShape> = {
    actor_id: actorId,
    domain,
    domain_op: domainOp as OpShape,
    intent_id: options.intentId ?? '',
    lamport_ts: lamportTs,
    parent_op_ids: parents,
    reservation_id: options.reservationId ?? '',
  };
  assertHashedFields(fields);
  const { op, opJson } = canonicalOp(domainOp);
  const opId = sha256Hex(preimage(fields, opJson));
  return sealedEntry<Op>(opId, nowIso(), fields, Object.freeze(parents), op, opJson);
}

/**
 * A deep-frozen copy of a domain op and its canonical JSON. The common case
 * in one native call: a copy in canonical key order, which `JSON.stringify`
 * writes canonically. Otherwise (keys it would reorder, or input that
 * `canonicalize` must name the fault of) the RFC 8785 writer, and a copy
 * parsed back from its output.
 */
function canonicalOp<Op>(domainOp: Op): { op: Frozen<Op>; opJson: string } {
  const ordered = canonicalCopy(domainOp) as Frozen<Op> | undefined;
  if (ordered !== undefined) return { op: ordered, opJson: JSON.stringify(ordered) };
  const opJson = canonicalize(domainOp, '$.domain_op');
  return { op: deepFreeze(JSON.parse(opJson) as Frozen<Op>), opJson };
}

function sortedParents(parents: readonly string[]): readonly string[] {
  return parents.length < 2 ? parents : [...parents].sort(compareCodePoints);
}

/** Freeze a parsed JSON value and everything in it (iteratively: any depth). */
function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'object' && v !== null) {
      Object.freeze(v);
      for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return value;
}

/**
 * Check the shape of something claimed to be an entry (read from storage or
 * received from a peer). Does not hash; see `verifyOpEntry`.
 */
export function assertOpEntry(value: unknown): asserts value is OpEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEntryError('entry', 'must be a JSON object');
  }
  const e = value as Record<string, unknown>;
  for (const field of ENTRY_FIELDS) {
    if (!(field in e) || e[field] === undefined) throw new InvalidEntryError(field, 'is missing');
  }
  for (const key of Object.keys(e)) {
    if (!ENTRY_FIELD_SET.has(key)) throw new InvalidEntryError(key, 'is not an op entry field');
  }
  if (!isOpId(e.op_id)) throw new InvalidEntryError('op_id', 'must be 64 lowercase hex digits');
  if (typeof e.created_at !== 'string') throw new InvalidEntryError('created_at', 'must be a string');
  assertHashedFields(e as unknown as HashedFields);
  assertBelowCeiling(e.lamport_ts as number);
}

/** Entries entering a log (appended, read, imported, received) stay below MAX_LAMPORT_TS; ids can still be computed above it. */
function assertBelowCeiling(ts: number): void {
  if (ts > MAX_LAMPORT_TS) {
    throw new InvalidEntryError('lamport_ts', `is above the ceiling 2^53 - 2^32 = ${MAX_LAMPORT_TS} (got ${ts})`);
  }
}

const STRING_FIELDS = ['actor_id', 'domain', 'intent_id', 'reservation_id'] as const;

function assertHashedFields(e: HashedFields<OpShape>): void {
  for (let i = 0; i < STRING_FIELDS.length; i++) {
    const field = STRING_FIELDS[i]!;
    if (typeof e[field] !== 'string') throw new InvalidEntryError(field, 'must be a string');
  }
  const ts = e.lamport_ts as unknown;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw new InvalidEntryError('lamport_ts', `must be a non-negative integer (got ${String(ts)})`);
  }
  const parents = e.parent_op_ids as unknown;
  // Op ids in practice; any string is accepted, as the reference does (a parent the log lacks is a dangling
  // link, which `muse-oplog verify` reports).
  if (!Array.isArray(parents)) throw new InvalidEntryError('parent_op_ids', 'must be an array of op ids');
  for (let i = 0; i < parents.length; i++) {
    if (typeof parents[i] !== 'string') throw new InvalidEntryError(`parent_op_ids[${i}]`, 'must be a string');
  }
  const op = e.domain_op as unknown;
  if (typeof op !== 'object' || op === null || Array.isArray(op)) {
    throw new InvalidEntryError('domain_op', 'must be a JSON object');
  }
  if (typeof (op as { op?: unknown }).op !== 'string') {
    throw new InvalidEntryError('domain_op.op', 'must be a string');
  }
}

/** Throw `OpIdMismatchError` unless `op_id` is the hash of the entry's content. */
export function verifyOpEntry<Op extends OpShape>(entry: OpEntry<Op>): void {
  const computed = sha256Hex(opIdPreimage(entry));
  if (computed !== entry.op_id) throw new OpIdMismatchError(entry.op_id, computed);
}

/**
 * Validate, verify and serialise an entry for storage in one pass: the
 * canonical domain op is computed once and used for both the hash and the
 * record. The record keeps the reference's field order, `op_id` first.
 */
export function encodeEntry(value: unknown): { entry: OpEntry<OpShape>; record: string } {
  return encode(value, false);
}

/**
 * `encodeEntry` for an entry that arrived from elsewhere (a request body, a
 * peer): once validated and verified, the entry returned is a deep-frozen copy
 * marked as `makeOpEntry`'s entries are, so storing it later (`OpLog.append`)
 * costs no second canonicalisation or hash. (`value` itself is left as it was.)
 */
export function acceptEntry(value: unknown): { entry: OpEntry<OpShape>; record: string } {
  return encode(value, true);
}

function encode(value: unknown, seal: boolean): { entry: OpEntry<OpShape>; record: string } {
  const sealed = typeof value === 'object' && value !== null ? (value as Sealed)[SEALED] : undefined;
  if (sealed !== undefined) {
    const entry = value as OpEntry<OpShape>;
    assertBelowCeiling(entry.lamport_ts);
    return { entry, record: encodeRecord(entry, sealed) };
  }
  assertOpEntry(value);
  const entry: OpEntry<OpShape> = value;
  // Only a sealed entry keeps a copy of its op; otherwise the canonical JSON alone.
  const { op, opJson } = seal ? canonicalOp(entry.domain_op) : { op: undefined, opJson: canonicalize(entry.domain_op, '$.domain_op') };
  const computed = sha256Hex(preimage(entry, opJson));
  if (computed !== entry.op_id) throw new OpIdMismatchError(entry.op_id, computed);
  const record = encodeRecord(entry, opJson);
  if (!seal) return { entry, record };
  return { entry: sealedEntry(entry.op_id, entry.created_at, entry, Object.freeze([...entry.parent_op_ids]), op, opJson), record };
}

/** A frozen, sealed entry in the reference's field order (`op_id` first). */
function sealedEntry<Op extends OpShape>(
  opId: string,
  createdAt: string,
  fields: HashedFields<OpShape>,
  parents: readonly string[],
  op: unknown,
  opJson: string,
): OpEntry<Op> {
  const entry = {
    op_id: opId,
    actor_id: fields.actor_id,
    lamport_ts: fields.lamport_ts,
    parent_op_ids: parents,
    domain: fields.domain,
    domain_op: op,
    created_at: createdAt,
    intent_id: fields.intent_id,
    reservation_id: fields.reservation_id,
  };
  Object.defineProperty(entry, SEALED, { value: opJson });
  return Object.freeze(entry) as OpEntry<Op>;
}

/** The stored line: the reference's field order, `op_id` first, canonical `domain_op`. */
function encodeRecord(entry: OpEntry<OpShape>, opJson: string): string {
  return (
    `{"op_id":"${entry.op_id}","actor_id":${str(entry.actor_id, 'actor_id')},"lamport_ts":${entry.lamport_ts},` +
    `"parent_op_ids":[${quoteAll(entry.parent_op_ids)}],"domain":${str(entry.domain, 'domain')},` +
    `"domain_op":${opJson},"created_at":${str(entry.created_at, 'created_at')},` +
    `"intent_id":${str(entry.intent_id, 'intent_id')},"reservation_id":${str(entry.reservation_id, 'reservation_id')}}`
  );
}

/** Parse and shape-check one stored record. Throws `InvalidEntryError` or `SyntaxError`. */
export function decodeRecord(record: string): OpEntry {
  const value: unknown = JSON.parse(record);
  assertOpEntry(value);
  return value;
}

/**
 * The op id of a stored record without parsing all of it when the record
 * starts the way this library and the reference write it.
 */
export function recordOpId(record: string): string {
  if (record.startsWith('{"op_id":"') && record.charCodeAt(74) === 34 /* " */) {
    const id = record.slice(10, 74);
    if (isOpId(id)) return id;
  }
  return decodeRecord(record).op_id;
}

/**
 * The `lamport_ts` of a stored record, without parsing all of it when the
 * record is laid out as this library writes it (`op_id`, `actor_id`, then
 * `lamport_ts`: a string value cannot contain `,"`, so the first
 * `,"lamport_ts":` is the field).
 */
export function recordLamportTs(record: string): number {
  if (record.startsWith('{"op_id":"') && record.startsWith('","actor_id":"', 74)) {
    const at = record.indexOf(',"lamport_ts":', 88);
    if (at > 0) {
      let n = 0;
      let i = at + 14;
      for (; i < record.length; i++) {
        const c = record.charCodeAt(i);
        if (c < 48 || c > 57) break;
        n = n * 10 + (c - 48);
      }
      if (i > at + 14 && record.charCodeAt(i) === 44 /* , */ && n <= MAX_LAMPORT_TS) return n;
    }
  }
  return decodeRecord(record).lamport_ts;
}

function quoteAll(ids: readonly string[]): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    out += (i > 0 ? ',' : '') + (isOpId(id) ? `"${id}"` : str(id, `parent_op_ids[${i}]`));
  }
  return out;
}

/**
 * A JSON string literal, refusing lone surrogates (they cannot be written as
 * UTF-8). Printable ASCII with no `"` or `\\` (actor ids, domains, timestamps)
 * needs no escaping and is quoted directly.
 */
function str(s: string, field: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return escaped(s, field);
  }
  return `"${s}"`;
}

function escaped(s: string, field: string): string {
  if (!isWellFormed(s)) {
    throw new CanonicalJsonError(`$.${field}`, 'string contains a lone surrogate (not valid Unicode)');
  }
  return JSON.stringify(s);
}
