/**
 * Small named documents in the session folder, replaced atomically: write a
 * temp file in the same folder, fsync it, rename it over the old one, fsync
 * the folder. A reader sees the old text or the new, and once `writeDoc`
 * resolves the new text survives a crash.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { fsyncDir } from './fs-sync.js';
import { docPath } from './paths.js';

export async function readDocFile(sessionDir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(docPath(sessionDir, name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeDocFile(sessionDir: string, name: string, text: string): Promise<void> {
  const target = docPath(sessionDir, name);
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(sessionDir);
}
