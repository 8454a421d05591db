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
export type DomainOp = MuseDomainOp | GenericDomainOp;

/** One op in the log. `op_id` is the SHA-256 of the canonical JSON of the hashed fields. */
export interface OpEntry<Op extends DomainOp = DomainOp> {
  op_id: string;
  actor_id: string;
  lamport_ts: number;
  parent_op_ids: string[];
  domain: string;
  domain_op: Op;
  created_at: string;
  intent_id: string;
  reservation_id: string;
}

/** Marks the ops already folded into a snapshot: the first `op_count` records of the session. */
export interface OpLogCheckpoint {
  session_id: string;
  snapshot_id: string;
  lamport_ts: number;
  op_count: number;
  created_at: string;
}

export interface StructuredDelta<Op extends DomainOp = DomainOp> {
  domain: string;
  ops: Op[];
  summary: string;
}
