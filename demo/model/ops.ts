/**
 * The piano roll's ops: Muse domain ops (insert, delete, move, mutate) with
 * the note's fields added, so folding the log alone rebuilds the pattern.
 * Pure data and constructors; no DOM, no log.
 */
import { canonicalJson, sha256Hex, type DeleteOp, type InsertOp, type MoveOp, type MutateOp, type OpEntry } from '../../src/index.js';

/** The domain every demo op is logged under. */
export const DOMAIN = 'midi';

/** What a note is: where it sits and how loud it is. Length is one step. */
export interface NoteFields {
  /** MIDI note number. */
  pitch: number;
  /** 0-based step (sixteenth note) in the pattern. */
  step: number;
  /** MIDI velocity, 1..127. */
  velocity: number;
}

export interface NoteInsertOp extends InsertOp, NoteFields {}
export interface NoteDeleteOp extends DeleteOp, NoteFields {}
export interface NoteMoveOp extends MoveOp {
  pitch: number;
  step: number;
  from_pitch: number;
  from_step: number;
}
export interface NoteMutateOp extends MutateOp {
  velocity: number;
}
export type NoteOp = NoteInsertOp | NoteDeleteOp | NoteMoveOp | NoteMutateOp;
export type NoteEntry = OpEntry<NoteOp>;

const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

export function pitchName(pitch: number): string {
  return `${NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1}`;
}

/** A cell as one number (the ops' `position`): step-major, 128 pitches a step. */
export function cellPosition(pitch: number, step: number): number {
  return step * 128 + pitch;
}

/** A note's content id: the hash of its fields' canonical JSON. */
export function noteContentId(note: NoteFields): string {
  return sha256Hex(canonicalJson({ pitch: note.pitch, step: note.step, velocity: note.velocity }));
}

export function describeNote(note: NoteFields): string {
  return `${pitchName(note.pitch)} step ${note.step + 1} vel ${note.velocity}`;
}

/**
 * A new note address: unique per note, never derived from counts. The actor
 * id keeps two devices apart; the random part keeps two tabs of one profile
 * (same actor) apart.
 */
export function newNoteAddress(actor: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `note:${actor}:${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function insertOp(address: string, note: NoteFields): NoteInsertOp {
  return {
    op: 'insert',
    address,
    position: cellPosition(note.pitch, note.step),
    content_id: noteContentId(note),
    content_summary: describeNote(note),
    pitch: note.pitch,
    step: note.step,
    velocity: note.velocity,
  };
}

export function deleteOp(address: string, note: NoteFields): NoteDeleteOp {
  return { ...insertOp(address, note), op: 'delete' };
}

export function moveOp(address: string, from: NoteFields, to: { pitch: number; step: number }): NoteMoveOp {
  return {
    op: 'move',
    address,
    from_position: cellPosition(from.pitch, from.step),
    to_position: cellPosition(to.pitch, to.step),
    content_id: noteContentId({ ...from, ...to }),
    pitch: to.pitch,
    step: to.step,
    from_pitch: from.pitch,
    from_step: from.step,
  };
}

export function mutateOp(address: string, before: NoteFields, velocity: number): NoteMutateOp {
  const after = { ...before, velocity };
  return {
    op: 'mutate',
    address,
    entity_id: address,
    old_content_id: noteContentId(before),
    new_content_id: noteContentId(after),
    fields: { velocity: { old: String(before.velocity), new: String(velocity) } },
    old_summary: describeNote(before),
    new_summary: describeNote(after),
    position: cellPosition(before.pitch, before.step),
    velocity,
  };
}
