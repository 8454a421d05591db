// `muse-oplog serve --store postgres://…` as real processes on loopback, for the multi-server tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '../../../..');
export const TOKEN = 'pg-test-token';

/** A tokens file granting TOKEN every session, read-write. */
export function tokensFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'muse-pg-tokens-'));
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ [TOKEN]: { sessions: ['*'], scope: 'rw' } }));
  return file;
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed. */
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), 'serve', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output.join('\n')}`)), 30_000);
    const onLine = (line: string) => {
      output.push(line);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url,
    child,
    output,
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill(signal);
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export const auth = { Authorization: `Bearer ${TOKEN}` };

export async function push(base: string, session: string, ops: unknown[]): Promise<Response> {
  return fetch(`${base}/v1/sessions/${encodeURIComponent(session)}/ops`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ops }),
  });
}

export interface Pulled {
  ops: { op_id: string }[];
  after: number;
  cursor: number;
  head: number;
}

export async function pull(base: string, session: string, after: number, limit: number, wait = 0): Promise<Pulled> {
  const res = await fetch(
    `${base}/v1/sessions/${encodeURIComponent(session)}/ops?after=${after}&limit=${limit}${wait ? `&wait=${wait}` : ''}`,
    { headers: auth },
  );
  if (res.status !== 200) throw new Error(`pull: ${res.status} ${await res.text()}`);
  return (await res.json()) as Pulled;
}

/**
 * Read a session's event stream (SSE over fetch, as the client does); `onOps`
 * gets each event's ops and cursor. Resolves when the stream ends.
 */
export async function readEvents(
  base: string,
  session: string,
  after: number,
  onOps: (ops: { op_id: string }[], cursor: number) => void,
  signal: AbortSignal,
): Promise<{ status: number; lastId: number }> {
  const res = await fetch(`${base}/v1/sessions/${encodeURIComponent(session)}/events?after=${after}`, {
    headers: { ...auth, Accept: 'text/event-stream', 'Last-Event-ID': String(after) },
    signal,
  });
  let lastId = after;
  if (res.status !== 200 || !res.body) return { status: res.status, lastId };
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let data = '';
        let id: string | undefined;
        for (const line of block.split('\n')) {
          if (line.startsWith('data:')) data += line.slice(5).trimStart();
          else if (line.startsWith('id:')) id = line.slice(3).trim();
        }
        if (data) {
          const event = JSON.parse(data) as { ops: { op_id: string }[]; cursor: number };
          onOps(event.ops, event.cursor);
          lastId = event.cursor;
        }
        if (id !== undefined) lastId = Number(id);
      }
    }
  } catch {
    // aborted by us, or cut by the server: the caller resumes from lastId
  }
  return { status: res.status, lastId };
}
