import { describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/index.js';
import { PatternFold } from '../../demo/model/fold.js';
import { History } from '../../demo/model/history.js';
import { DOMAIN, deleteOp, insertOp, moveOp, mutateOp, type NoteOp } from '../../demo/model/ops.js';

/** A tiny editor: every op goes through the fold, as the page's ops go through the log. */
function editor(actor = 'alice') {
  const fold = new PatternFold();
  const history = new History();
  let ts = 0;
  const apply = (domainOp: NoteOp | null) => {
    if (domainOp) fold.add([makeOpEntry(actor, DOMAIN, domainOp, ++ts)]);
    return domainOp;
  };
  return { fold, history, apply, remote: (domainOp: NoteOp) => fold.add([makeOpEntry('bob', DOMAIN, domainOp, ++ts)]) };
}

describe('History', () => {
  it('undoes and redoes an insert, a move, a velocity change and a delete as new ops', () => {
    const { fold, history, apply } = editor();
    const n = { pitch: 60, step: 0, velocity: 100 };
    apply(insertOp('note:a:1', n));
    history.record({ kind: 'insert', address: 'note:a:1', note: n });
    apply(moveOp('note:a:1', n, { pitch: 64, step: 3 }));
    history.record({ kind: 'move', address: 'note:a:1', from: { pitch: 60, step: 0 }, to: { pitch: 64, step: 3 } });
    apply(mutateOp('note:a:1', { ...n, pitch: 64, step: 3 }, 30));
    history.record({ kind: 'velocity', address: 'note:a:1', from: 100, to: 30 });
    apply(deleteOp('note:a:1', { pitch: 64, step: 3, velocity: 30 }));
    history.record({ kind: 'delete', address: 'note:a:1', note: { pitch: 64, step: 3, velocity: 30 } });
    expect(fold.pattern()).toEqual([]);

    expect(apply(history.undo(fold))?.op).toBe('insert');
    expect(fold.pattern()).toEqual([{ address: 'note:a:1', pitch: 64, step: 3, velocity: 30 }]);
    expect(apply(history.undo(fold))?.op).toBe('mutate');
    expect(fold.note('note:a:1')?.velocity).toBe(100);
    expect(apply(history.undo(fold))?.op).toBe('move');
    expect(fold.note('note:a:1')).toMatchObject({ pitch: 60, step: 0 });
    expect(apply(history.undo(fold))?.op).toBe('delete');
    expect(fold.pattern()).toEqual([]);
    expect(history.canUndo).toBe(false);
    expect(history.undo(fold)).toBeNull();

    expect(apply(history.redo(fold))?.op).toBe('insert');
    expect(apply(history.redo(fold))?.op).toBe('move');
    expect(fold.pattern()).toEqual([{ address: 'note:a:1', pitch: 64, step: 3, velocity: 100 }]);
    // A new edit clears what could be redone.
    history.record({ kind: 'insert', address: 'note:a:2', note: n });
    expect(history.canRedo).toBe(false);
  });

  it('skips an edit whose note another device deleted, instead of bringing it back', () => {
    const { fold, history, apply, remote } = editor();
    const n = { pitch: 60, step: 0, velocity: 100 };
    apply(insertOp('note:a:1', n));
    history.record({ kind: 'insert', address: 'note:a:1', note: n });
    apply(insertOp('note:a:2', { ...n, step: 1 }));
    history.record({ kind: 'insert', address: 'note:a:2', note: { ...n, step: 1 } });
    apply(moveOp('note:a:2', { ...n, step: 1 }, { pitch: 62, step: 1 }));
    history.record({ kind: 'move', address: 'note:a:2', from: { pitch: 60, step: 1 }, to: { pitch: 62, step: 1 } });
    remote(deleteOp('note:a:2', { pitch: 62, step: 1, velocity: 100 }));
    // Undoing the move and the insert of note 2 no longer applies: the next undo removes note 1.
    const undo = apply(history.undo(fold));
    expect(undo).toMatchObject({ op: 'delete', address: 'note:a:1' });
    expect(fold.pattern()).toEqual([]);
  });
});
