import { ClosedError, SessionLockedError } from '../core/errors.js';
import { OpenHandles } from './open-handles.js';
import { compareCodePoints } from '../core/compare.js';
import { assertOneLine } from './jsonl/index.js';
import type { SessionStorage, StorageAdapter } from '../core/storage-port.js';
import { assertDocName, clampRange } from './session-rules.js';

interface StoredSession {
  records: string[];
  docs: Map<string, string>;
  open: boolean;
}

const READ_BATCH = 1024;

/**
 * Keeps sessions in memory, for tests and for pages that need no persistence.
 * Everything survives closing and reopening a session on the same adapter, and
 * nothing outlives the adapter (or the adapters that share its data). An append "is durable" as soon as it resolves
 * only in the sense that later reads see it.
 */
export class MemoryAdapter implements StorageAdapter {
  readonly kind = 'memory';
  private readonly sessions: Map<string, StoredSession>;
  private readonly handles = new OpenHandles<MemorySession>('MemoryAdapter');

  /** `shareWith`: see the same sessions as another MemoryAdapter (as a reopened persistent store would). */
  constructor(options: { shareWith?: MemoryAdapter } = {}) {
    this.sessions = options.shareWith?.sessions ?? new Map();
  }

  async openSession(sessionId: string): Promise<SessionStorage> {
    this.handles.assertOpen();
    let stored = this.sessions.get(sessionId);
    if (!stored) {
      stored = { records: [], docs: new Map(), open: false };
      this.sessions.set(sessionId, stored);
    }
    if (stored.open) throw new SessionLockedError(sessionId, `memory:${sessionId}`);
    stored.open = true;
    const handle: MemorySession = new MemorySession(sessionId, stored, () => this.handles.forget(handle));
    return this.handles.add(handle);
  }

  async listSessions(): Promise<string[]> {
    return [...this.sessions]
      .filter(([, s]) => s.records.length > 0 || s.docs.size > 0)
      .map(([id]) => id)
      .sort(compareCodePoints);
  }

  close(): Promise<void> {
    return this.handles.closeAll();
  }
}

class MemorySession implements SessionStorage {
  private closed = false;
  constructor(
    readonly sessionId: string,
    private readonly stored: StoredSession,
    private readonly onClose: () => void,
  ) {}

  get length(): number {
    return this.stored.records.length;
  }

  /** Stored at once: returns nothing, or a rejected promise. */
  append(records: readonly string[]): void | Promise<void> {
    try {
      this.assertOpen();
      for (const r of records) assertOneLine(r);
    } catch (err) {
      return Promise.reject(err);
    }
    for (const r of records) this.stored.records.push(r);
  }

  async *read(from: number, to?: number): AsyncIterable<readonly string[]> {
    this.assertOpen();
    const [start, end] = clampRange(this.stored.records.length, from, to);
    for (let i = start; i < end; i += READ_BATCH) {
      yield this.stored.records.slice(i, Math.min(i + READ_BATCH, end));
    }
  }

  async readDoc(name: string): Promise<string | undefined> {
    assertDocName(name);
    this.assertOpen();
    return this.stored.docs.get(name);
  }

  async writeDoc(name: string, text: string): Promise<void> {
    assertDocName(name);
    this.assertOpen();
    this.stored.docs.set(name, text);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stored.open = false;
    this.onClose();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`session ${JSON.stringify(this.sessionId)}`);
  }
}
