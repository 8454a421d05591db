import { OpLog } from '../../src/core/log.js';
import { NodeFsAdapter } from '../../src/storage/node-fs/index.js';
async function main() {
  const a = new NodeFsAdapter('.bench-tmp/sync-session-1000000', { durability: 'os' });
  let t = performance.now(); const c0 = process.cpuUsage();
  const log = await OpLog.open(a, 'bench');
  console.log('open', performance.now() - t);
  t = performance.now();
  await log.has('0'.repeat(64));
  const c1 = process.cpuUsage(c0);
  console.log('index', performance.now() - t, 'cpu', (c1.user + c1.system) / 1000);
  await log.close(); await a.close();
}
await main();
