#!/usr/bin/env node
/** The `muse-oplog` command (package.json `bin`): see src/cli/main.ts. */
import { main } from './cli/main.js';

const write = (data: string | Uint8Array): Promise<void> | void => {
  if (process.stdout.write(data)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
};

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0); // reader went away (e.g. `| head`)
  throw err;
});

process.exitCode = await main(process.argv.slice(2), { out: write, err: (t) => process.stderr.write(t) });
