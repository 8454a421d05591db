/**
 * Sync progress in a JSON file (Node), e.g. next to the log's data directory.
 * Written to a temporary file and renamed over the old one, so a crash leaves
 * either the old or the new progress, never a torn file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseProgress, type SyncProgress, type SyncStateStore } from './state-store.js';

export class FileStateStore implements SyncStateStore {
  private all: Record<string, SyncProgress> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(readonly path: string) {}

  private async read(): Promise<Record<string, SyncProgress>> {
    if (this.all) return this.all;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      parsed = {};
    }
    const all: Record<string, SyncProgress> = {};
    if (typeof parsed === 'object' && parsed !== null) {
      for (const [k, v] of Object.entries(parsed)) {
        const p = parseProgress(v);
        if (p) all[k] = p;
      }
    }
    return (this.all = all);
  }

  async load(key: string): Promise<SyncProgress | undefined> {
    return (await this.read())[key];
  }

  async save(key: string, progress: SyncProgress): Promise<void> {
    const all = await this.read();
    all[key] = progress;
    const text = JSON.stringify(all);
    const run = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.${this.seq++}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.path);
    });
    this.writing = run.catch(() => {});
    await run;
  }
}
