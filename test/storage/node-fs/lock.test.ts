import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { makeOpEntry, OpLog, SessionLockedError, StorageError } from '../../../src/index.js';
import { NodeFsAdapter } from '../../../src/node.js';
import { libraryBundle } from '../../helpers/bundle.js';

const dirs: string[] = [];
const cleanup: Array<() => Promise<unknown> | unknown> = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'muse-lock-test-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sessionDir = (root: string, s: string) => join(root, '.muse', 'op_log', s);
const lockPath = (root: string, s: string) => join(sessionDir(root, s), 'ops.lock');
const op = (i: number) => makeOpEntry('a', 'midi', { op: 'insert', i }, i + 1);

/** A pid that is not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((ok) => child.once('exit', ok));
  return child.pid!;
}

function writeStaleLock(root: string, s: string, pid: number): void {
  mkdirSync(sessionDir(root, s), { recursive: true });
  writeFileSync(lockPath(root, s), JSON.stringify({ pid, hostname: hostname(), since: '2020-01-01T00:00:00.000Z' }));
}

describe('NodeFsAdapter lock: one writer whatever the path spelling', () => {
  it('refuses a second OpLog reaching the session through a relative path or a symlink', async () => {
    const root = tempRoot();
    const link = join(tempRoot(), 'link');
    symlinkSync(root, link);
    const first = await OpLog.open(new NodeFsAdapter(root), 's');
    cleanup.push(() => first.close());
    for (const spelling of [relative(process.cwd(), root), link, `${root}/./`]) {
      const err = await OpLog.open(new NodeFsAdapter(spelling), 's').catch((e: unknown) => e);
      expect(err, spelling).toBeInstanceOf(SessionLockedError);
      expect((err as Error).message).toContain('held by this thread');
    }
    // The holder still works, and nothing else wrote.
    await first.append(op(1));
    expect(first.length).toBe(1);
  });

  it('a failed open leaves no lock behind', async () => {
    const root = tempRoot();
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const err = await OpLog.open(new NodeFsAdapter(file), 's').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(((err as StorageError).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    // A folder where clock.json belongs: typed error, and the lock is released.
    mkdirSync(join(sessionDir(root, 'c'), 'clock.json'), { recursive: true });
    const err2 = await OpLog.open(new NodeFsAdapter(root), 'c').catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(StorageError);
    expect(((err2 as StorageError).cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(existsSync(lockPath(root, 'c'))).toBe(false);
  });
});

/** Worker thread (its own copy of the library): on each `open S` message tries to open S and holds it until `release`. */
const WORKER = `
  import { parentPort, workerData } from 'node:worker_threads';
  const { NodeFsAdapter, OpLog } = await import(workerData.bundle);
  let log;
  parentPort.on('message', async (line) => {
    const [cmd, session] = line.split(' ');
    if (cmd === 'open') {
      try {
        log = await OpLog.open(new NodeFsAdapter(workerData.root), session);
        parentPort.postMessage({ won: true });
      } catch (err) {
        parentPort.postMessage({ won: false, code: err.code, message: err.message });
      }
    } else {
      await log?.close();
      log = undefined;
      parentPort.postMessage({ released: true });
    }
  });
  parentPort.postMessage({ ready: true });
`;

async function startWorker(root: string): Promise<Worker> {
  const w = new Worker(WORKER, { eval: true, workerData: { bundle: libraryBundle(), root } });
  cleanup.push(() => w.terminate());
  await nextMessage(w);
  return w;
}
const nextMessage = (w: Worker) => new Promise<Record<string, unknown>>((ok) => w.once('message', ok));
const ask = (w: Worker, line: string) => {
  const reply = nextMessage(w);
  w.postMessage(line);
  return reply;
};

describe('NodeFsAdapter lock: threads', () => {
  it('refuses a worker thread (same pid, its own copy of the library) while the main thread holds the session', async () => {
    const root = tempRoot();
    const log = await OpLog.open(new NodeFsAdapter(root), 's');
    cleanup.push(() => log.close());
    const reply = await ask(await startWorker(root), 'open s');
    expect(reply).toMatchObject({ won: false, code: 'SESSION_LOCKED' });
    expect(reply.message).toContain('thread 0 of this process');
  });

  it("exactly one of 6 worker threads takes over a dead process's lock (16 trials)", async () => {
    const root = tempRoot();
    const pid = await deadPid();
    const workers = await Promise.all(Array.from({ length: 6 }, () => startWorker(root)));
    for (let trial = 0; trial < 16; trial++) {
      const session = `t${trial}`;
      writeStaleLock(root, session, pid);
      const results = await Promise.all(workers.map((w) => ask(w, `open ${session}`)));
      expect(results.filter((r) => r.won).length, `trial ${trial}`).toBe(1);
      expect(results.filter((r) => !r.won).every((r) => r.code === 'SESSION_LOCKED')).toBe(true);
      await Promise.all(workers.map((w) => ask(w, 'release')));
    }
  });
});

