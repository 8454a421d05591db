import { ClosedError, StorageError } from '../../core/errors.js';
import { assertDocName, clampRange, type SessionStorage } from '../adapter.js';
import type { HeldLock } from '../opfs/web-lock.js';
import { CHUNK, chunkKey, docKey, metaKey, splitChunk, type SessionMeta } from './layout.js';
import { committed, type KvStore, type TxDurability } from './store.js';

/** Chunks fetched per read transaction (each yields one batch). */
const READ_CHUNKS = 8;

interface Pending {
  records: readonly string[];
  resolve(): void;
  reject(err: unknown): void;
}

/** Failures that mean the connection went away mid-transaction: the transaction rolled back, so one retry is safe. */
const RETRYABLE = new Set(['AbortError', 'UnknownError', 'InvalidStateError', 'TransactionInactiveError']);

export class IndexedDbSession implements SessionStorage {
  private _length: number;
  /** Records of the last, partly filled chunk, joined; '' when the last chunk is full or there is none. */
  private tailText: string;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  private stored: boolean;

  private constructor(
    private readonly store: KvStore,
    readonly sessionId: string,
    private readonly durability: TxDurability,
    private readonly lock: HeldLock,
    private readonly onClose: () => void,
    meta: SessionMeta | undefined,
    tailText: string,
  ) {
    this._length = meta?.length ?? 0;
    this.stored = meta !== undefined;
    this.tailText = tailText;
  }

  /** O(1): reads the meta value and the partly filled last chunk. */
  static async open(
    store: KvStore,
    sessionId: string,
    durability: TxDurability,
    lock: HeldLock,
    onClose: () => void,
  ): Promise<IndexedDbSession> {
    const [meta, tail] = await store.run('readonly', 'default', async (s) => {
      const meta = (await request(s.get(metaKey(sessionId)))) as SessionMeta | undefined;
      const length = meta?.length ?? 0;
      const tail = length % CHUNK ? ((await request(s.get(chunkKey(sessionId, Math.floor(length / CHUNK))))) as string | undefined) : '';
      return [meta, tail] as const;
    });
    if (meta && (!Number.isSafeInteger(meta.length) || meta.length < 0 || tail === undefined)) {
      throw new StorageError(`IndexedDB: session ${JSON.stringify(sessionId)} has a damaged meta value`);
    }
    return new IndexedDbSession(store, sessionId, durability, lock, onClose, meta, tail ?? '');
  }

  get length(): number {
    return this._length;
  }

  append(records: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError(`session ${JSON.stringify(this.sessionId)}`));
    for (const r of records) {
      if (typeof r !== 'string' || r.includes('\n')) {
        return Promise.reject(new TypeError('append: records must be strings without a newline'));
      }
    }
    if (records.length === 0) return this.writing ?? Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records: records.slice(), resolve, reject });
      this.pump();
    });
  }

  /** Group commit: everything queued while a transaction is in flight goes into the next one. */
  private pump(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.commit(batch).finally(() => {
      this.writing = undefined;
      this.pump();
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    const records = batch.length === 1 ? batch[0]!.records : batch.flatMap((p) => p.records);
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
      const failure = toStorageError('append', err);
      for (const p of batch) p.reject(failure);
      return;
    }
    this._length = plan.length;
    this.tailText = plan.tailText;
    this.stored = true;
    for (const p of batch) p.resolve();
  }

  /** The chunk values that change when `records` follow the current ones. */
  private plan(records: readonly string[]): { puts: [IDBValidKey, string][]; length: number; tailText: string } {
    let k = Math.floor(this._length / CHUNK);
    let fill = this._length % CHUNK;
    let parts: string[] = fill ? [this.tailText] : [];
    const puts: [IDBValidKey, string][] = [];
    for (const r of records) {
      parts.push(r);
      if (++fill === CHUNK) {
        puts.push([chunkKey(this.sessionId, k), parts.join('\n')]);
        k++;
        fill = 0;
        parts = [];
      }
    }
    let tailText = '';
    if (fill > 0) {
      tailText = parts.join('\n');
      puts.push([chunkKey(this.sessionId, k), tailText]);
    }
    return { puts, length: this._length + records.length, tailText };
  }

  async *read(from: number, to?: number): AsyncIterable<readonly string[]> {
    this.assertOpen();
    const [start, end] = clampRange(this._length, from, to);
    if (start >= end) return;
    const last = Math.floor((end - 1) / CHUNK);
    for (let k = Math.floor(start / CHUNK); k <= last; k += READ_CHUNKS) {
      const k1 = Math.min(last, k + READ_CHUNKS - 1);
      const range = IDBKeyRange.bound(chunkKey(this.sessionId, k), chunkKey(this.sessionId, k1));
      let texts: unknown[];
      try {
        texts = await this.withRetry(() => this.store.run('readonly', 'default', (s) => request(s.getAll(range))));
      } catch (err) {
        throw toStorageError('read', err);
      }
      if (texts.length !== k1 - k + 1) throw new StorageError(`IndexedDB: chunks ${k}..${k1} of ${JSON.stringify(this.sessionId)} are missing`);
      const out: string[] = [];
      for (let i = 0; i < texts.length; i++) {
        const base = (k + i) * CHUNK;
        const lines = splitChunk(texts[i] as string);
        const lo = Math.max(start - base, 0);
        const hi = Math.min(end - base, lines.length);
        for (let j = lo; j < hi; j++) out.push(lines[j]!);
      }
      yield out;
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
    while (this.writing) await this.writing.catch(() => {});
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

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function toStorageError(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const name = (err as DOMException)?.name;
  const detail = name === 'QuotaExceededError' ? 'storage quota exceeded' : String((err as Error)?.message ?? err);
  return new StorageError(`IndexedDB ${what} failed: ${detail}`, { cause: err });
}
