/**
 * One open session of a NodeFsAdapter: ops.jsonl (one record per line), its
 * sparse index, its documents, and the writer lock.
 *
 * Appends: calls are applied in call order (`AppendOrder`), one write(2)
 * and, with durability 'fsync', one fdatasync per write; calls made while a
 * write is in flight go out together in the next one (`OpLog` gathers its
 * own and never has two in flight: the group commit happens once). The write
 * itself is synchronous (a write to the page cache, microseconds), the
 * fdatasync runs off the event loop. The file format and its all-or-nothing
 * rule are `JsonlLog`'s.
 */
import { closeSync, constants, openSync, read as readCb } from 'node:fs';
import { mkdir, readdir, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ClosedError, OpLogError, StorageError } from '../../core/errors.js';
import type { SessionStorage } from '../../core/storage-port.js';
import { assertDocName, clampRange } from '../session-rules.js';
import { AppendOrder } from '../append-order.js';
import { JsonlLog, LineSplitter, type Recovery, type TailRepair } from '../jsonl/index.js';
import { readDocFile, writeDocFile } from './docs.js';
import { fdFile, fsyncDir } from './fs-sync.js';
import { acquireLock, type FileLock } from './lock.js';
import { isDocTemp, isLockLeftover, sessionFiles, type SessionPaths } from './paths.js';

export type Durability = 'os' | 'fsync';

export interface SessionOptions {
  durability: Durability;
  stride: number;
}

const readAsync = promisify(readCb);
const FIRST_READ_CHUNK = 64 * 1024;
// Reads reuse one buffer per call and stay small enough that decoded chunks are
// ordinary young-generation strings, not large objects that linger until a full GC.
const MAX_READ_CHUNK = 256 * 1024;

export class NodeFsSession implements SessionStorage {
  /** ops.jsonl and ops.idx, open once the log file exists (created on the first append). */
  private files: { fd: number; idxFd: number; log: JsonlLog } | undefined;
  private readonly appends: AppendOrder;
  private readsInFlight = 0;
  private readsDone: (() => void) | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** What open repaired at the end of ops.jsonl (a torn or unterminated last line), if anything. */
  repair: TailRepair | undefined;
  /** write(2) and fdatasync(2) calls made for appends since open (fewer than `append` calls when calls arrive while one is in flight). */
  readonly stats = { writes: 0, syncs: 0 };

  private constructor(
    readonly sessionId: string,
    readonly paths: SessionPaths,
    private readonly options: SessionOptions,
    /** The first folder this open created (the session folder or an ancestor), removed again on close if empty. */
    private readonly createdDir: string | undefined,
    private readonly lock: FileLock,
    private readonly onClose: () => void,
  ) {
    this.appends = new AppendOrder((records) => this.write(records), JSON.stringify(sessionId));
  }

  /**
   * Every failure is typed: `SessionLockedError` when another writer holds the
   * session, `StorageError` (with the cause) for any I/O failure (a full disk,
   * a root that is a file, a folder where a file belongs). A failed open leaves
   * no lock behind.
   */
  static async open(
    sessionId: string,
    given: SessionPaths,
    options: SessionOptions,
    onClose: () => void,
  ): Promise<NodeFsSession> {
    let createdDir: string | undefined;
    let paths: SessionPaths;
    try {
      createdDir = await mkdir(given.dir, { recursive: true });
      // The session is its real folder, however it was spelled (relative, symlinked, case-folded).
      paths = sessionFiles(await realpath(given.dir));
    } catch (err) {
      throw new StorageError(`cannot open session ${sessionId} at ${given.dir}`, { cause: err });
    }
    let lock: FileLock;
    try {
      lock = await acquireLock(paths.lock, sessionId);
    } catch (err) {
      if (createdDir !== undefined) await rmdir(paths.dir).catch(() => undefined);
      throw err instanceof OpLogError ? err : new StorageError(`cannot lock session ${sessionId}`, { cause: err });
    }
    const session = new NodeFsSession(sessionId, paths, options, createdDir, lock, onClose);
    try {
      await removeLeftovers(paths.dir);
      await session.recover();
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err instanceof OpLogError ? err : new StorageError(`cannot open session ${sessionId}`, { cause: err });
    }
    return session;
  }

  get length(): number {
    return this.files?.log.length ?? 0;
  }

  /** Records known to be fdatasync'ed (with durability 'os', a document write syncs the rest first). */
  get durableLength(): number {
    return this.files?.log.syncedLength ?? 0;
  }

  /** Bytes of complete records in ops.jsonl. */
  get byteLength(): number {
    return this.files?.log.size ?? 0;
  }

  append(records: readonly string[]): void | Promise<void> {
    return this.appends.append(records);
  }

  async *read(from: number, to?: number): AsyncIterable<readonly string[]> {
    this.assertOpen();
    const [start, end] = clampRange(this.length, from, to);
    if (start >= end) return;
    const { fd, log } = this.files!;
    let { offset, line: position } = log.locate(start);
    const limit = log.size;
    const splitter = new LineSplitter();
    let chunkSize = FIRST_READ_CHUNK;
    let buffer = Buffer.allocUnsafe(Math.min(chunkSize, limit - offset));
    while (position < end && offset < limit) {
      this.assertOpen();
      const length = Math.min(chunkSize, limit - offset);
      if (buffer.length < length) buffer = Buffer.allocUnsafe(length);
      const chunk = await this.readChunk(fd, buffer.subarray(0, length), offset);
      if (chunk.length === 0) throw new StorageError(`ops.jsonl of ${this.sessionId} shrank while open`);
      offset += chunk.length;
      chunkSize = Math.min(chunkSize * 2, MAX_READ_CHUNK);
      const lines = splitter.push(chunk);
      const skip = Math.max(0, start - position);
      const take = Math.min(lines.length, end - position);
      position += lines.length;
      if (take > skip) yield skip === 0 && take === lines.length ? lines : lines.slice(skip, take);
    }
  }

