/** `muse-oplog serve` refuses bad command lines and bad token files before listening (exit 2, a clear message). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../../src/index.js';
import { startServerProcess } from '../../helpers/sync-server.js';

const repo = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'muse-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function serve(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli.ts'), 'serve', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('muse-oplog serve: refused command lines', () => {
  it('exits 2 with a message, and never starts listening', () => {
    const good = join(dir, 'tokens.json');
    writeFileSync(good, JSON.stringify({ 'a-good-token': { sessions: ['*'] } }));
    const bad = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: [string[], RegExp][] = [
      [['--tokens', good], /--data DIR is required/],
      [['--data', dir], /--tokens FILE/],
      [['--data', dir, '--tokens', good, '--port', 'x'], /--port must be an integer/],
      [['--data', dir, '--tokens', good, '--max-ops', '0'], /--max-ops must be an integer ≥ 1/],
      [['--data', dir, '--tokens', good, '--durability', 'maybe'], /--durability must be fsync or os/],
      [['--data', dir, '--tokens', good, '--compress', 'yes'], /--compress must be on or off/],
      [['--data', dir, '--tokens', good, '--bogus'], /Unknown option '--bogus'/],
      [['--data', dir, '--tokens', bad('t1.json', '{ nope')], /tokens file .*not JSON/],
      [['--data', dir, '--tokens', bad('t2.json', '{"short": {"sessions": ["*"]}}')], /at least 8 characters/],
      [['--data', dir, '--tokens', bad('t3.json', '{"long-enough-token": {"sessions": "jam"}}')], /sessions: must be an array of strings/],
      [['--data', dir, '--tokens', bad('t4.json', '{"long-enough-token": {"sessions": ["*"], "scope": "admin"}}')], /scope: must be "r" or "rw"/],
      [['--data', dir, '--jwt-secret', bad('short-secret', 'too short')], /at least 32 bytes/],
      [['--data', dir, '--tokens', join(dir, 'missing.json')], /ENOENT/],
    ];
    for (const [args, message] of cases) {
      const r = serve(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/listening on/);
    }
  }, 120_000);
});

describe('muse-oplog serve --compress', () => {
  it('compresses pulls by default and sends them as they are with --compress off', async () => {
    const token = 'a-long-enough-token';
    const ops = Array.from({ length: 50 }, (_, i) =>
      makeOpEntry('alice', 'midi', { op: 'insert', address: `note:${i}`, position: i, content_id: `c${i}`, content_summary: `note ${i}` }, i + 1),
    );
    const encodings: (string | null)[] = [];
    for (const args of [[], ['--compress', 'off']]) {
      const server = await startServerProcess({ tokens: { [token]: { sessions: ['*'] } }, args });
      try {
        const base = `${server.url}/v1/sessions/jam/ops`;
        const auth = { Authorization: `Bearer ${token}` };
        const push = await fetch(base, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ ops }) });
        expect(push.status).toBe(200);
        const pull = await fetch(`${base}?after=0`, { headers: { ...auth, 'Accept-Encoding': 'br, gzip' } });
        expect(pull.status).toBe(200);
        encodings.push(pull.headers.get('content-encoding'));
        const body = (await pull.json()) as { ops: { op_id: string }[] };
        expect(body.ops.map((o) => o.op_id)).toEqual(ops.map((o) => o.op_id));
      } finally {
        await server.stop();
        server.cleanup();
      }
    }
    expect(encodings).toEqual(['br', null]);
  }, 60_000);
});
