/**
 * Scripts that bench:sync starts as processes run as plain JavaScript, as a
 * library user runs them: bundled by esbuild (which tsx and vite bring) into
 * .bench-tmp/, packages left external. When esbuild is missing they run
 * under tsx instead (slower to start, and with its loader in their RSS).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder up from this file (or its bundle in .bench-tmp/) holding package.json. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
const OUT_DIR = join(REPO_ROOT, '.bench-tmp');
const built = new Map<string, Promise<string[]>>();

/** Node arguments that run the TypeScript file `entry` (a path from the repository root), bundling it once per process. */
export function nodeArgsFor(entry: string): Promise<string[]> {
  let args = built.get(entry);
  if (!args) {
    args = bundle(entry);
    built.set(entry, args);
  }
  return args;
}

async function bundle(entry: string): Promise<string[]> {
  const source = join(REPO_ROOT, entry);
  const outfile = join(OUT_DIR, `bench-sync-${entry.replace(/[^A-Za-z0-9]+/g, '-').replace(/-ts$/, '')}.mjs`);
  try {
    const { build } = await import('esbuild');
    await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, packages: 'external', logLevel: 'error' });
    return [outfile];
  } catch (err) {
    process.stderr.write(`bench:sync: cannot bundle ${entry} (${(err as Error).message}); it runs under tsx\n`);
    return ['--import', 'tsx', source];
  }
}

function findRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error(`bench:sync: no package.json above ${from}`);
  }
}
