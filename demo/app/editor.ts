/**
 * The editor: turns gestures into ops on the log and the log into the
 * pattern. Every edit is one op, made with the log's next Lamport time and
 * the log's current heads as parents, and appended through the typed log
 * API; the pattern shown is the fold of the log, nothing else (an edit shows
 * once its append resolved, or when any tab's or device's op arrives through
 * `subscribe`).
 */
import { makeOpEntry, type OpEntry, type SessionLog } from '../../src/index.js';
import { PatternFold } from '../model/fold.js';
import { History, type Edit } from '../model/history.js';
import { DOMAIN, type NoteEntry, type NoteOp } from '../model/ops.js';

export interface LoggedOp {
  entry: NoteEntry;
  /** 0-based record position in the local log. */
  position: number;
}

export class Editor {
  readonly fold = new PatternFold();
  readonly history = new History();
  /** Every op of the log with its record position, in record order. */
  readonly ops: LoggedOp[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();

  private constructor(readonly log: SessionLog<NoteOp>, readonly actor: string) {}

  /** Reads the log, folds it, and follows it. */
  static async open(log: SessionLog<NoteOp>, actor: string): Promise<Editor> {
    const editor = new Editor(log, actor);
    // Subscribe first, so nothing stored while reading is missed (the fold ignores ops it has).
    log.subscribe(({ entries, positions }) => editor.take(entries, positions));
    const entries: NoteEntry[] = [];
    const positions: number[] = [];
    for await (const { entry, position } of log.entries(0, { positions: true })) {
      entries.push(entry);
      positions.push(position);
    }
    editor.take(entries, positions);
    return editor;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Appends one op (edits are queued, so each names the heads left by the one
   * before). `edit` goes on the undo history once the op is stored.
   */
  apply(op: NoteOp, edit?: Edit): Promise<OpEntry<NoteOp>> {
    const run = this.queue.then(async () => {
      const parents = await this.log.heads();
      const entry = makeOpEntry<NoteOp>(this.actor, DOMAIN, op, this.log.nextLamportTs(), { parentOpIds: parents });
      const { position } = await this.log.append(entry);
      this.take([entry], [position]);
      if (edit) this.history.record(edit);
      return entry;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Undo (or redo) this tab's latest edit that still applies, as a new op. */
  async undo(direction: 'undo' | 'redo' = 'undo'): Promise<NoteOp | null> {
    const next = this.queue.then(async () => {
      const op = direction === 'undo' ? this.history.undo(this.fold) : this.history.redo(this.fold);
      return op;
    });
    const op = await next;
    if (op) await this.apply(op);
    return op;
  }

  private take(entries: readonly OpEntry<NoteOp>[], positions: readonly number[]): void {
    let fresh = false;
    entries.forEach((entry, i) => {
      const position = positions[i]!;
      if (this.ops[position]?.entry.op_id === entry.op_id) return;
      this.ops[position] = { entry, position };
      fresh = true;
    });
    if (this.fold.add(entries) || fresh) for (const l of this.listeners) l();
  }
}
