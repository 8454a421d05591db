/**
 * A real sync server process on loopback (the package's own CLI:
 * `muse-oplog serve --port 0 --data DIR --tokens FILE`), for the client's
 * integration tests. SIGKILL and restart on the same data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

export interface TokenGrant {
  sessions: string[];
  actors?: string[];
  scope?: 'r' | 'rw';
}

export class ServerProcess {
  url = '';
  private child: ChildProcess | undefined;
  output = '';

  private constructor(
    readonly dir: string,
    readonly tokensFile: string,
  ) {}

  static async start(tokens: Record<string, TokenGrant>): Promise<ServerProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'muse-sync-client-'));
    const tokensFile = join(dir, 'tokens.json');
    await writeFile(tokensFile, JSON.stringify(tokens));
    const server = new ServerProcess(dir, tokensFile);
    await server.launch();
    return server;
  }

  /** Start (again) on the same data directory and tokens file: on the same port as before, so clients find it. */
  async launch(): Promise<void> {
    const port = this.url ? new URL(this.url).port : '0';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli.ts'), 'serve', '--port', port, '--data', join(this.dir, 'data'), '--tokens', this.tokensFile],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.url = await new Promise<string>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        const m = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(this.output);
        if (m) {
          clearTimeout(timer);
          resolvePort(`http://127.0.0.1:${m[1]}`);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before listening:\n${this.output}`));
      });
    });
  }

  /** Pull every op the server holds for a session (as a reader with `token`). */
  async allOps(session: string, token: string): Promise<{ op_id: string }[]> {
    const ops: { op_id: string }[] = [];
    for (let after = 0; ; ) {
      const res = await fetch(`${this.url}/v1/sessions/${encodeURIComponent(session)}/ops?after=${after}&limit=5000`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`pull: HTTP ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { ops: { op_id: string }[]; cursor: number; head: number };
      ops.push(...body.ops);
      after = body.cursor;
      if (body.cursor >= body.head) return ops;
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((done) => {
      child.once('exit', () => done());
      child.kill(signal);
    });
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM');
    await rm(this.dir, { recursive: true, force: true });
  }
}
