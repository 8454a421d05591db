/**
 * The messages tabs exchange over a BroadcastChannel about one session.
 *
 * Every message carries `proto` and `v` (the protocol version) and the
 * session it is about. Anything that arrives on the channel is checked by
 * `parseTabMessage` before it is used: a malformed message, a message from
 * another protocol or version, or one about another session is ignored, never
 * allowed to throw inside the tab.
 */
import { assertOpEntry } from '../../core/entry.js';
import { isWireError, type WireError } from '../../core/wire-error.js';
import type { OpEntry, OpShape } from '../../core/types.js';

export const TAB_PROTOCOL = 'muse-oplog/tabs';
/** 2: `has`, `heads` and paged `entriesFrom` (a tab of version 1 and one of 2 ignore each other). */
export const TAB_PROTOCOL_VERSION = 2;

/**
 * The calls a follower forwards to the leader: the one list (requests naming
 * anything else are ignored; the leader's handler table is typed by it).
 */
export const TAB_METHODS = [
  'appendBatch',
  'readAll',
  'replaySinceCheckpoint',
  'toStructuredDelta',
  'checkpoint',
  'readCheckpoint',
  'has',
  'heads',
  /** `[from, end | null, limit]` → `EntriesPage`. */
  'entriesFrom',
] as const;
export type TabMethod = (typeof TAB_METHODS)[number];
const METHODS: ReadonlySet<string> = new Set<string>(TAB_METHODS);

/** One page of entries from a record position on: the answer to `entriesFrom`. */
export interface EntriesPage {
  entries: OpEntry<OpShape>[];
  /** Record position of each entry. */
  positions: number[];
  /** Where the next page starts. */
  next: number;
  /** The end of the read: the log's length when the first page was asked for (or `end` as asked). */
  end: number;
}

interface Envelope {
  proto: typeof TAB_PROTOCOL;
  v: typeof TAB_PROTOCOL_VERSION;
  session: string;
  /** The sending tab's id. */
  from: string;
}

/** A follower asks whoever leads to announce itself. */
export interface HelloMessage extends Envelope {
  kind: 'hello';
}

/** The leader says it leads, and where the log stands. */
export interface LeaderMessage extends Envelope {
  kind: 'leader';
  /** Highest Lamport timestamp stored: followers keep their clocks above it. */
  highestLamportTs: number;
  /** Records stored. */
  length: number;
}

/**
 * A forwarded call. Whichever tab leads when it arrives serves it (only the
 * leader serves anything), so a request posted just before a leader change is
 * not stranded at a tab that no longer leads.
 */
export interface RequestMessage extends Envelope {
  kind: 'request';
  id: number;
  method: TabMethod;
  args: unknown[];
}

export type ResponseMessage = Envelope & {
  kind: 'response';
  to: string;
  id: number;
} & ({ ok: true; result: unknown } | { ok: false; error: WireError });

/** Entries newly stored by the leader, with their record positions, sent to every tab. */
export interface OpsMessage extends Envelope {
  kind: 'ops';
  entries: OpEntry<OpShape>[];
  positions: number[];
}

export type TabMessage = HelloMessage | LeaderMessage | RequestMessage | ResponseMessage | OpsMessage;

type Body<M> = M extends TabMessage ? Omit<M, keyof Envelope> : never;
export type TabMessageBody = Body<TabMessage>;

export function envelope(session: string, from: string, body: TabMessageBody): TabMessage {
  return { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session, from, ...body } as TabMessage;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative safe integer: a position, a length, a request id. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 128;
}

function areEntries(value: unknown): value is OpEntry<OpShape>[] {
  if (!Array.isArray(value)) return false;
  try {
    for (const e of value) assertOpEntry(e);
    return true;
  } catch {
    return false;
  }
}

/**
 * The message, if `data` is a well-formed message of this protocol and
 * version about `session`; otherwise `undefined`. Never throws. Entries in
 * `ops` are shape-checked (op ids are not re-hashed: the leader verified them
 * before storing them).
 */
export function parseTabMessage(data: unknown, session: string): TabMessage | undefined {
  if (!isRecord(data) || data.proto !== TAB_PROTOCOL || data.v !== TAB_PROTOCOL_VERSION) return undefined;
  if (data.session !== session || !isId(data.from)) return undefined;
  switch (data.kind) {
    case 'hello':
      return data as unknown as HelloMessage;
    case 'leader':
      return isCount(data.highestLamportTs) && isCount(data.length) ? (data as unknown as LeaderMessage) : undefined;
    case 'request':
      return isCount(data.id) &&
        typeof data.method === 'string' &&
        METHODS.has(data.method) &&
        Array.isArray(data.args)
        ? (data as unknown as RequestMessage)
        : undefined;
    case 'response':
      if (!isId(data.to) || !isCount(data.id)) return undefined;
      if (data.ok === true && 'result' in data) return data as unknown as ResponseMessage;
      if (data.ok === false && isWireError(data.error)) return data as unknown as ResponseMessage;
      return undefined;
    case 'ops':
      return areEntries(data.entries) &&
        Array.isArray(data.positions) &&
        data.positions.length === data.entries.length &&
        data.positions.every(isCount)
        ? (data as unknown as OpsMessage)
        : undefined;
    default:
      return undefined;
  }
}

export { fromWireError, toWireError, type WireError } from '../../core/wire-error.js';
