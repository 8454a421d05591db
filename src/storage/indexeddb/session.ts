import { promisifyRequest as request } from 'idb-keyval';
import { AppendOrder } from '../append-order.js';
import { ClosedError, StorageError } from '../../core/errors.js';
import type { SessionStorage } from '../../core/storage-port.js';
import { assertDocName, clampRange } from '../session-rules.js';
import type { HeldLock } from '../web-lock.js';
import { CHUNK, chunkKey, docKey, metaKey, REWRITE_BELOW, splitChunk, type SessionMeta } from './layout.js';
import { committed, type KvStore, type TxDurability } from './store.js';

/** Chunks fetched per read transaction (each transaction yields one batch). */
const READ_CHUNKS = 16;

/** The session's last chunk, kept in memory so an append never reads before writing. */
interface Tail {
  start: number;
  count: number;
  text: string;
}


/** Failures that mean the connection went away mid-transaction: the transaction rolled back, so one retry is safe. */
const RETRYABLE = new Set(['AbortError', 'UnknownError', 'InvalidStateError', 'TransactionInactiveError']);

export class IndexedDbSession implements SessionStorage {
  private _length: number;
  private tail: Tail | undefined;
  private readonly appends: AppendOrder;
  private closed = false;
  private stored: boolean;

  private constructor(
    private readonly store: KvStore,
    readonly sessionId: string,
    private readonly durability: TxDurability,
    private readonly lock: HeldLock,
    private readonly onClose: () => void,
    meta: SessionMeta | undefined,
    tail: Tail | undefined,
  ) {
    this.appends = new AppendOrder((records) => this.commit(records), JSON.stringify(sessionId));
    this._length = meta?.length ?? 0;
    this.stored = meta !== undefined;
    this.tail = tail;
  }

  /** Reads the meta value and the last chunk (one cursor step): no scan of the session. */
  static async open(
    store: KvStore,
    sessionId: string,
    durability: TxDurability,
    lock: HeldLock,
    onClose: () => void,
  ): Promise<IndexedDbSession> {
    const [meta, tail] = await store.run('readonly', 'default', async (s) => {
      const meta = (await request(s.get(metaKey(sessionId)))) as SessionMeta | undefined;
      const cursor = await request(s.openCursor(sessionChunks(sessionId), 'prev'));
      const tail: Tail | undefined = cursor
        ? { start: (cursor.key as [string, string, number])[2], count: splitChunk(cursor.value as string).length, text: cursor.value as string }
        : undefined;
      return [meta, tail] as const;
    });
    const length = meta?.length ?? 0;
    if (!Number.isSafeInteger(length) || length < 0 || (tail ? tail.start + tail.count : 0) !== length) {
      throw new StorageError(`IndexedDB: session ${JSON.stringify(sessionId)} is inconsistent (meta says ${length} records)`);
    }
    return new IndexedDbSession(store, sessionId, durability, lock, onClose, meta, tail);
  }

  get length(): number {
    return this._length;
  }

  append(records: readonly string[]): void | Promise<void> {
    return this.appends.append(records);
  }

  /** One transaction: the changed chunks and the meta value together, so an append is all or nothing. */
  private async commit(records: readonly string[]): Promise<void> {
    const plan = this.plan(records);
    try {
      await this.withRetry(() =>
        this.store.run('readwrite', this.durability, (s) => {
          for (const [key, value] of plan.puts) s.put(value, key);
          s.put({ length: plan.length } satisfies SessionMeta, metaKey(this.sessionId));
          return committed(s.transaction);
        }),
      );
    } catch (err) {
      throw toStorageError('append', err);
    }
    this._length = plan.length;
    this.tail = plan.tail;
    this.stored = true;
  }

