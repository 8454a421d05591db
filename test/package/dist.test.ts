// The published shape: `npm run build` output, imported by name from a Node program and from a Vite app.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../vite.config.js';

const root = resolve(import.meta.dirname, '../..');
let app: string;

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  app = mkdtempSync(join(tmpdir(), 'muse-oplog-consumer-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'muse-oplog'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the built package', () => {
  it('has entry points and type declarations', () => {
    for (const f of ['index.js', 'index.d.ts', 'node.js', 'node.d.ts', 'server.js', 'server.d.ts', 'conformance.js', 'conformance.d.ts', 'cli.js']) {
      expect(existsSync(join(root, 'dist', f)), f).toBe(true);
    }
  });

  it('imports by name in Node, with the Node adapter from muse-oplog/node', () => {
    writeFileSync(
      join(app, 'node-app.mjs'),
      `import { canonicalJson, computeOpId, makeOpEntry, OpLog, MemoryAdapter, listSessions } from 'muse-oplog';
import { NodeFsAdapter } from 'muse-oplog/node';
const dir = process.argv[2];
const out = { canonical: canonicalJson({ b: 1, a: [true, null] }) };
for (const adapter of [new MemoryAdapter(), new NodeFsAdapter(dir)]) {
  const log = await OpLog.open(adapter, 'pkg');
  const e = makeOpEntry('a', 'midi', { op: 'insert', address: 'note:1' }, log.nextLamportTs());
  await log.append(e);
  out[adapter.kind] = { same: computeOpId(e) === e.op_id, n: (await log.readAll()).length };
  await log.close();
  out[adapter.kind].sessions = await listSessions(adapter);
}
console.log(JSON.stringify(out));`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'muse-oplog-pkg-'));
    const out = JSON.parse(execFileSync('node', ['node-app.mjs', dir], { cwd: app, encoding: 'utf8' }));
    rmSync(dir, { recursive: true, force: true });
    expect(out).toEqual({
      canonical: '{"a":[true,null],"b":1}',
      memory: { same: true, n: 1, sessions: ['pkg'] },
      'node-fs': { same: true, n: 1, sessions: ['pkg'] },
    });
  });

  it('builds into a Vite app whose OPFS and IndexedDB logs work in Chromium', async () => {
    writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(
      join(app, 'main.js'),
      `import { canonicalJson, computeOpId, makeOpEntry, OpLog, MemoryAdapter, listSessions, OpfsAdapter, IndexedDbAdapter } from 'muse-oplog';
const result = { canonical: canonicalJson({ b: 1, a: 2 }) };
const mem = new MemoryAdapter();
const memLog = await OpLog.open(mem, 'm');
const e = makeOpEntry('a', 'midi', { op: 'insert', address: 'note:1' }, 1);
await memLog.append(e);
result.memory = computeOpId(e) === e.op_id && (await listSessions(mem)).join();
for (const adapter of [new OpfsAdapter({ root: 'pkg-test' }), new IndexedDbAdapter({ dbName: 'pkg-test' })]) {
  try {
    const log = await OpLog.open(adapter, 'vite-app');
    await log.append(makeOpEntry('a', 'midi', { op: 'insert', address: 'note:1' }, log.nextLamportTs()));
    result[adapter.kind] = (await log.readAll()).length;
    await log.close();
    await adapter.close();
  } catch (err) {
    result[adapter.kind] = String(err);
  }
}
window.result = result;`,
    );
    await build({ root: app, logLevel: 'error', configFile: false, build: { outDir: join(app, 'out') } });
    const server = await preview({ root: app, configFile: false, logLevel: 'error', build: { outDir: join(app, 'out') }, preview: { port: 0 } });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(server.resolvedUrls!.local[0]!);
      const result = await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, undefined, { timeout: 30_000 });
      expect(await result.jsonValue()).toEqual({ canonical: '{"a":2,"b":1}', memory: 'm', opfs: 1, indexeddb: 1 });
    } finally {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  });
});
