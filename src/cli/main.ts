/**
 * muse-oplog CLI (usage in USAGE below). Every command but unlock is read-only:
 * no lock is taken and nothing is repaired, so it can run beside a writer and
 * on a log a crashed writer left behind.
 * Exit codes: 0 ok, 1 damage found, 2 usage error, no such directory or no such session.
 */
import { stat } from 'node:fs/promises';
import { version } from '../../package.json';
import { listSessions } from '../core/log.js';
import { isValidSessionId } from '../core/session-id.js';
import { NodeFsAdapter } from '../storage/node-fs/adapter.js';
import { opLogDir, sessionPaths } from '../storage/node-fs/paths.js';
import { scanLog } from './log-file.js';
import { formatReport } from './report.js';
import { SERVE_USAGE, ServeUsageError, serve } from './serve.js';
import { verifySession } from './verify.js';
import type { Io } from './io.js';

export const USAGE = `usage:
  muse-oplog sessions DIR                 session ids under DIR/.muse/op_log, one per line
  muse-oplog verify DIR SESSION [--json]  check op ids, parent links and checkpoint; counts, heads
  muse-oplog export DIR SESSION           the session's records as JSON lines on stdout
  muse-oplog unlock DIR SESSION           remove the session's writer lock (its owner must be gone)
  muse-oplog serve --data DIR ...         the sync server (options below)
  muse-oplog help | --help | -h           this text
  muse-oplog version | --version | -v     the version
exit status: 0 ok, 1 damage found (verify), 2 usage error, no such directory or no such session
serve:
${SERVE_USAGE}`;

/** Bad arguments: reported with the usage text. */
class UsageError extends Error {}
/** The command cannot run as asked (no such directory or session): reported alone. */
class NotFoundError extends Error {}

export type { Io };

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ServeUsageError) {
      io.err(`muse-oplog: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    io.err(`muse-oplog: ${(err as Error).message}\n`);
    return 2;
  }
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest, io);
  const json = rest.includes('--json');
  const args = rest.filter((a) => a !== '--json');
  switch (command) {
    case 'sessions': {
      const [dir] = expectArgs(args, 1) as [string];
      await assertDirectory(dir);
      if (!(await isDirectory(opLogDir(dir)))) io.err(`muse-oplog: no op log in ${dir} (no .muse/op_log)\n`);
      for (const id of await listSessions(new NodeFsAdapter(dir))) await io.out(`${id}\n`);
      return 0;
    }
    case 'verify': {
      const [dir, session] = expectArgs(args, 2) as [string, string];
      await assertSession(dir, session);
      const report = await verifySession(dir, session);
      await io.out(json ? `${JSON.stringify(report)}\n` : formatReport(report));
      return report.ok ? 0 : 1;
    }
    case 'export': {
      const [dir, session] = expectArgs(args, 2) as [string, string];
      await assertSession(dir, session);
      const paths = sessionPaths(dir, session);
      if (!(await exists(paths.ops))) return 0;
      const scan = await scanLog(paths.ops, { onBytes: (bytes) => io.out(bytes) });
      if (scan.tail?.verdict === 'torn') io.err(`muse-oplog: left out a torn last line (${scan.tail.bytes} bytes at line ${scan.tail.line})\n`);
      return 0;
    }
    case 'unlock': {
      const [dir, session] = expectArgs(args, 2) as [string, string];
      await assertSession(dir, session);
      const owner = await new NodeFsAdapter(dir).breakLock(session);
      const who = owner === undefined ? 'no lock' : owner === 'unreadable' ? 'an unreadable lock' : `pid ${owner.pid} on ${owner.hostname}, since ${owner.since}`;
      await io.out(`${owner === undefined ? 'not locked' : `removed the lock held by ${who}`}\n`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      expectArgs(args, 0);
      await io.out(`${USAGE}\n`);
      return 0;
    case 'version':
    case '--version':
    case '-v':
      expectArgs(args, 0);
      await io.out(`${version}\n`);
      return 0;
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function expectArgs(args: string[], n: number): string[] {
  if (args.length !== n) throw new UsageError(`expected ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  return args;
}

async function assertDirectory(dir: string): Promise<void> {
  if (!(await isDirectory(dir))) throw new NotFoundError(`no such directory: ${dir}`);
}

async function assertSession(dir: string, session: string): Promise<void> {
  if (!isValidSessionId(session)) throw new UsageError(`invalid session id ${JSON.stringify(session)}`);
  await assertDirectory(dir);
  if (!(await isDirectory(sessionPaths(dir, session).dir))) throw new NotFoundError(`no session ${JSON.stringify(session)} in ${dir}`);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
