/**
 * Undo and redo of this tab's own edits, as new ops: undo of an insert is a
 * delete, of a delete an insert at the same address, of a move a move back,
 * of a velocity change a change back. The log is never rewritten; other
 * devices see the undo as ordinary ops. Each op is computed against the
 * pattern as it is now, so an edit whose note someone else deleted meanwhile
 * is skipped rather than resurrected.
 */
import type { PatternFold } from './fold.js';
import { deleteOp, insertOp, moveOp, mutateOp, type NoteFields, type NoteOp } from './ops.js';

type Cell = { pitch: number; step: number };

export type Edit =
  | { kind: 'insert'; address: string; note: NoteFields }
  | { kind: 'delete'; address: string; note: NoteFields }
  | { kind: 'move'; address: string; from: Cell; to: Cell }
  | { kind: 'velocity'; address: string; from: number; to: number };

/** The op that undoes (`direction` 'undo') or redoes an edit now, or null when it no longer applies. */
export function opFor(edit: Edit, direction: 'undo' | 'redo', fold: PatternFold): NoteOp | null {
  const now = fold.note(edit.address);
  const occupied = (c: Cell) => {
    const holder = fold.noteAt(c.pitch, c.step);
    return holder !== undefined && holder.address !== edit.address;
  };
  const undo = direction === 'undo';
  switch (edit.kind) {
    case 'insert':
    case 'delete': {
      const makesNote = (edit.kind === 'insert') !== undo; // redo insert, undo delete
      if (makesNote) return now || occupied(edit.note) ? null : insertOp(edit.address, edit.note);
      return now ? deleteOp(edit.address, now) : null;
    }
    case 'move': {
      const target = undo ? edit.from : edit.to;
      return now && !occupied(target) ? moveOp(edit.address, now, target) : null;
    }
    case 'velocity':
      return now ? mutateOp(edit.address, now, undo ? edit.from : edit.to) : null;
  }
}

export class History {
  private readonly done: Edit[] = [];
  private readonly undone: Edit[] = [];

  /** Records a new edit; it clears what could be redone. */
  record(edit: Edit): void {
    this.done.push(edit);
    this.undone.length = 0;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** The op undoing the latest edit that still applies (skipping those that no longer do), or null. */
  undo(fold: PatternFold): NoteOp | null {
    return this.step(this.done, this.undone, 'undo', fold);
  }

  redo(fold: PatternFold): NoteOp | null {
    return this.step(this.undone, this.done, 'redo', fold);
  }

  private step(from: Edit[], to: Edit[], direction: 'undo' | 'redo', fold: PatternFold): NoteOp | null {
    for (let edit = from.pop(); edit; edit = from.pop()) {
      const op = opFor(edit, direction, fold);
      if (op) {
        to.push(edit);
        return op;
      }
    }
    return null;
  }
}
