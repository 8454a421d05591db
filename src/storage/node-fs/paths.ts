import { join } from 'node:path';

/** The reference's layout: `<root>/.muse/op_log/<session>/ops.jsonl` and `checkpoint.json`. */
export function opLogDir(rootDir: string): string {
  return join(rootDir, '.muse', 'op_log');
}

export interface SessionPaths {
  dir: string;
  ops: string;
  /** Our sparse index sidecar (a cache, rebuilt when missing or stale). */
  index: string;
  /** Our writer lock (present only while a writer has the session open). */
  lock: string;
}

export function sessionPaths(rootDir: string, sessionId: string): SessionPaths {
  return sessionFiles(join(opLogDir(rootDir), sessionId));
}

/** The files of the session folder `dir`. */
export function sessionFiles(dir: string): SessionPaths {
  return { dir, ops: join(dir, 'ops.jsonl'), index: join(dir, 'ops.idx'), lock: join(dir, 'ops.lock') };
}

/** Temp files a crash can leave in a session folder: documents being replaced (`N.json.<pid>.<random>.tmp`). */
export function isDocTemp(name: string): boolean {
  return /\.json\.\d+\.[0-9a-f]+\.tmp$/.test(name);
}

/** Leftovers of lock takeovers: temp tokens (`ops.lock.<nonce>.tmp`) and markers (`ops.lock.<key>.break`). */
export function isLockLeftover(name: string): boolean {
  return /^ops\.lock\.[0-9a-f]+\.(tmp|break)$/.test(name);
}

/** Doc `checkpoint` is the reference's `checkpoint.json`; any other doc N is the sidecar `N.json`. */
export function docPath(sessionDir: string, name: string): string {
  return join(sessionDir, `${name}.json`);
}

/** Whether a file in a session folder means the session stored something. */
export function isStoredFile(name: string): boolean {
  return name === 'ops.jsonl' || name.endsWith('.json');
}
