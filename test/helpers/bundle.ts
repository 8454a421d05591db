import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

let built: string | undefined;

/**
 * OpLog and NodeFsAdapter bundled into one plain ES module, for worker threads and child
 * processes to import without a TypeScript loader (each gets its own copy of
 * every module, as an app's worker would).
 */
export function libraryBundle(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'muse-bundle-')), 'muse-oplog-node.mjs');
  buildSync({
    stdin: {
      contents: `export { OpLog } from './src/core/log.js'; export { NodeFsAdapter } from './src/storage/node-fs/index.js';`,
      resolveDir: resolve('.'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'silent',
  });
  built = out;
  return out;
}
