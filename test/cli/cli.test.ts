/** The muse-oplog command, spawned as a user runs it (through tsx, from src/cli.ts). */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const fixtures = join(repo, 'test/fixtures/node-fs');
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** All fixture sessions side by side in one temp root. */
function fixtureRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'muse-cli-'));
  roots.push(root);
  for (const name of ['ours-v1', 'reference-v1', 'torn-tail', 'mid-damage']) cpSync(join(fixtures, name), root, { recursive: true });
  return root;
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli.ts'), ...args], { cwd: repo, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const opsOf = (root: string, s: string) => join(root, '.muse', 'op_log', s, 'ops.jsonl');

describe('muse-oplog CLI', () => {
  it('sessions DIR lists the sessions, sorted', () => {
    const r = cli('sessions', fixtureRoot());
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('mid-damage\nours-v1\nreference-v1\ntorn-tail\n');
  });

  it('verify reports counts, heads and checkpoint of a sound log and exits 0', () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8'));
    const root = fixtureRoot();
    const r = cli('verify', root, 'ours-v1');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('records: 10 (');
    expect(r.stdout).toContain('valid ops: 10\n');
    expect(r.stdout).toContain('damaged lines: 0\n');
    expect(r.stdout).toContain(`heads: 1\n  ${expected.ours.entries[9].op_id}\n`);
    expect(r.stdout).toContain('checkpoint: snapshot snap-ours-1, op_count 8, lamport_ts 8');
    expect(r.stdout).toMatch(/status: ok\n$/);
    const json = JSON.parse(cli('verify', root, 'reference-v1', '--json').stdout);
    expect(json).toMatchObject({ ok: true, records: 9, validOps: 9, highestLamportTs: 9, heads: [expected.reference.entries[8].op_id] });
  });

  it('verify exits non-zero on a damaged line and names it', () => {
    const r = cli('verify', fixtureRoot(), 'mid-damage');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('damaged lines: 1\n  line 3: op_id');
    expect(r.stdout).toContain('does not match its content');
    expect(r.stdout).toMatch(/status: DAMAGED\n$/);
  });

  it('verify exits non-zero on a parent link to an op that is not in the log', () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8'));
    const root = fixtureRoot();
    mkdirSync(join(root, '.muse', 'op_log', 'orphan'));
    const two = expected.ours.entries.slice(5, 7);
    writeFileSync(opsOf(root, 'orphan'), two.map((e: object) => `${JSON.stringify(e)}\n`).join(''));
    const r = cli('verify', root, 'orphan');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`dangling parent links: 1\n  line 1: parent ${expected.ours.entries[4].op_id} is not in the log`);
  });

  it('verify reports a torn tail without failing and without touching the file', () => {
    const root = fixtureRoot();
    const before = readFileSync(opsOf(root, 'torn-tail'));
    const r = cli('verify', root, 'torn-tail');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('records: 5 (');
    expect(r.stdout).toContain('torn tail: 57 bytes at line 6');
    expect(readFileSync(opsOf(root, 'torn-tail'))).toEqual(before);
  });

  it('export writes the complete lines as JSONL, byte for byte', () => {
    const root = fixtureRoot();
    const r = cli('export', root, 'reference-v1');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(opsOf(root, 'reference-v1'), 'utf8'));
    const torn = cli('export', root, 'torn-tail');
    expect(torn.stdout.split('\n')).toHaveLength(6);
    expect(torn.stderr).toContain('left out a torn last line');
  });

  it('exits 2 with usage on bad arguments or an unknown session', () => {
    const root = fixtureRoot();
    expect(cli().status).toBe(2);
    const bad = cli('frobnicate');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage:');
    expect(cli('verify', root).status).toBe(2);
    const missing = cli('verify', root, 'nope');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no session "nope"');
    expect(cli('export', root, '../etc').status).toBe(2);
  });
});
