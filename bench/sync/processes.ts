/** Start and stop the server processes a row measures against. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  child: ChildProcess;
  /** What the process printed to announce it is listening (parsed by `ready`). */
  port: number;
  stop(): Promise<void>;
}

/** Processes started here and still running: a row killed for taking too long (SIGTERM) ends them first. */
const running = new Set<ChildProcess>();
process.once('SIGTERM', () => {
  for (const child of running) child.kill('SIGKILL');
  process.exit(143);
});

/**
 * Spawn `node ...args` and wait until `ready` finds the port in a line of its
 * stdout or stderr. Its other output goes to our stderr only when it fails.
 */
export async function startProcess(
  args: string[],
  ready: (line: string) => number | undefined,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; name: string },
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.name} did not start in ${opts.timeoutMs ?? 30_000} ms:\n${output.join('\n')}`)), opts.timeoutMs ?? 30_000);
    const onLine = (line: string) => {
      if (output.length < 200) output.push(line);
      const p = ready(line);
      if (p !== undefined) {
        clearTimeout(timer);
        resolve(p);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited (${code ?? signal}) before listening:\n${output.join('\n')}`));
    });
  });
  // Keep draining its output so a chatty server (a log line per request) never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Poll `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000, everyMs = 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3; utime and stime are fields 14 and 15 (clock ticks, 100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** This process's CPU time (user + system, ms). */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
