/**
 * A real sync server process for tests: `muse-oplog serve` spawned from
 * src/cli.ts (node --import tsx, one process, so signals reach the server),
 * on 127.0.0.1 with an ephemeral port, over a data directory that survives
 * restarts of the process.
 *
 *   const server = await startServerProcess({ tokens: { 'tok-alice-0001': { sessions: ['*'] } } });
 *   await fetch(`${server.url}/v1/sessions/jam/ops`, { headers: { Authorization: 'Bearer tok-alice-0001' } });
 *   await server.kill();          // SIGKILL: a crash
 *   const again = await server.restart();   // same data dir, same tokens, new port
 *   const same = await again.restart([], { samePort: true });   // ...on the port clients already know
 *   await again.stop();           // SIGTERM: graceful, resolves with the exit code (term() only signals)
 *   server.cleanup();             // remove the temp dirs
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { OpEntry } from '../../src/core/types.js';
import { pullAll } from '../sync/server/http.js';

const repo = resolve(import.meta.dirname, '../..');

export interface ServerProcessOptions {
  /** The tokens file's content (written to a temp file). */
  tokens?: Record<string, unknown>;
  /** Extra CLI arguments (e.g. ['--heartbeat-ms', '200', '--max-ops', '10']); a function gets the paths of `files`. */
  args?: string[] | ((files: Record<string, string>) => string[]);
  /** Reuse a data directory (default: a new temp dir). */
  dataDir?: string;
  /** Files to write beside the tokens file, by name (e.g. a JWT secret); their paths are in `files`. */
  files?: Record<string, string>;
}

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  /** The tokens file (rewrite it and send SIGHUP to reload). */
  tokensPath: string;
  /** Paths of `options.files`, by name. */
  files: Record<string, string>;
  /** Everything the server printed on stdout (the request log) and stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  readonly process: ChildProcess;
  /** SIGKILL and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Send SIGTERM (once; a second SIGTERM makes the server exit at once with 1) without waiting. */
  term(): void;
  /** SIGTERM (unless `term` sent it) and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** A new process over the same data directory and tokens (call after kill or stop); `samePort`: on this one's port, so clients find it. */
  restart(extraArgs?: string[], options?: { samePort?: boolean }): Promise<ServerProcess>;
  /** Remove the temp dirs this helper made (after the process is gone). */
  cleanup(): void;
  /** Every op the server holds for a session (pulled with `token`). */
  allOps(session: string, token: string): Promise<OpEntry[]>;
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const confDir = mkdtempSync(join(tmpdir(), 'muse-serve-conf-'));
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'muse-serve-data-'));
  const tokensPath = join(confDir, 'tokens.json');
  writeFileSync(tokensPath, JSON.stringify(options.tokens ?? { 'test-token-rw-all': { sessions: ['*'], scope: 'rw' } }));
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync((files[name] = join(confDir, name)), text);
  const made = options.dataDir ? [confDir] : [confDir, dataDir];
  const args = typeof options.args === 'function' ? options.args(files) : (options.args ?? []);
  const launch = (extra: string[], port = 0) => spawnServer(['--data', dataDir, '--port', String(port), '--tokens', tokensPath, ...args, ...extra], {
    dataDir,
    tokensPath,
    files,
    relaunch: launch,
    cleanup: () => made.forEach((d) => rmSync(d, { recursive: true, force: true })),
  });
  return launch([]);
}

interface Context {
  dataDir: string;
  tokensPath: string;
  files: Record<string, string>;
  relaunch(extra: string[], port?: number): Promise<ServerProcess>;
  cleanup(): void;
}

function spawnServer(args: string[], ctx: Context): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli.ts'), 'serve', ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let termed = false;
  const term = () => {
    if (termed || child.exitCode !== null || child.signalCode !== null) return;
    termed = true;
    child.kill('SIGTERM');
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr += d));
  return new Promise<ServerProcess>((resolvePromise, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 20 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening\nstderr: ${stderr}`));
    });
    child.stdout!.on('data', (d: string) => {
      stdout += d;
      const m = /^listening on (http:\/\/\S+)$/m.exec(stdout);
      if (!m || started) return;
      started = true;
      clearTimeout(timer);
      const url = m[1]!;
      resolvePromise({
        url,
        port: Number(new URL(url).port),
        dataDir: ctx.dataDir,
        tokensPath: ctx.tokensPath,
        files: ctx.files,
        get stdout() {
          return stdout;
        },
        get stderr() {
          return stderr;
        },
        process: child,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        term,
        async stop() {
          term();
          return exited;
        },
        restart: (extra = [], options = {}) => ctx.relaunch(extra, options.samePort ? Number(new URL(url).port) : 0),
        cleanup: ctx.cleanup,
        allOps: async (session, token) => (await pullAll(url, session, token)).ops,
      });
    });
  });
}
