import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Muse's Python reference. `MUSE_REFERENCE_DIR` names it and makes it required (`.ci/run` sets it to
 * `../shared/reference`): the tests that run it then fail when it is missing. Without the variable they
 * look beside the repository (`../shared/reference`) and, when it is not there, do not run and say why.
 */
const fromEnv = process.env.MUSE_REFERENCE_DIR;
export const referenceDir = resolve(fromEnv || resolve(import.meta.dirname, '../../../shared/reference'));
const present = existsSync(resolve(referenceDir, 'seed.py'));

/** Why the reference tests do not run here, or undefined when they run. */
export const referenceSkipReason: string | undefined =
  present || fromEnv ? undefined : `skipped: the Python reference is missing at ${referenceDir} (set MUSE_REFERENCE_DIR to run these tests)`;

if (referenceSkipReason) console.warn(`[muse-oplog tests] ${referenceSkipReason}`);

/** A test name that says, when the reference tests do not run, that they did not and why. */
export function referenceTitle(title: string): string {
  return referenceSkipReason ? `${title} (${referenceSkipReason})` : title;
}

/** Run a Python snippet with the reference's `op_log` module loaded as `m`; stdin in, stdout out. */
export function runReference(code: string, stdin = ''): string {
  if (!present) {
    throw new Error(`the Python reference is missing at ${referenceDir}${fromEnv ? ' (MUSE_REFERENCE_DIR requires it)' : ''}`);
  }
  const prelude = `import sys, json; sys.path.insert(0, ${JSON.stringify(referenceDir)})\nfrom seed import load_op_log\nm = load_op_log()\n`;
  const run = spawnSync('python3', ['-c', prelude + code], { input: stdin, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.error?.message ?? run.stderr}`);
  return run.stdout;
}
