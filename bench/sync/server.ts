/**
 * Our sync server as its own process: `muse-oplog serve` (src/cli.ts, bundled
 * like the rows) on 127.0.0.1, port 0, with a tokens file that lets the bench
 * token read and write every session.
 *
 * BENCH_SYNC_CPU_PROF=DIR profiles the server processes (and the rows) with
 * --cpu-prof into DIR; open the .cpuprofile files in Chrome DevTools.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgsFor } from './bundle.js';
import { startProcess, type ServerProcess } from './processes.js';

export const BENCH_TOKEN = 'bench-token';

export interface SyncServer {
  url: string;
  token: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

/** `--cpu-prof` arguments when BENCH_SYNC_CPU_PROF is set. */
export function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_SYNC_CPU_PROF;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}-${Date.now()}-${process.pid}.cpuprofile`] : [];
}

/** Write the bench's tokens file into `dir` and return its path. */
export function writeTokensFile(dir: string): string {
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ [BENCH_TOKEN]: { sessions: ['*'], scope: 'rw' } }));
  return file;
}

/** Start `muse-oplog serve` with `args` (store and data arguments) plus port, host and tokens. */
export async function startSyncServer(args: string[], tokensFile: string, name = 'server'): Promise<SyncServer> {
  const cli = await nodeArgsFor('src/cli.ts');
  const proc = await startProcess(
    [...profileArgs(name), ...cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--tokens', tokensFile, ...args],
    (line) => {
      const m = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(line);
      return m ? Number(m[1]) : undefined;
    },
    { name: `muse-oplog serve (${name})` },
  );
  return { url: `http://127.0.0.1:${proc.port}`, token: BENCH_TOKEN, process: proc, stop: () => proc.stop() };
}
