/**
 * The piano roll view: piano keys on the left, a grid of steps (beat lines
 * every 4), the notes, a playhead, and a velocity lane. It only renders a
 * pattern and reports gestures; what a gesture does to the log is the
 * editor's business.
 *
 * Gestures: press on an empty cell adds a note; press and release on a note
 * without moving removes it; press, drag and release moves it (pitch and
 * time); drag a bar in the velocity lane to change that note's velocity.
 */
import type { Note, Pattern } from '../model/fold.js';
import { pitchName } from '../model/ops.js';

export interface RollRange {
  /** Lowest and highest MIDI pitch shown (inclusive). */
  low: number;
  high: number;
  steps: number;
}

export interface RollGestures {
  add(cell: { pitch: number; step: number }): void;
  remove(note: Note): void;
  move(note: Note, to: { pitch: number; step: number }): void;
  velocity(note: Note, velocity: number): void;
  select(note: Note): void;
  preview(pitch: number, velocity?: number): void;
}

const ROW = 20;
const COL = 44;
const LANE = 72;
const BLACK = new Set([1, 3, 6, 8, 10]);

export class PianoRoll {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly notesLayer: HTMLElement;
  private readonly lane: HTMLElement;
  private readonly playhead: HTMLElement;
  private readonly noteEls = new Map<string, HTMLElement>();
  private readonly barEls = new Map<string, HTMLElement>();
  private pattern: Pattern = [];
  private selected: string | undefined;
  private dragging: { note: Note; el: HTMLElement; start: { x: number; y: number }; to: { pitch: number; step: number }; moved: boolean } | undefined;

  constructor(private readonly range: RollRange, private readonly gestures: RollGestures) {
    const rows = range.high - range.low + 1;
    this.element = h('div', 'roll');
    this.element.style.setProperty('--row', `${ROW}px`);
    this.element.style.setProperty('--col', `${COL}px`);
    this.element.style.setProperty('--rows', String(rows));
    this.element.style.setProperty('--steps', String(range.steps));
    this.element.style.setProperty('--lane', `${LANE}px`);

    // Step ruler (1..16, beats marked).
    const ruler = h('div', 'ruler');
    ruler.append(h('div', 'ruler-corner'));
    const marks = h('div', 'ruler-marks');
    for (let s = 0; s < range.steps; s++) {
      const m = h('div', s % 4 === 0 ? 'mark beat' : 'mark');
      m.textContent = s % 4 === 0 ? `${s / 4 + 1}` : '·';
      marks.append(m);
    }
    ruler.append(marks);

    const body = h('div', 'roll-body');
    const keys = h('div', 'keys');
    this.grid = h('div', 'grid');
    this.grid.dataset.testid = 'grid';
    for (let p = range.high; p >= range.low; p--) {
      const black = BLACK.has(p % 12);
      const key = h('div', black ? 'key black' : 'key white');
      key.dataset.pitch = String(p);
      if (p % 12 === 0) key.textContent = pitchName(p);
      key.addEventListener('pointerdown', () => gestures.preview(p));
      keys.append(key);
      const row = h('div', black ? 'row black' : 'row');
      if (p % 12 === 0) row.classList.add('octave');
      this.grid.append(row);
    }
    for (let s = 0; s <= range.steps; s++) {
      const line = h('div', s % 16 === 0 ? 'vline bar' : s % 4 === 0 ? 'vline beat' : 'vline');
      line.style.left = `${s * COL}px`;
      this.grid.append(line);
    }
    this.notesLayer = h('div', 'notes');
    this.playhead = h('div', 'playhead');
    this.grid.append(this.notesLayer, this.playhead);
    body.append(keys, this.grid);

    const laneRow = h('div', 'lane-row');
    const laneLabel = h('div', 'lane-label');
    laneLabel.textContent = 'Velocity';
    this.lane = h('div', 'lane');
    for (let s = 0; s <= range.steps; s += 4) {
      const line = h('div', 'vline beat');
      line.style.left = `${s * COL}px`;
      this.lane.append(line);
    }
    laneRow.append(laneLabel, this.lane);

    this.element.append(ruler, body, laneRow);
    this.grid.addEventListener('pointerdown', (e) => this.onGridDown(e));
    this.grid.addEventListener('pointermove', (e) => this.onGridMove(e));
    this.grid.addEventListener('pointerup', (e) => this.onGridUp(e));
    this.grid.addEventListener('pointercancel', () => this.cancelDrag());
  }

