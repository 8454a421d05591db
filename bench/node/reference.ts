/** The reference's own benchmark (`bench_seed.py --ops N`), spawned when python3 and ../shared/reference are there. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './workload.js';

export const REFERENCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'reference');

// Runs bench_seed.py unchanged and reports the interpreter's peak RSS on stderr.
const WRAPPER = `
import resource, runpy, sys
ref = sys.argv[1]
sys.path.insert(0, ref)
sys.argv = [ref + "/bench_seed.py"] + sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
print("peak_rss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
`;

export function referenceAvailable(): boolean {
  return existsSync(join(REFERENCE_DIR, 'bench_seed.py')) && spawnSync('python3', ['--version']).status === 0;
}

export function runReference(ops: number, tail: number, dir: string): BenchResult {
  const run = spawnSync('python3', ['-c', WRAPPER, REFERENCE_DIR, '--ops', String(ops), '--tail', String(tail), '--dir', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`bench_seed.py failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as BenchResult;
  const rss = /peak_rss_kb (\d+)/.exec(run.stderr);
  if (rss) result.peak_rss_mb = Math.round((Number(rss[1]) / 1024) * 10) / 10;
  result.impl = 'reference (python, no fsync, one at a time)';
  return result;
}
