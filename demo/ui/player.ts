/**
 * Plays the pattern with Web Audio: a look-ahead scheduler (timers only
 * decide what to schedule; the audio clock times every note), a small
 * subtractive voice, and the playhead position for the view. The pattern is
 * read at scheduling time, so edits made while playing are heard.
 */
import type { Pattern } from '../model/fold.js';

const LOOKAHEAD_S = 0.12;
const TICK_MS = 25;

export class Player {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private startTime = 0;
  private nextStep = 0;
  private nextTime = 0;
  bpm = 120;

  constructor(private readonly steps: number, private readonly pattern: () => Pattern) {}

  get playing(): boolean {
    return this.timer !== undefined;
  }

  private audio(): AudioContext {
    this.ctx ??= new AudioContext();
    if (this.ctx.state === 'suspended') void this.ctx.resume();
    return this.ctx;
  }

  private get stepSeconds(): number {
    return 60 / this.bpm / 4; // sixteenth notes
  }

  start(): void {
    if (this.playing) return;
    const ctx = this.audio();
    this.startTime = ctx.currentTime + 0.05;
    this.nextStep = 0;
    this.nextTime = this.startTime;
    this.timer = setInterval(() => this.schedule(), TICK_MS);
    this.schedule();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The playhead, in (fractional) steps, or null when stopped. */
  position(): number | null {
    if (!this.playing || !this.ctx) return null;
    const elapsed = this.ctx.currentTime - this.startTime;
    if (elapsed < 0) return 0;
    return (elapsed / this.stepSeconds) % this.steps;
  }

  /** One note now (key presses, dragging to a new pitch). */
  preview(pitch: number, velocity = 100): void {
    const ctx = this.audio();
    this.voice(ctx, pitch, velocity, ctx.currentTime + 0.005, 0.25);
  }

  private schedule(): void {
    const ctx = this.ctx!;
    while (this.nextTime < ctx.currentTime + LOOKAHEAD_S) {
      const step = this.nextStep % this.steps;
      for (const note of this.pattern()) {
        if (note.step === step) this.voice(ctx, note.pitch, note.velocity, this.nextTime, this.stepSeconds * 0.9);
      }
      this.nextStep++;
      this.nextTime = this.startTime + this.nextStep * this.stepSeconds;
    }
  }

  private voice(ctx: AudioContext, pitch: number, velocity: number, at: number, length: number): void {
    const freq = 440 * 2 ** ((pitch - 69) / 12);
    const peak = 0.05 + (velocity / 127) * 0.22;
    const osc = ctx.createOscillator();
    const sub = ctx.createOscillator();
    const filter = ctx.createBiquadFilter();
    const amp = ctx.createGain();
    osc.type = 'sawtooth';
    osc.frequency.value = freq;
    sub.type = 'triangle';
    sub.frequency.value = freq / 2;
    filter.type = 'lowpass';
    filter.Q.value = 4;
    filter.frequency.setValueAtTime(400 + velocity * 30, at);
    filter.frequency.exponentialRampToValueAtTime(300, at + length);
    amp.gain.setValueAtTime(0, at);
    amp.gain.linearRampToValueAtTime(peak, at + 0.008);
    amp.gain.exponentialRampToValueAtTime(peak * 0.5, at + length * 0.6);
    amp.gain.exponentialRampToValueAtTime(0.0001, at + length + 0.08);
    osc.connect(filter);
    sub.connect(filter);
    filter.connect(amp).connect(ctx.destination);
    for (const o of [osc, sub]) {
      o.start(at);
      o.stop(at + length + 0.1);
    }
  }
}
