import { compareCodePoints } from '../../core/compare.js';
import { SessionLockedError } from '../../core/errors.js';
import type { SessionStorage, StorageAdapter } from '../../core/storage-port.js';
import { OpenHandles } from '../open-handles.js';
import type { OpenResult } from './protocol.js';
import { OpfsSession } from './session.js';
import { tryAcquireWebLock } from '../web-lock.js';
import { toError, WorkerClient } from './worker-client.js';

export interface OpfsAdapterOptions {
  /** Folder inside the origin's OPFS that holds `.muse/op_log/…`, e.g. `'my-app'` or `'a/b'`. Default: the OPFS root. */
  root?: string;
  /**
   * 'flush' (default): `append` resolves only after `FileSystemSyncAccessHandle.flush()`
   * returned for the write that holds its records, and `writeDoc` after the
   * new document was flushed and moved into place. 'none': they resolve once
   * the write returned (the data survives a tab crash, but an OS crash or
   * power loss may lose it).
   */
  durability?: 'flush' | 'none';
}

/**
 * Stores sessions in the Origin Private File System, in the Node fs
 * adapter's layout: `<root>/.muse/op_log/<session>/ops.jsonl` (one record per
 * line), `checkpoint.json` (doc `checkpoint`), `<name>.json` (other docs) and
 * the sparse index `ops.idx`, so a session folder can be copied between them.
 *
 * All file work happens in a dedicated module worker the adapter starts itself
 * (synchronous access handles exist only in workers); callers just use the
 * StorageAdapter API. Concurrent appends go out as one write + one flush.
 *
 * One writer per session, across tabs: the session holds an exclusive Web Lock
 * `muse-oplog:opfs:<root>:<session>` and the sync access handle on ops.jsonl
 * (itself exclusive) for as long as it is open; the browser releases both
 * when the tab closes, crashes or reloads.
 */
export class OpfsAdapter implements StorageAdapter {
  readonly kind = 'opfs';
  readonly root: string;
  readonly durability: 'flush' | 'none';
  private readonly rootPath: string[];
  private client: WorkerClient | undefined;
  private readonly handles = new OpenHandles<OpfsSession>('OpfsAdapter');

  constructor(options: OpfsAdapterOptions = {}) {
    this.rootPath = (options.root ?? '').split('/').filter((p) => p.length > 0);
    for (const part of this.rootPath) {
      if (part === '.' || part === '..' || part.includes('\\')) throw new TypeError(`OpfsAdapter: invalid root ${JSON.stringify(options.root)}`);
    }
    this.root = this.rootPath.join('/');
    this.durability = options.durability ?? 'flush';
  }

  async openSession(sessionId: string): Promise<SessionStorage> {
    const client = this.worker();
    const lockName = `muse-oplog:opfs:${this.root}:${sessionId}`;
    const lock = await tryAcquireWebLock(lockName);
    if (!lock) throw new SessionLockedError(sessionId, lockName);
    let opened: OpenResult;
    try {
      opened = await client.call<OpenResult>({ type: 'open', root: this.rootPath, session: sessionId });
    } catch (err) {
      await lock.release();
      throw toError(err, 'open');
    }
    const handle: OpfsSession = new OpfsSession(client, sessionId, this.durability === 'flush', opened, lock, () => this.handles.forget(handle));
    return this.handles.add(handle);
  }

  async listSessions(): Promise<string[]> {
    const names = await this.worker()
      .call<string[]>({ type: 'list', root: this.rootPath })
      .catch((err: unknown) => {
        throw toError(err, 'listSessions');
      });
    return names.sort(compareCodePoints);
  }

  close(): Promise<void> {
    return this.handles.closeAll(() => {
      this.client?.terminate();
      this.client = undefined;
    });
  }

  /**
   * The feature test `openBrowserStorage` runs: start the worker, open a sync
   * access handle on a probe file, write, flush, read back, remove it.
   * Rejects when OPFS is missing or broken here.
   */
  async probe(): Promise<void> {
    if (typeof Worker === 'undefined' || typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
      throw new Error('OPFS is not available (no Worker or navigator.storage.getDirectory)');
    }
    await this.worker()
      .call({ type: 'probe', root: this.rootPath })
      .catch((err: unknown) => {
        throw toError(err, 'probe');
      });
  }

  private worker(): WorkerClient {
    this.handles.assertOpen();
    this.client ??= new WorkerClient();
    return this.client;
  }
}
