/**
 * Wire types. Field names are the Muse reference's (snake_case JSON), so logs
 * and checkpoints move between this library and Muse's Python tools unchanged.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Muse's typed domain ops. The log itself is domain-neutral: see `DomainOp`. */
export interface InsertOp {
  op: 'insert';
  address: string;
  position: number | null;
  content_id: string;
  content_summary: string;
}
export interface DeleteOp {
  op: 'delete';
  address: string;
  position: number | null;
  content_id: string;
  content_summary: string;
}
export interface MoveOp {
  op: 'move';
  address: string;
  from_position: number;
  to_position: number;
  content_id: string;
}
export interface ReplaceOp {
  op: 'replace';
  address: string;
  position: number | null;
  old_content_id: string;
  new_content_id: string;
  old_summary: string;
  new_summary: string;
}
export interface FieldMutation {
  old: string;
  new: string;
}
export interface MutateOp {
  op: 'mutate';
  address: string;
  entity_id: string;
  old_content_id: string;
  new_content_id: string;
  fields: { [field: string]: FieldMutation };
  old_summary: string;
  new_summary: string;
  position: number | null;
}
export interface PatchOp {
  op: 'patch';
  address: string;
  child_ops: DomainOp[];
  child_domain: string;
  child_summary: string;
}
export type MuseDomainOp = InsertOp | DeleteOp | MoveOp | ReplaceOp | MutateOp | PatchOp;

/** Any JSON object with a string `op` is a valid domain op. */
export interface GenericDomainOp {
  op: string;
  [key: string]: JsonValue | undefined;
}
/** The domain op type used when an app names none: Muse's ops or any JSON object with a string `op`. */
export type DomainOp = MuseDomainOp | GenericDomainOp;

/**
 * What the log's types ask of an app's own op type: an object with a string
 * `op`. An `interface` fits as well as a type alias (no index signature is
 * needed). `makeOpEntry` also checks, in the types, that the op is JSON data.
 * At run time the log checks only this shape: the type parameter of
 * `OpLog<Op>` is the app's statement of what its session holds.
 */
export interface OpShape {
  op: string;
}

/**
 * `T`, read-only all the way down: what entries made by `makeOpEntry` are at
 * run time. (Primitives stay as they are; arrays become read-only arrays.)
 */
export type Frozen<T> = T extends readonly unknown[] ? FrozenArray<T[number]> : { readonly [K in keyof T]: Frozen<T[K]> };
/** A read-only array of frozen items (an interface, so recursive JSON types stay lazy). */
export interface FrozenArray<T> extends ReadonlyArray<Frozen<T>> {}

/**
 * `T` where every value in it is JSON data; a member that is not (a function,
 * a `Date`, a `Map`, a symbol, a bigint) becomes `never`, so passing it fails
 * to type-check. `undefined` members are allowed: they are left out, as in
 * JSON. Checked 10 levels deep (recursive op types stay cheap to check); the
 * run-time check (`CanonicalJsonError`) covers any depth.
 */
export type JsonCompatible<T, Depth extends unknown[] = []> = Depth['length'] extends 10
  ? T
  : T extends JsonPrimitive | undefined
    ? T
    : T extends (...args: never[]) => unknown
      ? never
      : T extends readonly (infer Item)[]
        ? readonly JsonCompatible<Item, [...Depth, unknown]>[]
        : T extends object
          ? { [K in keyof T]: K extends string ? JsonCompatible<T[K], [...Depth, unknown]> : never }
          : never;

/**
 * One op in the log. `op_id` is the SHA-256 of the canonical JSON of the
 * hashed fields. Read-only (deeply): entries made by `makeOpEntry` are frozen,
 * and changing any hashed field would make the id lie.
 */
export interface OpEntry<out Op extends OpShape = DomainOp> {
  readonly op_id: string;
  readonly actor_id: string;
  readonly lamport_ts: number;
  readonly parent_op_ids: readonly string[];
  readonly domain: string;
  readonly domain_op: Frozen<Op>;
  readonly created_at: string;
  readonly intent_id: string;
  readonly reservation_id: string;
}

/** Marks the ops already folded into a snapshot: the first `op_count` records of the session. */
export interface OpLogCheckpoint {
  session_id: string;
  snapshot_id: string;
  lamport_ts: number;
  op_count: number;
  created_at: string;
}

export interface StructuredDelta<out Op extends OpShape = DomainOp> {
  domain: string;
  /** The domain's ops in delta order (the entries' frozen `domain_op`s). */
  ops: Frozen<Op>[];
  summary: string;
}