  /**
   * The chunk values that change when `records` follow the current ones: the
   * last chunk is extended while it is small (below REWRITE_BELOW records),
   * otherwise new chunks start; chunks hold at most CHUNK records.
   */
  private plan(records: readonly string[]): { puts: [IDBValidKey, string][]; length: number; tail: Tail } {
    const puts: [IDBValidKey, string][] = [];
    const extend = this.tail !== undefined && this.tail.count < REWRITE_BELOW;
    let start = extend ? this.tail!.start : this._length;
    let parts: string[] = extend ? [this.tail!.text] : [];
    let count = extend ? this.tail!.count : 0;
    let tail: Tail | undefined;
    for (const r of records) {
      parts.push(r);
      if (++count === CHUNK) {
        tail = { start, count, text: parts.join('\n') };
        puts.push([chunkKey(this.sessionId, start), tail.text]);
        start += CHUNK;
        parts = [];
        count = 0;
      }
    }
    if (count > 0) {
      tail = { start, count, text: parts.join('\n') };
      puts.push([chunkKey(this.sessionId, start), tail.text]);
    }
    return { puts, length: this._length + records.length, tail: tail! };
  }

  async *read(from: number, to?: number): AsyncIterable<readonly string[]> {
    this.assertOpen();
    const [start, end] = clampRange(this._length, from, to);
    if (start >= end) return;
    let next: number | undefined; // start of the next chunk to fetch; first found from the chunk holding `start`
    while (true) {
      let page: { first: number; texts: string[] };
      try {
        page = await this.withRetry(() =>
          this.store.run('readonly', 'default', async (s) => {
            let first = next;
            if (first === undefined) {
              const cursor = await request(s.openCursor(IDBKeyRange.bound(chunkKey(this.sessionId, 0), chunkKey(this.sessionId, start)), 'prev'));
              first = cursor ? (cursor.key as [string, string, number])[2] : 0;
            }
            const range = IDBKeyRange.bound(chunkKey(this.sessionId, first), chunkKey(this.sessionId, end - 1));
            return { first, texts: (await request(s.getAll(range, READ_CHUNKS))) as string[] };
          }),
        );
      } catch (err) {
        throw toStorageError('read', err);
      }
      if (page.texts.length === 0) throw new StorageError(`IndexedDB: records from ${page.first} of ${JSON.stringify(this.sessionId)} are missing`);
      const out: string[] = [];
      let base = page.first;
      for (const text of page.texts) {
        const lines = splitChunk(text);
        const lo = Math.max(start - base, 0);
        const hi = Math.min(end - base, lines.length);
        for (let j = lo; j < hi; j++) out.push(lines[j]!);
        base += lines.length;
      }
      yield out;
      if (base >= end) return;
      next = base;
    }
  }

  async readDoc(name: string): Promise<string | undefined> {
    assertDocName(name);
    this.assertOpen();
    try {
      return (await this.withRetry(() =>
        this.store.run('readonly', 'default', (s) => request(s.get(docKey(this.sessionId, name)))),
      )) as string | undefined;
    } catch (err) {
      throw toStorageError('readDoc', err);
    }
  }

  /** One put in one transaction: readers see the old text or the new. */
  async writeDoc(name: string, text: string): Promise<void> {
    assertDocName(name);
    this.assertOpen();
    if (typeof text !== 'string') throw new TypeError('writeDoc: text must be a string');
    const markStored = !this.stored;
    try {
      await this.withRetry(() =>
        this.store.run('readwrite', this.durability, (s) => {
          s.put(text, docKey(this.sessionId, name));
          // The meta value is what listSessions sees; a doc-only session gets one too.
          if (markStored) s.put({ length: this._length } satisfies SessionMeta, metaKey(this.sessionId));
          return committed(s.transaction);
        }),
      );
    } catch (err) {
      throw toStorageError('writeDoc', err);
    }
    this.stored = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appends.close();
    await this.lock.release();
    this.onClose();
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!RETRYABLE.has((err as DOMException)?.name)) throw err;
      return fn();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`session ${JSON.stringify(this.sessionId)}`);
  }
}

function sessionChunks(sessionId: string): IDBKeyRange {
  return IDBKeyRange.bound(chunkKey(sessionId, 0), chunkKey(sessionId, Number.MAX_SAFE_INTEGER));
}

function toStorageError(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const name = (err as DOMException)?.name;
  const detail = name === 'QuotaExceededError' ? 'storage quota exceeded' : String((err as Error)?.message ?? err);
  return new StorageError(`IndexedDB ${what} failed: ${detail}`, { cause: err });
}
