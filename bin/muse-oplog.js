#!/usr/bin/env node
// The `muse-oplog` command (package.json `bin`). It runs the built CLI, dist/cli.js: `npm ci` and
// installs from git build it through `prepare`; after `npm ci --ignore-scripts`, run `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`muse-oplog: not built (${fileURLToPath(cli)} is missing): run \`npm run build\` in ${root}\n`);
  process.exitCode = 2;
}
