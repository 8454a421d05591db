/**
 * The reference tests' switch: without the Python reference they do not run and say why,
 * unless MUSE_REFERENCE_DIR (set by .ci/run) requires it; then they fail.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const clone = mkdtempSync(join(tmpdir(), 'muse-noshared-'));
// A checkout with no ../shared beside it: <clone>/repo/test/helpers/reference.ts.
mkdirSync(join(clone, 'repo/test/helpers'), { recursive: true });
cpSync(join(repo, 'test/helpers/reference.ts'), join(clone, 'repo/test/helpers/reference.ts'));
writeFileSync(join(clone, 'repo/package.json'), '{"type":"module"}');
afterAll(() => rmSync(clone, { recursive: true, force: true }));

function probe(env: Record<string, string | undefined>): { skip: string | null; title: string; run: string; stderr: string } {
  const script = `
const h = await import(${JSON.stringify(join(clone, 'repo/test/helpers/reference.ts'))});
let run;
try { run = h.runReference('print(1)'); } catch (e) { run = String(e); }
console.log(JSON.stringify({ skip: h.referenceSkipReason ?? null, title: h.referenceTitle('t'), run }));`;
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', env: childEnv });
  if (r.status !== 0) throw new Error(r.stderr);
  return { ...JSON.parse(r.stdout), stderr: r.stderr };
}

describe('the Python reference switch', () => {
  it('without ../shared and without MUSE_REFERENCE_DIR, the tests are skipped and say why', () => {
    const missing = join(clone, 'shared/reference');
    const p = probe({ MUSE_REFERENCE_DIR: undefined });
    expect(p.skip).toBe(`skipped: the Python reference is missing at ${missing} (set MUSE_REFERENCE_DIR to run these tests)`);
    expect(p.title).toBe(`t (${p.skip})`);
    expect(p.stderr).toContain(p.skip);
  });

  it('with MUSE_REFERENCE_DIR naming a missing folder, they run and fail', () => {
    const p = probe({ MUSE_REFERENCE_DIR: join(clone, 'nowhere') });
    expect(p.skip).toBeNull();
    expect(p.title).toBe('t');
    expect(p.run).toBe(`Error: the Python reference is missing at ${join(clone, 'nowhere')} (MUSE_REFERENCE_DIR requires it)`);
  });

  it.runIf(process.env.MUSE_REFERENCE_DIR)('with MUSE_REFERENCE_DIR naming the reference, they run it', () => {
    const p = probe({ MUSE_REFERENCE_DIR: process.env.MUSE_REFERENCE_DIR });
    expect(p).toMatchObject({ skip: null, run: '1\n' });
  });
});
