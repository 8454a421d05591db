/**
 * The pattern is a pure function of the log: fold the note ops in the delta
 * order `(lamport_ts, actor_id, op_id)` (compareDeltaOrder), so every tab and
 * device holding the same ops shows the same pattern, whatever order the ops
 * arrived in.
 *
 * Conflict rules (each op is applied in delta order, so "later" means later
 * in that order; causally later edits always are, because their Lamport time
 * is above their parents'):
 * - insert: the note at `address` exists with the op's fields (an insert on a
 *   deleted address, as undo of a delete makes, brings it back).
 * - delete: the note is gone. Delete wins over moves and velocity changes
 *   ordered after it: they apply to live notes only, so a device that moved
 *   a note while another deleted it does not bring it back.
 * - move / mutate: last writer wins, field by field (position, velocity).
 * - One note per cell: a note inserted or moved onto a cell that a live note
 *   holds replaces that note (it is gone, as if deleted).
 * - Ops of other domains and malformed note ops are ignored.
 */
import { compareDeltaOrder, type OpEntry } from '../../src/index.js';
import { DOMAIN, type NoteFields, type NoteOp } from './ops.js';

export interface Note extends NoteFields {
  address: string;
}

/** The folded pattern: live notes ordered by step, then pitch, then address. */
export type Pattern = readonly Note[];

interface NoteState extends NoteFields {
  alive: boolean;
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The entry's op when it is a well-formed note op of the demo's domain, else null. */
export function noteOpOf(entry: OpEntry): NoteOp | null {
  if (entry.domain !== DOMAIN) return null;
  const op = entry.domain_op as Record<string, unknown>;
  if (typeof op.address !== 'string' || !op.address.startsWith('note:')) return null;
  switch (op.op) {
    case 'insert':
    case 'delete':
      return isInt(op.pitch, 0, 127) && isInt(op.step, 0, 1023) && isInt(op.velocity, 1, 127) ? (op as unknown as NoteOp) : null;
    case 'move':
      return isInt(op.pitch, 0, 127) && isInt(op.step, 0, 1023) ? (op as unknown as NoteOp) : null;
    case 'mutate':
      return isInt(op.velocity, 1, 127) ? (op as unknown as NoteOp) : null;
    default:
      return null;
  }
}

const cellKey = (n: { pitch: number; step: number }) => n.step * 128 + n.pitch;

/**
 * Folds ops into the pattern. `add` takes ops in any order: ops that sort
 * after everything folded so far are applied incrementally, others trigger a
 * refold from the start, so the result is always `foldPattern(all ops)`.
 */
export class PatternFold {
  private readonly ops: OpEntry[] = [];
  private readonly seen = new Set<string>();
  private notes = new Map<string, NoteState>();
  private cells = new Map<number, string>();

  /** Adds ops (duplicates by op id are ignored). Returns whether any was new. */
  add(entries: Iterable<OpEntry>): boolean {
    const fresh: OpEntry[] = [];
    for (const e of entries) {
      if (this.seen.has(e.op_id) || !noteOpOf(e)) continue;
      this.seen.add(e.op_id);
      fresh.push(e);
    }
    if (fresh.length === 0) return false;
    fresh.sort(compareDeltaOrder);
    const last = this.ops[this.ops.length - 1];
    if (last && compareDeltaOrder(fresh[0]!, last) < 0) {
      this.ops.push(...fresh);
      this.ops.sort(compareDeltaOrder);
      this.notes = new Map();
      this.cells = new Map();
      for (const e of this.ops) this.apply(e);
    } else {
      for (const e of fresh) {
        this.ops.push(e);
        this.apply(e);
      }
    }
    return true;
  }

  /** The live note at `address`, if any. */
  note(address: string): Note | undefined {
    const s = this.notes.get(address);
    return s?.alive ? { address, pitch: s.pitch, step: s.step, velocity: s.velocity } : undefined;
  }

  /** The live note on a cell, if any. */
  noteAt(pitch: number, step: number): Note | undefined {
    const address = this.cells.get(cellKey({ pitch, step }));
    return address === undefined ? undefined : this.note(address);
  }

  /** The note as it last was, live or not (undo of a delete restores it). */
  lastKnown(address: string): (NoteFields & { alive: boolean }) | undefined {
    const s = this.notes.get(address);
    return s && { ...s };
  }

  pattern(): Pattern {
    const out: Note[] = [];
    for (const [address, s] of this.notes) {
      if (s.alive) out.push({ address, pitch: s.pitch, step: s.step, velocity: s.velocity });
    }
    return out.sort((a, b) => a.step - b.step || a.pitch - b.pitch || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  private apply(entry: OpEntry): void {
    const op = noteOpOf(entry)!;
    const current = this.notes.get(op.address);
    switch (op.op) {
      case 'insert':
        if (current?.alive) this.cells.delete(cellKey(current));
        this.place(op.address, { pitch: op.pitch, step: op.step, velocity: op.velocity, alive: true });
        break;
      case 'delete':
        if (current?.alive) {
          this.cells.delete(cellKey(current));
          current.alive = false;
        }
        break;
      case 'move':
        if (current?.alive) {
          this.cells.delete(cellKey(current));
          this.place(op.address, { ...current, pitch: op.pitch, step: op.step });
        }
        break;
      case 'mutate':
        if (current?.alive) current.velocity = op.velocity;
        break;
    }
  }

  /** Puts a live note on its cell, replacing the note that held it. */
  private place(address: string, state: NoteState): void {
    const key = cellKey(state);
    const holder = this.cells.get(key);
    if (holder !== undefined && holder !== address) this.notes.get(holder)!.alive = false;
    this.cells.set(key, address);
    this.notes.set(address, state);
  }
}

/** The pattern the ops build: the definition every replica agrees on. */
export function foldPattern(entries: Iterable<OpEntry>): Pattern {
  const fold = new PatternFold();
  fold.add(entries);
  return fold.pattern();
}
