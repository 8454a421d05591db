import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareCodePoints } from '../../core/compare.js';
import { StorageError } from '../../core/errors.js';
import { OpenHandles } from '../open-handles.js';
import { assertValidSessionId } from '../../core/session-id.js';
import type { StorageAdapter } from '../../core/storage-port.js';
import { DEFAULT_STRIDE } from '../jsonl/index.js';
import { breakLock, type LockOwner } from './lock.js';
import { isStoredFile, opLogDir, sessionPaths } from './paths.js';
import { NodeFsSession, type Durability } from './session.js';

export interface NodeFsAdapterOptions {
  /**
   * When `append` resolves. 'fsync' (default): after fdatasync(2) of
   * ops.jsonl returned, so the records survive a power loss. 'os': after
   * write(2) returned, so they survive a crash of this process but not of the
   * machine. Concurrent appends share one write and one sync either way.
   */
  durability?: Durability;
  /** Records per sparse-index entry (default 64): the most lines a reopen or a positioned read re-scans. */
  indexStride?: number;
}

/**
 * Muse's on-disk layout, readable and writable by the Python reference:
 * session S is `<rootDir>/.muse/op_log/S/ops.jsonl` (one compact JSON entry
 * per line) and `checkpoint.json` (the reference's exact format). Other
 * documents (the core's `clock`) are `N.json` in the same folder; the sparse
 * index `ops.idx` and the writer lock `ops.lock` live there too. The sidecars
 * are caches, checked on open and rebuilt when missing or stale, so a log the
 * reference appended to opens correctly.
 *
 * Durability: with 'fsync' (the default) an append has resolved only once its
 * records were fdatasync'ed; with 'os' once write(2) returned. Documents are
 * always replaced atomically and durably (temp file, fsync, rename, folder
 * fsync); a checkpoint first syncs the records it counts.
 *
 * Crash recovery on open: a last line with no `\n` is cut off (a torn write)
 * or, if it is a whole JSON object, given its `\n`; see `session.repair`.
 * One writer per session: an `ops.lock` file (pid, thread, host, nonce)
 * created atomically in the session's real folder; a second writer, in this
 * thread, another thread or another process, through any spelling of the
 * path, gets `SessionLockedError` naming it. A dead process's lock is taken
 * over atomically (see `lock.ts`); `breakLock` removes one whose pid was
 * reused. The reference does not take this lock: do not let it append while
 * a session is open here.
 */
export class NodeFsAdapter implements StorageAdapter {
  readonly kind = 'node-fs';
  readonly durability: Durability;
  private readonly stride: number;
  private readonly handles = new OpenHandles<NodeFsSession>('NodeFsAdapter');

  constructor(
    readonly rootDir: string,
    options: NodeFsAdapterOptions = {},
  ) {
    const durability = options.durability ?? 'fsync';
    if (durability !== 'fsync' && durability !== 'os') {
      throw new TypeError(`durability must be 'fsync' or 'os' (got ${String(durability)})`);
    }
    const stride = options.indexStride ?? DEFAULT_STRIDE;
    if (!Number.isSafeInteger(stride) || stride < 1 || stride > 0xffff_ffff) {
      throw new RangeError(`indexStride must be a positive integer (got ${stride})`);
    }
    this.durability = durability;
    this.stride = stride;
  }

  async openSession(sessionId: string): Promise<NodeFsSession> {
    this.handles.assertOpen();
    assertValidSessionId(sessionId); // it becomes a folder name
    const session: NodeFsSession = await NodeFsSession.open(
      sessionId,
      sessionPaths(this.rootDir, sessionId),
      { durability: this.durability, stride: this.stride },
      () => this.handles.forget(session),
    );
    return this.handles.add(session);
  }

  /**
   * Remove a session's writer lock, whoever holds it: for a lock whose owner
   * is gone but looks alive (its pid now belongs to another process, or it was
   * a worker thread that was terminated). Breaking the lock of a live writer
   * lets two writers in: check first. Resolves with the owner it removed
   * (`undefined` when there was no lock). CLI: `muse-oplog unlock DIR SESSION`.
   */
  async breakLock(sessionId: string): Promise<LockOwner | 'unreadable' | undefined> {
    assertValidSessionId(sessionId);
    try {
      return await breakLock(sessionPaths(this.rootDir, sessionId).lock);
    } catch (err) {
      throw new StorageError(`cannot break the lock of session ${sessionId}`, { cause: err });
    }
  }

  /** Session folders holding ops.jsonl or a document (not ones only opened), sorted by code point. */
  async listSessions(): Promise<string[]> {
    const base = opLogDir(this.rootDir);
    let dirs;
    try {
      dirs = await readdir(base, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StorageError(`cannot list ${base}`, { cause: err });
    }
    const out: string[] = [];
    for (const d of dirs) {
      if (!d.isDirectory()) continue;
      const names = await readdir(join(base, d.name)).catch(() => [] as string[]);
      if (names.some(isStoredFile)) out.push(d.name);
    }
    return out.sort(compareCodePoints);
  }

  close(): Promise<void> {
    return this.handles.closeAll();
  }
}