  /** Shows a pattern (notes outside the range are not drawn). */
  render(pattern: Pattern, selected?: string): void {
    this.pattern = pattern;
    this.selected = selected;
    const live = new Set<string>();
    for (const note of pattern) {
      if (note.pitch < this.range.low || note.pitch > this.range.high || note.step >= this.range.steps) continue;
      live.add(note.address);
      let el = this.noteEls.get(note.address);
      if (!el) {
        el = h('div', 'note');
        el.dataset.address = note.address;
        this.noteEls.set(note.address, el);
        this.notesLayer.append(el);
      }
      if (this.dragging?.note.address !== note.address) this.place(el, note.pitch, note.step);
      el.dataset.pitch = String(note.pitch);
      el.dataset.step = String(note.step);
      el.dataset.velocity = String(note.velocity);
      el.style.setProperty('--vel', String(note.velocity / 127));
      el.classList.toggle('selected', note.address === selected);
      el.title = `${pitchName(note.pitch)} · step ${note.step + 1} · velocity ${note.velocity}\nclick: remove · drag: move`;
      el.textContent = pitchName(note.pitch);

      let bar = this.barEls.get(note.address);
      if (!bar) {
        bar = h('div', 'vbar');
        bar.dataset.address = note.address;
        bar.addEventListener('pointerdown', (e) => this.onBarDown(e, note.address));
        this.barEls.set(note.address, bar);
        this.lane.append(bar);
      }
      // Notes sharing a step get their bars side by side (lowest pitch first).
      const sharing = pattern.filter((n) => n.step === note.step);
      const slot = sharing.filter((n) => n.pitch < note.pitch).length;
      bar.style.left = `${note.step * COL + 5 + (slot % 3) * 12}px`;
      bar.style.height = `${Math.round((note.velocity / 127) * (LANE - 8))}px`;
      bar.style.setProperty('--vel', String(note.velocity / 127));
      bar.classList.toggle('selected', note.address === selected);
    }
    for (const [address, el] of this.noteEls) {
      if (!live.has(address)) {
        el.remove();
        this.noteEls.delete(address);
        this.barEls.get(address)?.remove();
        this.barEls.delete(address);
      }
    }
  }

  /** Moves the playhead to a (fractional) step, or hides it. */
  setPlayhead(step: number | null): void {
    this.playhead.style.display = step === null ? 'none' : 'block';
    if (step !== null) this.playhead.style.transform = `translateX(${step * COL}px)`;
    for (const el of this.noteEls.values()) {
      el.classList.toggle('playing', step !== null && Number(el.dataset.step) === Math.floor(step));
    }
  }

  private place(el: HTMLElement, pitch: number, step: number): void {
    el.style.transform = `translate(${step * COL}px, ${(this.range.high - pitch) * ROW}px)`;
  }

  private cellAt(e: PointerEvent): { pitch: number; step: number } {
    const r = this.grid.getBoundingClientRect();
    const step = Math.min(this.range.steps - 1, Math.max(0, Math.floor((e.clientX - r.left) / COL)));
    const pitch = Math.min(this.range.high, Math.max(this.range.low, this.range.high - Math.floor((e.clientY - r.top) / ROW)));
    return { pitch, step };
  }

