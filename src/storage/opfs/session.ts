import { ClosedError, StorageError } from '../../core/errors.js';
import { AppendOrder } from '../append-order.js';
import type { SessionStorage } from '../../core/storage-port.js';
import { assertDocName, clampRange } from '../session-rules.js';
import type { OpenResult, ReadResult } from './protocol.js';
import type { HeldLock } from '../web-lock.js';
import { toError, type WorkerClient } from './worker-client.js';

/** Records per read batch. */
const READ_BATCH = 8192;


const decoder = new TextDecoder();

/** The main thread's handle on one session; the file work happens in the worker. */
export class OpfsSession implements SessionStorage {
  private _length: number;
  private readonly appends: AppendOrder;
  private closed = false;
  /** What recovery did on open (bytes cut from a torn tail, index rebuilt): for diagnostics and tests. */
  readonly recovery: OpenResult;

  constructor(
    private readonly client: WorkerClient,
    readonly sessionId: string,
    private readonly flush: boolean,
    opened: OpenResult,
    private readonly lock: HeldLock,
    private readonly onClose: () => void,
  ) {
    this.appends = new AppendOrder((records) => this.commit(records), JSON.stringify(sessionId));
    this._length = opened.length;
    this.recovery = opened;
  }

  get length(): number {
    return this._length;
  }

  append(records: readonly string[]): void | Promise<void> {
    return this.appends.append(records);
  }

  /** One request to the worker: one write and, when durable, one flush. */
  private async commit(records: readonly string[]): Promise<void> {
    try {
      this._length = await this.client.call<number>({ type: 'append', session: this.sessionId, records: records as string[], flush: this.flush });
    } catch (err) {
      throw toError(err, 'append');
    }
  }

  async *read(from: number, to?: number): AsyncIterable<readonly string[]> {
    this.assertOpen();
    const [start, end] = clampRange(this._length, from, to);
    let position = start;
    let offset: number | null = null;
    while (position < end) {
      let r: ReadResult;
      try {
        r = await this.client.call<ReadResult>({
          type: 'read',
          session: this.sessionId,
          position,
          offset,
          count: Math.min(READ_BATCH, end - position),
        });
      } catch (err) {
        throw toError(err, 'read');
      }
      if (r.count === 0) throw new StorageError(`OPFS read failed: ops.jsonl of ${JSON.stringify(this.sessionId)} ends before record ${position}`);
      const lines = decoder.decode(r.bytes).split('\n');
      lines.pop(); // after the last '\n'
      yield lines;
      position += r.count;
      offset = r.nextOffset;
    }
  }

  async readDoc(name: string): Promise<string | undefined> {
    assertDocName(name);
    this.assertOpen();
    try {
      return await this.client.call<string | undefined>({ type: 'readDoc', session: this.sessionId, name });
    } catch (err) {
      throw toError(err, 'readDoc');
    }
  }

  async writeDoc(name: string, text: string): Promise<void> {
    assertDocName(name);
    this.assertOpen();
    if (typeof text !== 'string') throw new TypeError('writeDoc: text must be a string');
    try {
      await this.client.call({ type: 'writeDoc', session: this.sessionId, name, text, flush: this.flush });
    } catch (err) {
      throw toError(err, 'writeDoc');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appends.close();
    try {
      await this.client.call({ type: 'close', session: this.sessionId });
    } catch {
      // The worker is gone (adapter closing): its handles went with it.
    } finally {
      await this.lock.release();
      this.onClose();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`session ${JSON.stringify(this.sessionId)}`);
  }
}
