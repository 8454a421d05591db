/**
 * Both directions against the Python reference (../shared/reference, loaded
 * through seed.py's load_op_log): it reads the logs NodeFsAdapter writes, and
 * we open the logs it writes, including one it extended after we wrote it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../../src/core/entry.js';
import { CorruptRecordError } from '../../../src/core/errors.js';
import { OpLog } from '../../../src/core/log.js';
import type { OpEntry } from '../../../src/core/types.js';
import { NodeFsAdapter } from '../../../src/storage/node-fs/index.js';
import { referenceSkipReason, referenceTitle, runReference } from '../../helpers/reference.js';

const roots: string[] = [];
const adapters: NodeFsAdapter[] = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'muse-interop-'));
  roots.push(d);
  return d;
}
function adapter(root: string): NodeFsAdapter {
  const a = new NodeFsAdapter(root, { indexStride: 4 });
  adapters.push(a);
  return a;
}
afterEach(async () => {
  for (const a of adapters.splice(0)) await a.close();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

interface ReferenceView {
  sessions: string[];
  logs: Record<string, { entries: OpEntry[]; checkpoint: unknown; next_ts: number }>;
}

/** What the reference sees under `root`: list_sessions, and per session read_all, read_checkpoint, next_lamport_ts. */
function referenceRead(root: string): ReferenceView {
  return JSON.parse(
    runReference(`
import pathlib
root = pathlib.Path(${JSON.stringify(root)})
out = {"sessions": m.list_sessions(root), "logs": {}}
for s in out["sessions"]:
    log = m.OpLog(root, s)
    out["logs"][s] = {"entries": log.read_all(), "checkpoint": log.read_checkpoint(), "next_ts": log.next_lamport_ts()}
print(json.dumps(out))
`),
  ) as ReferenceView;
}

/** The reference appends `n` ops to `session` (parent: the log's last op) and optionally checkpoints. */
function referenceWrite(root: string, session: string, n: number, actor: string, checkpoint?: string): void {
  runReference(`
import pathlib
log = m.OpLog(pathlib.Path(${JSON.stringify(root)}), ${JSON.stringify(session)})
existing = log.read_all()
prev = [existing[-1]["op_id"]] if existing else []
for i in range(${n}):
    op = {"op": "insert", "address": f"note:{i}", "position": i, "content_id": f"c{i}", "content_summary": f"é ♪ {i}"}
    e = m.make_op_entry(${JSON.stringify(actor)}, "midi", op, log.next_lamport_ts(), parent_op_ids=prev)
    log.append(e)
    prev = [e["op_id"]]
${checkpoint ? `log.checkpoint(${JSON.stringify(checkpoint)})` : ''}
`);
}

function ourEntries(n: number, actor: string, firstTs = 1): OpEntry[] {
  const out: OpEntry[] = [];
  for (let i = 0; i < n; i++) {
    const parents = i === 0 ? [] : [out[i - 1]!.op_id];
    out.push(
      makeOpEntry(actor, i % 3 === 2 ? 'code' : 'midi', { op: 'insert', address: `n:${i}`, position: i, content_id: `id-${i}`, content_summary: `日本 🎹 "${i}"` }, firstTs + i, { parentOpIds: parents }),
    );
  }
  return out;
}

describe.skipIf(referenceSkipReason)(referenceTitle('interop with the Python reference'), () => {
  it('the reference reads logs we write: same entries, checkpoint and session list', async () => {
    const root = tempRoot();
    const a = adapter(root);
    const alpha = await OpLog.open(a, 'alpha');
    const es = ourEntries(12, 'ts-writer');
    await alpha.appendBatch(es.slice(0, 9));
    const ckpt = await alpha.checkpoint('snap-a');
    await alpha.appendBatch(es.slice(9));
    await alpha.close();
    const beta = await OpLog.open(a, 'béta 🎹');
    await beta.append(ourEntries(1, 'other')[0]!);
    await beta.close();
    await (await OpLog.open(a, 'ghost')).close(); // opened, never written

    const seen = referenceRead(root);
    expect(seen.sessions).toEqual(await a.listSessions());
    expect(seen.sessions).toEqual(['alpha', 'béta 🎹']);
    expect(seen.logs.alpha!.entries).toEqual(es);
    expect(seen.logs.alpha!.checkpoint).toEqual(ckpt);
    expect(seen.logs.alpha!.next_ts).toBe(13);
    expect(seen.logs['béta 🎹']!.entries).toHaveLength(1);
  });

  it('we read logs the reference writes, verify their op ids and continue their clock', async () => {
    const root = tempRoot();
    referenceWrite(root, 'py', 20, 'bob', 'snap-py');
    referenceWrite(root, 'py', 3, 'bob');
    const theirs = referenceRead(root).logs.py!;
    const a = adapter(root);
    expect(await a.listSessions()).toEqual(['py']);
    const log = await OpLog.open(a, 'py', { verifyReads: true });
    expect(await log.readAll()).toEqual(theirs.entries);
    expect(await log.readCheckpoint()).toEqual(theirs.checkpoint);
    expect(await log.replaySinceCheckpoint()).toEqual(theirs.entries.slice(20));
    expect(log.nextLamportTs()).toBe(24);
    const mine = makeOpEntry('ts', 'midi', { op: 'insert', address: 'x', position: 0, content_id: 'x', content_summary: '' }, 24, {
      parentOpIds: [theirs.entries[22]!.op_id],
    });
    await log.append(mine);
    await log.close();
    const after = referenceRead(root).logs.py!;
    expect(after.entries).toEqual([...theirs.entries, mine]);
    expect(after.next_ts).toBe(25);
  });

  it('opens a log we wrote after the reference appended to it (stale index and clock)', async () => {
    const root = tempRoot();
    const first = await OpLog.open(adapter(root), 'mix');
    await first.appendBatch(ourEntries(10, 'ts'));
    await first.close();
    referenceWrite(root, 'mix', 7, 'py'); // lines our sidecars do not know about
    const theirs = referenceRead(root).logs.mix!;
    expect(theirs.entries).toHaveLength(17);
    const log = await OpLog.open(adapter(root), 'mix');
    expect(log.length).toBe(17);
    expect(log.highestLamportTs).toBe(17);
    expect(await log.readAll()).toEqual(theirs.entries);
    expect(log.nextLamportTs()).toBe(18);
    await log.close();
  });

  it('refuses a reference-written line whose op id does not match its content, naming the line', async () => {
    const root = tempRoot();
    referenceWrite(root, 'bad', 4, 'py');
    const ops = join(root, '.muse', 'op_log', 'bad', 'ops.jsonl');
    const lines = readFileSync(ops, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"position": 1', '"position": 100').replace('"position":1', '"position":100');
    writeFileSync(ops, lines.join('\n'));
    const err = await OpLog.open(adapter(root), 'bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect(err).toMatchObject({ line: 2 });
  });
});
