/**
 * One writer per session across processes and threads: the lock file
 * `ops.lock`, holding an owner token (pid, thread id, host, a random nonce,
 * since when).
 *
 * Taking it: the token is written to a temp file, which is then hard-linked
 * to `ops.lock`; link(2) fails if `ops.lock` exists, so the lock appears with
 * its whole content or not at all (a full disk fails before the lock exists).
 *
 * Held, whatever path spelling reached it: the lock file is found through the
 * session folder, so two spellings (relative, symlinked, case- or
 * Unicode-folded by the file system) meet at the same file. A token naming
 * this process (any thread, any copy of this module) is always held: being
 * "my pid" proves nothing. A token naming a live pid on this host, or any
 * pid on another host, is held.
 *
 * Stale (taken over): same host and the pid is not running; or an unreadable
 * lock file over 10 s old (only locks made by hand or on file systems without
 * hard links can be half-written). Takeover is atomic: a contender hard-links
 * the stale `ops.lock` to a name derived from its content
 * (`ops.lock.<hash>.break`, created exclusively, so one contender per stale
 * token gets it), checks that the linked file is still the stale one, removes
 * `ops.lock`, and then races for it like a fresh opener. Exactly one wins; the
 * others see a live owner and get `SessionLockedError`.
 *
 * Why not `proper-lockfile`: its stale takeover removes the lock directory and
 * then creates it again, so a slower contender deletes the lock a faster one
 * just made (two writers), and its staleness is an mtime that a timer must
 * keep fresh, so a long-blocked event loop loses the lock.
 *
 * A pid reused by an unrelated process keeps a dead writer's lock looking
 * held, as does a lock left by a terminated worker thread: `breakLock`
 * (CLI: `muse-oplog unlock DIR SESSION`) removes it once you know its owner is
 * gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { SessionLockedError } from '../../core/errors.js';

export interface LockOwner {
  pid: number;
  thread: number;
  hostname: string;
  nonce: string;
  since: string;
}

export interface FileLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Remove the lock file if it is still this holder's. */
  release(): Promise<void>;
}

/** Attempts before a contender that keeps meeting another's takeover in progress gives up. */
const MAX_ATTEMPTS = 100;
/** An unreadable lock file this old is abandoned (its writer crashed while creating it). */
const ABANDONED_AFTER_MS = 10_000;
/** File systems without hard links: fall back to an O_EXCL create (the lock can then be seen half-written). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

export async function acquireLock(lockPath: string, sessionId: string): Promise<FileLock> {
  const owner: LockOwner = {
    pid: process.pid,
    thread: threadId,
    hostname: hostname(),
    nonce: randomBytes(12).toString('hex'),
    since: new Date().toISOString(),
  };
  const text = `${JSON.stringify(owner)}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await tryCreate(lockPath, owner.nonce, text)) return held(lockPath, owner, text);
    const found = await inspect(lockPath);
    if (found === 'gone') continue;
    if (!found.stale) throw new SessionLockedError(sessionId, lockPath, describeOwner(found.owner));
    const outcome = await breakStale(lockPath, found);
    if (outcome === 'busy') await sleep(2 + Math.random() * 8);
  }
  throw new SessionLockedError(sessionId, lockPath, 'another opener is taking over a stale lock (if none is, run `muse-oplog unlock`)');
}

/**
 * Remove a session's lock whatever its owner, for a lock whose owner is known
 * to be gone but looks alive (its pid was reused, or it was a worker thread
 * that was terminated). Also removes a takeover left half-done by a crash.
 * Returns the owner that held it, or undefined if there was no lock.
 */
export async function breakLock(lockPath: string): Promise<LockOwner | 'unreadable' | undefined> {
  const found = await inspect(lockPath);
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith('.break')) await unlink(join(dir, name)).catch(() => undefined);
  }
  if (found === 'gone') return undefined;
  await unlink(lockPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return found.owner ?? 'unreadable';
}

// ------------------------------------------------------------------

function held(path: string, owner: LockOwner, text: string): FileLock {
  let released = false;
  return {
    path,
    owner,
    async release() {
      if (released) return;
      released = true;
      // Only our own lock: if someone broke it by hand and another writer took it, leave theirs.
      const now = await readFile(path, 'utf8').catch(() => undefined);
      if (now === text) {
        await unlink(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    },
  };
}

/** Create `ops.lock` holding `text`, atomically; false if it exists. */
async function tryCreate(lockPath: string, nonce: string, text: string): Promise<boolean> {
  const temp = `${lockPath}.${nonce}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await link(temp, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  try {
    await writeFile(lockPath, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    await unlink(lockPath).catch(() => undefined);
    throw err;
  }
}

interface Found {
  owner: LockOwner | undefined;
  text: string;
  ino: number;
  mtimeMs: number;
  stale: boolean;
}

async function inspect(lockPath: string): Promise<Found | 'gone'> {
  let text: string;
  let info;
  try {
    info = await stat(lockPath);
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const owner = parseOwner(text);
  const stale = owner ? isDead(owner) : Date.now() - info.mtimeMs > ABANDONED_AFTER_MS;
  return { owner, text, ino: info.ino, mtimeMs: info.mtimeMs, stale };
}

/**
 * Take a stale `ops.lock` out of the way, unless another contender is doing
 * it (`busy`) or it changed meanwhile (`changed`). See the module comment.
 */
async function breakStale(lockPath: string, found: Found): Promise<'removed' | 'busy' | 'changed'> {
  const key = createHash('sha256').update(`${found.ino}:${found.mtimeMs}:${found.text}`).digest('hex').slice(0, 24);
  const marker = `${lockPath}.${key}.break`;
  try {
    await link(lockPath, marker);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return 'busy';
    if (code === 'ENOENT') return 'changed';
    if (!NO_LINKS.has(code)) throw err;
    // No hard links: the best this file system allows is a check just before the unlink.
    const again = await inspect(lockPath);
    if (again !== 'gone' && again.text === found.text && again.ino === found.ino) await unlink(lockPath).catch(() => undefined);
    return 'removed';
  }
  try {
    // The marker pins the file ops.lock named at link time: is it still the stale one?
    const [info, text] = await Promise.all([stat(marker), readFile(marker, 'utf8')]);
    if (info.ino !== found.ino || info.mtimeMs !== found.mtimeMs || text !== found.text) return 'changed';
    // Only the holder of this marker may remove this stale file, and it is still ops.lock.
    await unlink(lockPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return 'removed';
  } finally {
    await unlink(marker).catch(() => undefined);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(v.pid) && typeof v.hostname === 'string' && typeof v.since === 'string') {
      return { thread: 0, nonce: '', ...v } as LockOwner;
    }
  } catch {
    // half-written or foreign
  }
  return undefined;
}

function isDead(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return false; // cannot tell: held
  if (owner.pid === process.pid) return false; // this process (another thread or copy of this module): held
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'unreadable lock file';
  const here = owner.hostname === hostname() && owner.pid === process.pid;
  const who = here
    ? owner.thread === threadId
      ? 'this thread'
      : `thread ${owner.thread} of this process`
    : `pid ${owner.pid} on ${owner.hostname}`;
  return `held by ${who} since ${owner.since}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