  private noteAt(cell: { pitch: number; step: number }): Note | undefined {
    return this.pattern.find((n) => n.pitch === cell.pitch && n.step === cell.step);
  }

  private onGridDown(e: PointerEvent): void {
    if (e.button !== 0 || this.dragging) return;
    const target = (e.target as HTMLElement).closest<HTMLElement>('.note');
    const cell = this.cellAt(e);
    const note = target ? this.pattern.find((n) => n.address === target.dataset.address) : this.noteAt(cell);
    if (!note) {
      this.gestures.add(cell);
      return;
    }
    const el = this.noteEls.get(note.address)!;
    this.grid.setPointerCapture(e.pointerId);
    this.dragging = { note, el, start: { x: e.clientX, y: e.clientY }, to: { pitch: note.pitch, step: note.step }, moved: false };
    el.classList.add('dragging');
    this.gestures.select(note);
  }

  private onGridMove(e: PointerEvent): void {
    const d = this.dragging;
    if (!d) return;
    if (!d.moved && Math.hypot(e.clientX - d.start.x, e.clientY - d.start.y) < 4) return;
    d.moved = true;
    const cell = this.cellAt(e);
    if (cell.pitch === d.to.pitch && cell.step === d.to.step) return;
    d.to = cell;
    this.place(d.el, cell.pitch, cell.step);
    const holder = this.noteAt(cell);
    d.el.classList.toggle('blocked', holder !== undefined && holder.address !== d.note.address);
    if (cell.pitch !== d.note.pitch) this.gestures.preview(cell.pitch, d.note.velocity);
  }

  private onGridUp(e: PointerEvent): void {
    const d = this.dragging;
    if (!d) return;
    this.dragging = undefined;
    this.grid.releasePointerCapture(e.pointerId);
    d.el.classList.remove('dragging', 'blocked');
    const holder = this.noteAt(d.to);
    const unchanged = d.to.pitch === d.note.pitch && d.to.step === d.note.step;
    if (!d.moved) this.gestures.remove(d.note);
    else if (!unchanged && (!holder || holder.address === d.note.address)) this.gestures.move(d.note, d.to);
    this.place(d.el, d.note.pitch, d.note.step); // the next render puts it where the log says
  }

  private cancelDrag(): void {
    const d = this.dragging;
    if (!d) return;
    this.dragging = undefined;
    d.el.classList.remove('dragging', 'blocked');
    this.place(d.el, d.note.pitch, d.note.step);
  }

  private onBarDown(e: PointerEvent, address: string): void {
    const note = this.pattern.find((n) => n.address === address);
    const bar = this.barEls.get(address);
    if (!note || !bar || e.button !== 0) return;
    e.preventDefault();
    this.gestures.select(note);
    const laneRect = this.lane.getBoundingClientRect();
    const velocityAt = (y: number) => Math.min(127, Math.max(1, Math.round(((laneRect.bottom - 4 - y) / (LANE - 8)) * 127)));
    let velocity = velocityAt(e.clientY);
    const show = () => {
      bar.style.height = `${Math.round((velocity / 127) * (LANE - 8))}px`;
      bar.dataset.preview = String(velocity);
    };
    show();
    bar.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      velocity = velocityAt(ev.clientY);
      show();
    };
    const up = () => {
      bar.removeEventListener('pointermove', move);
      bar.removeEventListener('pointerup', up);
      bar.removeEventListener('pointercancel', up);
      bar.removeEventListener('lostpointercapture', up);
      delete bar.dataset.preview;
      if (velocity !== note.velocity) this.gestures.velocity(note, velocity);
      else this.render(this.pattern, this.selected);
    };
    bar.addEventListener('pointermove', move);
    bar.addEventListener('pointerup', up);
    bar.addEventListener('pointercancel', up);
    bar.addEventListener('lostpointercapture', up);
  }
}

function h(tag: string, className: string): HTMLElement {
  const el = document.createElement(tag);
  el.className = className;
  return el;
}
