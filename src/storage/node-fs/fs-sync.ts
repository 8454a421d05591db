import { fdatasync, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RandomAccessFile } from '../jsonl/index.js';

export const fdatasyncAsync = promisify(fdatasync);

/**
 * An open file as the JSON-lines format's `RandomAccessFile`: positioned
 * reads and writes (pread/pwrite, synchronous: page-cache work of
 * microseconds that keeps call order trivially), and fdatasync off the event loop.
 */
export function fdFile(fd: number): RandomAccessFile {
  return {
    size: () => fstatSync(fd).size,
    read: (into, at) => readSync(fd, into, 0, into.length, at),
    write: (bytes, at) => writeSync(fd, bytes, 0, bytes.length, at),
    truncate: (size) => ftruncateSync(fd, size),
    sync: () => fdatasyncAsync(fd),
  };
}

/** fsync a directory so a created, renamed or removed entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
