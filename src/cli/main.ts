/**
 * muse-oplog CLI:
 *   muse-oplog sessions DIR          session ids under DIR/.muse/op_log, one per line
 *   muse-oplog verify DIR SESSION    check op ids, parent links, checkpoint; exit 1 on damage
 *   muse-oplog export DIR SESSION    the session's records as JSON lines on stdout
 * Every command is read-only: no lock is taken and nothing is repaired, so
 * it can run beside a writer and on a log a crashed writer left behind.
 * Exit codes: 0 ok, 1 damage found, 2 usage error or no such session.
 */
import { access } from 'node:fs/promises';
import { listSessions } from '../core/log.js';
import { isValidSessionId } from '../core/session-id.js';
import { NodeFsAdapter } from '../storage/node-fs/adapter.js';
import { sessionPaths } from '../storage/node-fs/paths.js';
import { scanLog } from './log-file.js';
import { SERVE_USAGE, ServeUsageError, serve } from './serve.js';
import { verifySession, type VerifyReport } from './verify.js';

const USAGE = `usage:
  muse-oplog sessions DIR
  muse-oplog verify DIR SESSION [--json]
  muse-oplog export DIR SESSION
${SERVE_USAGE}`;

class UsageError extends Error {}

export interface Io {
  out(data: string | Uint8Array): Promise<void> | void;
  err(text: string): void;
}

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
    case undefined:
    case '-h':
    case '--help':
      io.err(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function expectArgs(args: string[], n: number): string[] {
  if (args.length !== n) throw new UsageError(`expected ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  return args;
}

async function assertSession(dir: string, session: string): Promise<void> {
  if (!isValidSessionId(session)) throw new UsageError(`invalid session id ${JSON.stringify(session)}`);
  if (!(await exists(sessionPaths(dir, session).dir))) throw new Error(`no session ${JSON.stringify(session)} in ${dir}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function formatReport(r: VerifyReport): string {
  const lines = [
    `session: ${r.session}`,
    `file: ${r.path}`,
    `records: ${r.records} (${r.bytes} bytes)`,
    `valid ops: ${r.validOps}`,
    `damaged lines: ${r.damagedLines}`,
    ...r.damaged.map((d) => `  line ${d.line}: ${d.problem}`),
    `dangling parent links: ${r.danglingParents.length}`,
    ...r.danglingParents.slice(0, 20).map((d) => `  line ${d.line}: ${d.problem}`),
    `duplicate ops: ${r.duplicates.length}`,
    ...r.duplicates.map((d) => `  line ${d.line}: ${d.problem}`),
    `heads: ${r.heads.length}`,
    ...r.heads.slice(0, 10).map((h) => `  ${h}`),
    ...(r.heads.length > 10 ? [`  … ${r.heads.length - 10} more`] : []),
    `highest lamport_ts: ${r.highestLamportTs}`,
    r.checkpoint
      ? `checkpoint: snapshot ${r.checkpoint.snapshot_id}, op_count ${r.checkpoint.op_count}, lamport_ts ${r.checkpoint.lamport_ts}, created ${r.checkpoint.created_at}`
      : 'checkpoint: none',
    ...(r.checkpointProblem ? [`checkpoint damaged: ${r.checkpointProblem}`] : []),
    r.tail
      ? r.tail.verdict === 'torn'
        ? `torn tail: ${r.tail.bytes} bytes at line ${r.tail.line} (a crash mid-write; not counted, cut off when a writer next opens the session)`
        : `last line ${r.tail.line} lacks its newline (a whole record; counted, terminated when a writer next opens the session)`
      : 'torn tail: none',
    `status: ${r.ok ? 'ok' : 'DAMAGED'}`,
  ];
  return `${lines.join('\n')}\n`;
}
