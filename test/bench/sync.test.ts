/**
 * bench:sync works end to end at a small size (real server and Yjs processes
 * on loopback): every row asked for reports its metrics, with nothing
 * failed. Timings are not asserted here (performance goals live in the
 * benchmark's table, never in tests).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { median, percentile } from '../../bench/sync/stats.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('bench:sync statistics', () => {
  it('median of odd and even counts, and nearest-rank percentiles', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });
});

describe('bench:sync at a small size', () => {
  it('runs catch-up, incremental sync and the Yjs row, each in its own process, and reports every metric', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/sync/run.ts', '--ops', '300', '--session-ops', '500', '--runs', '1', '--only', 'catchup-file,incremental-file,yjs-catchup-4', '--json'],
      { cwd: root, encoding: 'utf8', timeout: 170_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      options: { catchupOps: number; sessionOps: number };
      rows: { id: string; runs: number; error?: string; metrics: { key: string; value: number }[] }[];
    };
    expect(out.options).toMatchObject({ catchupOps: 300, sessionOps: 500 });
    expect(out.rows.map((r) => r.id)).toEqual(['catchup-file', 'catchup-file-identity', 'incremental-file', 'yjs-catchup-4']);
    for (const row of out.rows) {
      expect(row.error, row.id).toBeUndefined();
      expect(row.runs).toBe(1);
      expect(row.metrics.length).toBeGreaterThan(0);
    }
    const metric = (id: string, key: string) => out.rows.find((r) => r.id === id)!.metrics.find((m) => m.key.startsWith(key))!.value;
    expect(metric('catchup-file', 'catch-up')).toBeGreaterThan(0);
    expect(metric('incremental-file', 'pull 10 (median')).toBeGreaterThan(0);
    expect(metric('yjs-catchup-4', 'catch-up')).toBeGreaterThan(0);
  }, 180_000);
});
