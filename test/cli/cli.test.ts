/** The muse-oplog command, spawned as a user runs it (through tsx, from src/cli.ts). */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/core/entry.js';

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

  it('verify caps each list at 20 and prints the true totals, heads sorted', () => {
    const root = fixtureRoot();
    mkdirSync(join(root, '.muse', 'op_log', 'many'));
    const hex = (i: number) => i.toString(16).padStart(64, 'f');
    const roots = Array.from({ length: 25 }, (_, i) => makeOpEntry('a', 'midi', { op: 'insert', n: i }, i + 1));
    const orphans = Array.from({ length: 21 }, (_, i) => makeOpEntry('b', 'midi', { op: 'insert', n: i }, 100 + i, { parentOpIds: [hex(i)] }));
    const lines = [...roots, ...orphans, ...roots.slice(0, 23)].map((e) => JSON.stringify(e));
    for (let i = 0; i < 22; i++) lines.push(`{"damaged": ${i}`);
    writeFileSync(opsOf(root, 'many'), lines.map((l) => `${l}\n`).join(''));
    const heads = [...roots, ...orphans].map((e) => e.op_id).sort();

    const r = cli('verify', root, 'many');
    expect(r.status).toBe(1);
    const block = (label: string) => {
      const at = r.stdout.split('\n').findIndex((l) => l.startsWith(`${label}: `));
      const rest = r.stdout.split('\n').slice(at + 1);
      return { head: r.stdout.split('\n')[at], items: rest.slice(0, rest.findIndex((l) => !l.startsWith('  '))) };
    };
    expect(block('damaged lines')).toEqual({ head: 'damaged lines: 22', items: [...Array.from({ length: 20 }, (_, i) => expect.stringMatching(new RegExp(`^  line ${70 + i}: `))), '  … 2 more'] });
    expect(block('dangling parent links')).toEqual({ head: 'dangling parent links: 21', items: [...orphans.slice(0, 20).map((_, i) => `  line ${26 + i}: parent ${hex(i)} is not in the log`), '  … 1 more'] });
    expect(block('duplicate ops')).toEqual({ head: 'duplicate ops: 23', items: [...roots.slice(0, 20).map((e, i) => `  line ${47 + i}: op ${e.op_id} already at line ${i + 1}`), '  … 3 more'] });
    expect(block('heads')).toEqual({ head: 'heads: 46', items: [...heads.slice(0, 20).map((h) => `  ${h}`), '  … 26 more'] });

    const json = JSON.parse(cli('verify', root, 'many', '--json').stdout);
    expect(json).toMatchObject({ ok: false, validOps: 69, damagedLines: 22, danglingParentLinks: 21, duplicateOps: 23, headCount: 46, heads: heads.slice(0, 20) });
    expect([json.damaged.length, json.danglingParents.length, json.duplicates.length]).toEqual([20, 20, 20]);
  });

  it('help and version print to stdout and exit 0', () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v', 'version']) expect(cli(flag)).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    for (const flag of ['help', '--help', '-h']) {
      const r = cli(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage:\n  muse-oplog sessions DIR/);
      expect(r.stdout).toContain('exit status: 0 ok, 1 damage found');
      expect(r.stderr).toBe('');
    }
  });

  it('a directory that does not exist is an error with a message and exit 2', () => {
    const root = fixtureRoot();
    const gone = join(root, 'no-such-dir');
    for (const args of [['sessions', gone], ['verify', gone, 'ours-v1'], ['export', gone, 'ours-v1']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`muse-oplog: no such directory: ${gone}\n`);
      expect(r.stdout).toBe('');
    }
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    expect(cli('sessions', file)).toMatchObject({ status: 2, stderr: `muse-oplog: no such directory: ${file}\n` });
    // A directory without an op log has no sessions: nothing listed, said on stderr, not an error.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(cli('sessions', empty)).toEqual({ status: 0, stdout: '', stderr: `muse-oplog: no op log in ${empty} (no .muse/op_log)\n` });
  });

  it('exits 2 with usage on bad arguments or an unknown session', () => {
    const root = fixtureRoot();
    const none = cli();
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('usage:');
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