  async readDoc(name: string): Promise<string | undefined> {
    assertDocName(name);
    this.assertOpen();
    try {
      return await readDocFile(this.paths.dir, name);
    } catch (err) {
      throw new StorageError(`cannot read ${name} for session ${this.sessionId}`, { cause: err });
    }
  }

  async writeDoc(name: string, text: string): Promise<void> {
    assertDocName(name);
    this.assertOpen();
    if (typeof text !== 'string') throw new TypeError('document text must be a string');
    try {
      // The contract: a document is durable no earlier than the appends made before it.
      await this.files?.log.sync();
      await writeDocFile(this.paths.dir, name, text);
    } catch (err) {
      throw new StorageError(`cannot write ${name} for session ${this.sessionId}`, { cause: err });
    }
  }

  /** Waits for pending appends and reads; a second call waits for the same. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      await this.appends.close();
      if (this.readsInFlight > 0) await new Promise<void>((resolve) => (this.readsDone = resolve));
      try {
        await this.release();
      } catch (err) {
        throw err instanceof OpLogError ? err : new StorageError(`cannot close session ${this.sessionId}`, { cause: err });
      }
    })();
    return this.closing;
  }

  // ------------------------------------------------------------------

  private async recover(): Promise<void> {
    let fd: number;
    try {
      fd = openSync(this.paths.ops, constants.O_RDWR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.repair = (await this.openLog(fd)).repair;
  }

  /** ops.jsonl and its index, created on the first append. */
  private async ensureFile(): Promise<JsonlLog> {
    if (this.files) return this.files.log;
    const fd = openSync(this.paths.ops, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      if (this.options.durability === 'fsync') {
        // Make the new file's name (and any folder this open created) durable too.
        const stop = this.createdDir === undefined ? this.paths.dir : dirname(this.createdDir);
        for (let dir = this.paths.dir; ; dir = dirname(dir)) {
          await fsyncDir(dir);
          if (dir === stop || dirname(dir) === dir) break;
        }
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    // Normally empty; if another writer created it meanwhile, take its records as they are.
    await this.openLog(fd);
    return this.files!.log;
  }

  /** Recover the log open as `fd` (see `JsonlLog.recover`); closes `fd` when that fails. */
  private async openLog(fd: number): Promise<Recovery> {
    let idxFd: number | undefined;
    try {
      idxFd = openSync(this.paths.index, constants.O_RDWR | constants.O_CREAT, 0o644);
      const log = new JsonlLog(fdFile(fd), fdFile(idxFd), this.options.stride, `ops.jsonl of ${JSON.stringify(this.sessionId)}`);
      const recovery = await log.recover();
      this.files = { fd, idxFd, log };
      return recovery;
    } catch (err) {
      if (idxFd !== undefined) closeSync(idxFd);
      closeSync(fd);
      throw err;
    }
  }

  /** One write(2) (and with 'fsync' one fdatasync); synchronous once the file exists and the durability is 'os'. */
  private write(records: readonly string[]): void | Promise<void> {
    if (!this.files) {
      return this.ensureFile().then(
        () => this.write(records),
        (err: unknown) => {
          throw new StorageError(`cannot create ops.jsonl of session ${JSON.stringify(this.sessionId)}`, { cause: err });
        },
      );
    }
    const durable = this.options.durability === 'fsync';
    const done = this.files.log.append(records, durable);
    this.stats.writes++;
    if (!durable) return;
    return (done as Promise<void>).then(() => void this.stats.syncs++);
  }

  /** Read into `buffer` (reused by the caller: LineSplitter copies what it keeps). */
  private async readChunk(fd: number, buffer: Buffer, position: number): Promise<Uint8Array> {
    this.readsInFlight++;
    try {
      const { bytesRead } = await readAsync(fd, buffer, 0, buffer.length, position);
      return buffer.subarray(0, bytesRead);
    } finally {
      if (--this.readsInFlight === 0) this.readsDone?.();
    }
  }

  /** Close files, drop the lock, and remove the session folder again if this open created it and nothing was stored. */
  private async release(): Promise<void> {
    try {
      if (this.files) {
        closeSync(this.files.idxFd);
        closeSync(this.files.fd);
      }
    } finally {
      this.files = undefined;
      try {
        await this.lock.release();
      } finally {
        this.onClose();
      }
      if (this.createdDir !== undefined) await removeIfEmpty(this.paths.dir);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`session ${JSON.stringify(this.sessionId)}`);
  }
}

/** Temp documents a crash left mid-replace, and lock-takeover leftovers over a minute old. */
async function removeLeftovers(dir: string): Promise<void> {
  const names = await readdir(dir);
  for (const name of names) {
    const path = join(dir, name);
    if (isDocTemp(name)) await unlink(path).catch(() => undefined);
    else if (isLockLeftover(name)) {
      const age = Date.now() - (await stat(path).catch(() => ({ ctimeMs: Date.now() }))).ctimeMs;
      if (age > 60_000) await unlink(path).catch(() => undefined);
    }
  }
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // someone else wrote there meanwhile: keep it
  }
}
