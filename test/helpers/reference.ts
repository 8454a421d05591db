import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Muse's Python reference, beside the repository (`../shared/reference`), as in CI. */
export const referenceDir = resolve(import.meta.dirname, '../../../shared/reference');

/** Run a Python snippet with the reference's `op_log` module loaded as `m`; stdin in, stdout out. */
export function runReference(code: string, stdin = ''): string {
  if (!existsSync(resolve(referenceDir, 'seed.py'))) {
    throw new Error(`the Python reference is missing at ${referenceDir}`);
  }
  const prelude = `import sys, json; sys.path.insert(0, ${JSON.stringify(referenceDir)})\nfrom seed import load_op_log\nm = load_op_log()\n`;
  const run = spawnSync('python3', ['-c', prelude + code], { input: stdin, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}
