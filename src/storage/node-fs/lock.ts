/**
 * One writer per session across processes: an exclusive lock file
 * (`ops.lock`, created with O_EXCL) holding the owner's pid and host name.
 *
 * A lock whose owner is gone is taken over: same host and the pid is not
 * running, or the pid is this process's but no handle here holds the lock
 * (left behind by a failed close), or the file is unreadable and over 10 s
 * old (its writer crashed while creating it). A lock from another host is
 * never judged stale; remove the file by hand if that host is gone.
 */
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { SessionLockedError } from '../../core/errors.js';

interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
}

/** Lock paths held by handles in this process. */
const heldHere = new Set<string>();

export async function acquireLock(lockPath: string, sessionId: string): Promise<void> {
  if (heldHere.has(lockPath)) throw new SessionLockedError(sessionId, lockPath, 'held by this process');
  heldHere.add(lockPath);
  try {
    for (let attempt = 0; ; attempt++) {
      const owner: LockOwner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
      try {
        await writeFile(lockPath, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const found = await readOwner(lockPath);
      if (found === 'gone' && attempt < 3) continue;
      const current = found === 'gone' ? undefined : found;
      const stale = current !== undefined ? isStale(current) : found !== 'gone' && (await isAbandoned(lockPath));
      if (!stale || attempt > 0) {
        const who = current ? `held by pid ${current.pid} on ${current.hostname} since ${current.since}` : 'unreadable lock file';
        throw new SessionLockedError(sessionId, lockPath, who);
      }
      // The owner is gone: remove its lock and try once more (a racing taker makes us fail above).
      await unlink(lockPath).catch(() => undefined);
    }
  } catch (err) {
    heldHere.delete(lockPath);
    throw err;
  }
}

export async function releaseLock(lockPath: string): Promise<void> {
  try {
    await unlink(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    heldHere.delete(lockPath);
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined | 'gone'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(v.pid) && typeof v.hostname === 'string' && typeof v.since === 'string') {
      return v as LockOwner;
    }
  } catch {
    // a half-written lock file: its writer is mid-create or crashed; treated as held
  }
  return undefined;
}

/**
 * An unreadable (empty or half-written) lock file: its writer crashed between
 * creating and filling it, unless it is doing so right now. Old enough means
 * crashed.
 */
const ABANDONED_AFTER_MS = 10_000;

async function isAbandoned(lockPath: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > ABANDONED_AFTER_MS;
  } catch {
    return false;
  }
}

function isStale(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return false;
  if (owner.pid === process.pid) return true; // not in heldHere (checked first), so left behind
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