/** Child process: on each `open S` line, tries to open session S and holds it until `release`. */
const CHILD = `
  import { createInterface } from 'node:readline';
  const { NodeFsAdapter, OpLog } = await import(process.argv[2]);
  const root = process.argv[3];
  let log;
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, session] = line.split(' ');
    if (cmd === 'open') {
      try {
        log = await OpLog.open(new NodeFsAdapter(root), session);
        console.log(JSON.stringify({ won: true }));
      } catch (err) {
        console.log(JSON.stringify({ won: false, code: err.code }));
      }
    } else if (cmd === 'release') {
      await log?.close();
      log = undefined;
      console.log(JSON.stringify({ released: true }));
    }
  }
`;

class Contender {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  readonly child: ChildProcess;
  constructor(root: string, script: string) {
    this.child = spawn(process.execPath, [script, libraryBundle(), root], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buffer = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(line);
        } else this.lines.push(line);
      }
    });
  }
  send(line: string): Promise<Record<string, unknown>> {
    const reply = new Promise<string>((ok) => {
      const queued = this.lines.shift();
      if (queued !== undefined) ok(queued);
      else this.waiting = ok;
    });
    this.child.stdin!.write(`${line}\n`);
    return reply.then((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

describe('NodeFsAdapter lock: processes', () => {
  it('exactly one of 6 processes takes over a dead process\'s lock (16 trials)', async () => {
    const root = tempRoot();
    const script = join(root, 'contender.mjs');
    writeFileSync(script, CHILD);
    const contenders = Array.from({ length: 6 }, () => new Contender(root, script));
    cleanup.push(() => contenders.forEach((c) => c.child.kill('SIGKILL')));
    const pid = await deadPid();
    for (let trial = 0; trial < 16; trial++) {
      const session = `p${trial}`;
      writeStaleLock(root, session, pid);
      const results = await Promise.all(contenders.map((c) => c.send(`open ${session}`)));
      expect(results.filter((r) => r.won).length, `trial ${trial}`).toBe(1);
      expect(results.filter((r) => !r.won).every((r) => r.code === 'SESSION_LOCKED')).toBe(true);
      await Promise.all(contenders.map((c) => c.send('release')));
      // Nothing left behind but the session's files.
      expect(readdirSync(sessionDir(root, session)).filter((n) => n.startsWith('ops.lock'))).toEqual([]);
    }
  });
});

describe('NodeFsAdapter lock: breaking a lock whose pid was reused', () => {
  it('a live unrelated pid keeps the lock; breakLock (and `muse-oplog unlock`) removes it', async () => {
    const root = tempRoot();
    // Our parent is alive and is not a writer: as a dead writer's pid reused by another program.
    for (const s of ['a', 'b']) {
      writeStaleLock(root, s, process.ppid);
      writeFileSync(join(sessionDir(root, s), 'ops.jsonl'), '');
    }
    const adapter = new NodeFsAdapter(root);
    await expect(adapter.openSession('a')).rejects.toMatchObject({ code: 'SESSION_LOCKED' });
    expect(await adapter.breakLock('a')).toMatchObject({ pid: process.ppid });
    await (await adapter.openSession('a')).close();
    expect(await adapter.breakLock('a')).toBeUndefined();

    const out: string[] = [];
    const code = await main(['unlock', root, 'b'], { out: (d) => void out.push(String(d)), err: (t) => void out.push(t) });
    expect(code).toBe(0);
    expect(out.join('')).toContain(`removed the lock held by pid ${process.ppid}`);
    expect(existsSync(lockPath(root, 'b'))).toBe(false);
    await (await adapter.openSession('b')).close();
  });

  it('the lock file holds pid, thread, host and a nonce, and goes away on close', async () => {
    const root = tempRoot();
    const s = await new NodeFsAdapter(root).openSession('s');
    const owner = JSON.parse(readFileSync(lockPath(root, 's'), 'utf8')) as Record<string, unknown>;
    expect(owner).toMatchObject({ pid: process.pid, thread: 0, hostname: hostname() });
    expect(owner.nonce).toMatch(/^[0-9a-f]{24}$/);
    await s.close();
    expect(existsSync(lockPath(root, 's'))).toBe(false);
  });
});
