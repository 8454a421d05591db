/**
 * The newest ops of recently active sessions, in memory, so that the many
 * live streams and pulls that read the same new ops after each append are
 * answered without a database round trip each.
 *
 * Only committed ops go in, with their seqs: ops this process appended
 * (once the append returned, and only when every op of it was new, so the
 * seqs are known) and ops read from the database. Each session's cache is
 * one contiguous run of seqs; an op that does not continue it starts a new
 * run. A read is served only when the run holds seq `after+1`; at the run's
 * end the store reads the database, so nothing committed by another process
 * is ever hidden. Bounded per session and in total (least recently used
 * sessions go first).
 */
import type { OpEntry } from '../../../core/types.js';

interface Run {
  /** The seq before the run's first op. */
  base: number;
  ops: OpEntry[];
  /** The highest head heard of (appends, notifications): a read that could go past the run goes to the database. */
  head: number;
}

export class TailCache {
  private readonly runs = new Map<string, Run>();
  private total = 0;

  constructor(
    private readonly maxOps = 50_000,
    private readonly maxPerSession = 10_000,
  ) {}

  /** `ops` are committed at seqs first, first+1, … */
  add(sessionId: string, first: number, ops: readonly OpEntry[]): void {
    if (ops.length === 0 || this.maxOps === 0) return;
    let run = this.runs.get(sessionId);
    const end = run ? run.base + run.ops.length : 0;
    if (run && first === end + 1) {
      for (const op of ops) run.ops.push(op);
      run.head = Math.max(run.head, first + ops.length - 1);
    } else if (!run || first > end + 1) {
      if (run) this.total -= run.ops.length;
      run = { base: first - 1, ops: [...ops], head: Math.max(run?.head ?? 0, first + ops.length - 1) };
    } else {
      // overlaps what the run holds (or precedes it): nothing new to keep
      return;
    }
    this.total += ops.length;
    this.runs.delete(sessionId);
    this.runs.set(sessionId, run); // most recently used last
    if (run.ops.length > this.maxPerSession) {
      const drop = run.ops.length - this.maxPerSession;
      run.ops.splice(0, drop);
      run.base += drop;
      this.total -= drop;
    }
    for (const [id, other] of this.runs) {
      if (this.total <= this.maxOps) break;
      if (id === sessionId) continue;
      this.runs.delete(id);
      this.total -= other.ops.length;
    }
  }

  /** The session's head is at least `head` (a notification). */
  noteHead(sessionId: string, head: number): void {
    const run = this.runs.get(sessionId);
    if (run !== undefined && head > run.head) run.head = head;
  }

  /**
   * Up to `limit` ops after seq `after`, when the cache can answer as the
   * database would: it holds seq after+1, and either `limit` ops from there
   * or every op up to the highest head heard of.
   */
  read(sessionId: string, after: number, limit: number): { ops: OpEntry[]; cursor: number; head: number } | undefined {
    const run = this.runs.get(sessionId);
    if (run === undefined || after < run.base || after >= run.base + run.ops.length) return undefined;
    const ops = run.ops.slice(after - run.base, after - run.base + limit);
    const cursor = after + ops.length;
    if (ops.length < limit && cursor < run.head) return undefined;
    return { ops, cursor, head: Math.max(cursor, run.head) };
  }

  clear(): void {
    this.runs.clear();
    this.total = 0;
  }
}
