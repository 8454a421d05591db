import type { SessionStorage, StorageAdapter } from '../../src/index.js';
import { MemoryAdapter } from '../../src/index.js';

/** Wraps an adapter to count what the core asks of storage, and to inject append failures. */
export class SpyAdapter implements StorageAdapter {
  readonly kind = 'spy';
  readonly opened: string[] = [];
  readonly appends: number[] = [];
  readonly reads: [number, number | undefined][] = [];
  failAppends = 0;

  constructor(readonly inner: StorageAdapter = new MemoryAdapter()) {}

  async openSession(sessionId: string): Promise<SessionStorage> {
    this.opened.push(sessionId);
    const s = await this.inner.openSession(sessionId);
    const spy = this;
    return {
      sessionId,
      get length() {
        return s.length;
      },
      async append(records) {
        if (spy.failAppends > 0) {
          spy.failAppends--;
          throw new Error('disk on fire');
        }
        spy.appends.push(records.length);
        return s.append(records);
      },
      read(from, to) {
        spy.reads.push([from, to]);
        return s.read(from, to);
      },
      readDoc: (name) => s.readDoc(name),
      writeDoc: (name, text) => s.writeDoc(name, text),
      close: () => s.close(),
    };
  }

  listSessions(): Promise<string[]> {
    return this.inner.listSessions();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Records read since the last reset, counting a read to the end as `length - from`. */
  resetCounts(): void {
    this.appends.length = 0;
    this.reads.length = 0;
  }
}
