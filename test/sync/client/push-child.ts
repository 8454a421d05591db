/**
 * A client process for the crash test: opens a log in DIR, syncs it to URL
 * with its progress in DIR/sync-state.json, and appends ops one by one
 * forever. After each status change it prints `pushed <n>` when every record
 * under position n is acknowledged by the server. The test SIGKILLs it.
 *
 *   node --import tsx push-child.ts DIR URL TOKEN SESSION ACTOR
 */
import { FileStateStore, NodeFsAdapter, OpLog, SyncClient } from '../../../src/node.js';
import { edit } from './helpers.js';

const [dir, url, token, session, actor] = process.argv.slice(2) as [string, string, string, string, string];
const log = await OpLog.open(new NodeFsAdapter(dir), session);
const state = new FileStateStore(`${dir}/sync-state.json`);
const client = new SyncClient(log, { url, token, stateStore: state, pushDelayMs: 1 });
let last = -1;
client.on('status', (s) => {
  // pending counts the records not known to be on the server; with only local ops, length - pending is acknowledged.
  const acked = log.length - s.pending;
  if (acked !== last) {
    last = acked;
    process.stdout.write(`pushed ${acked}\n`);
  }
});
await client.start();
for (;;) {
  await edit(log, actor, 5);
  await new Promise((r) => setTimeout(r, 2));
}
