// The published shape: `npm run build` output, imported by name from a Node program and from a Vite app.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as source from '../../src/node.js';
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

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every .d.ts under dist/, relative to dist/. */
function shippedDeclarations(dir = join(root, 'dist')): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.d.ts'))
    .map((f) => relative(join(root, 'dist'), join(dir, f)))
    .sort();
}

/** The .d.ts files the public entry points' declarations reach through relative imports. */
function declarationClosure(): string[] {
  const todo = Object.values(pkg.exports as Record<string, string | { types?: string }>)
    .flatMap((e) => (typeof e === 'object' && e.types ? [resolve(root, e.types)] : []));
  const seen = new Set<string>();
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      todo.push(resolve(dirname(file), spec!.replace(/\.js$/, '.d.ts')));
    }
  }
  return [...seen].map((f) => relative(join(root, 'dist'), f)).sort();
}

describe('the built package', () => {
  it('has entry points and type declarations', () => {
    for (const f of ['index.js', 'index.d.ts', 'node.js', 'node.d.ts', 'server.js', 'server.d.ts', 'postgres.js', 'postgres.d.ts', 'conformance.js', 'conformance.d.ts', 'cli.js']) {
      expect(existsSync(join(root, 'dist', f)), f).toBe(true);
    }
  });

  it('loads the PostgreSQL driver only from muse-oplog/postgres (the CLI imports it on demand)', () => {
    /** Packages a built module loads statically, following its relative imports. */
    const staticPackages = (entry: string, seen = new Set<string>()): Set<string> => {
      const out = new Set<string>();
      if (seen.has(entry)) return out;
      seen.add(entry);
      const code = readFileSync(join(root, 'dist', entry), 'utf8');
      for (const [, spec] of code.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']/gm)) {
        if (spec!.startsWith('./')) for (const p of staticPackages(spec!.slice(2), seen)) out.add(p);
        else out.add(spec!);
      }
      return out;
    };
    for (const entry of ['index.js', 'node.js', 'server.js', 'conformance.js', 'cli.js']) expect(staticPackages(entry), entry).not.toContain('pg');
    expect(staticPackages('postgres.js')).toContain('pg');
  });

  it('ships only the declarations its public entry points need, and no CLI internals', () => {
    const closure = declarationClosure();
    for (const e of Object.values(pkg.exports as Record<string, string | { types?: string }>)) {
      if (typeof e === 'object' && e.types) expect(closure, e.types).toContain(relative('dist', e.types));
    }
    expect(closure).toEqual(expect.arrayContaining(['index.d.ts', 'node.d.ts', 'conformance.d.ts', 'core/errors.d.ts']));
    expect(shippedDeclarations()).toEqual(closure);
    expect(shippedDeclarations().filter((f) => f.startsWith('cli'))).toEqual([]);
  });

  it('packs the license, the bin and dist, and nothing internal', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
    const files = (packed.files as Array<{ path: string }>).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/muse-oplog.js', 'dist/cli.js', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((f) => !/^(dist\/|bin\/muse-oplog\.js$|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.d.ts')).map((f) => f.slice('dist/'.length)).sort()).toEqual(declarationClosure());
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(new RegExp(`^${pkg.license} License\n\nCopyright \\(c\\) \\d{4} muse-oplog contributors\n`));
  });

  it('keeps every exported error class name: thrown errors print as InvalidEntryError, not "i"', () => {
    const expected = Object.keys(source).filter((k) => k.endsWith('Error')).sort();
    expect(expected).toEqual(expect.arrayContaining(['OpLogError', 'InvalidEntryError', 'SessionLockedError', 'StorageError']));
    writeFileSync(
      join(app, 'errors.mjs'),
      `import * as lib from 'muse-oplog/node';
const out = { classes: {}, thrown: {} };
for (const [key, X] of Object.entries(lib)) {
  if (!key.endsWith('Error')) continue;
  const e = new X('STORAGE', 'x', 'y');
  out.classes[key] = { name: X.name, instance: e.name, isOpLogError: e instanceof lib.OpLogError };
}
try { lib.makeOpEntry('a', 'midi', { op: 'x' }, -1); } catch (e) { out.thrown.entry = String(e); }
try { await lib.OpLog.open(new lib.MemoryAdapter(), ''); } catch (e) { out.thrown.session = String(e); }
const dir = process.argv[2];
const first = await lib.OpLog.open(new lib.NodeFsAdapter(dir), 's');
await first.append(lib.makeOpEntry('a', 'midi', { op: 'x' }, 1));
try { await lib.OpLog.open(new lib.NodeFsAdapter(dir), 's'); } catch (e) { out.thrown.locked = String(e); }
await first.close();
console.log(JSON.stringify(out));`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'muse-oplog-errors-'));
    const out = JSON.parse(execFileSync('node', ['errors.mjs', dir], { cwd: app, encoding: 'utf8' }));
    rmSync(dir, { recursive: true, force: true });
    expect(Object.keys(out.classes).sort()).toEqual(expected);
    for (const key of expected) expect(out.classes[key], key).toEqual({ name: key, instance: key, isOpLogError: true });
    expect(out.thrown.entry).toMatch(/^InvalidEntryError: invalid op entry: lamport_ts/);
    expect(out.thrown.session).toMatch(/^InvalidSessionIdError: invalid session id ""/);
    expect(out.thrown.locked).toMatch(/^SessionLockedError: session "s" is already open for writing/);
  });

  it('runs the CLI as users do: npx muse-oplog, an executable dist/cli.js, a clear message when not built', () => {
    const npx = (...args: string[]) => spawnSync('npx', ['--offline', 'muse-oplog', ...args], { cwd: root, encoding: 'utf8' });
    expect(npx('--version')).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
    expect(npx('help')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage:\n/) });
    const missing = npx('sessions', join(root, 'no-such-dir'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`no such directory: ${join(root, 'no-such-dir')}`);

    expect(pkg.bin).toEqual({ 'muse-oplog': './bin/muse-oplog.js' });
    for (const f of ['bin/muse-oplog.js', 'dist/cli.js']) {
      expect(statSync(join(root, f)).mode & 0o111, f).toBe(0o111);
      expect(readFileSync(join(root, f), 'utf8').startsWith('#!/usr/bin/env node\n'), f).toBe(true);
    }
    expect(execFileSync(join(root, 'dist/cli.js'), ['-v'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);

    // The bin of a package that was not built (npm ci --ignore-scripts) says what to do.
    const unbuilt = mkdtempSync(join(tmpdir(), 'muse-oplog-unbuilt-'));
    cpSync(join(root, 'bin'), join(unbuilt, 'bin'), { recursive: true });
    const r = spawnSync(join(unbuilt, 'bin/muse-oplog.js'), ['--version'], { encoding: 'utf8' });
    rmSync(unbuilt, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('muse-oplog: not built');
    expect(r.stderr).toContain('run `npm run build`');
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

  it('runs the sync server from muse-oplog/server in Node', () => {
    writeFileSync(
      join(app, 'server-app.mjs'),
      `import { makeOpEntry } from 'muse-oplog';
import { startSyncServer, MemoryServerStore, TokenFileAuth } from 'muse-oplog/server';
const server = await startSyncServer({ store: new MemoryServerStore(), auth: new TokenFileAuth({ 'pkg-token-1': { sessions: ['*'] } }), log: false });
const headers = { Authorization: 'Bearer pkg-token-1' };
const ops = [makeOpEntry('a', 'midi', { op: 'insert', address: 'note:1' }, 1)];
const pushed = await (await fetch(server.url + '/v1/sessions/pkg/ops', { method: 'POST', headers, body: JSON.stringify({ ops }) })).json();
const pulled = await (await fetch(server.url + '/v1/sessions/pkg/ops', { headers })).json();
await server.close();
console.log(JSON.stringify({ pushed, same: pulled.ops[0].op_id === ops[0].op_id }));`,
    );
    const out = JSON.parse(execFileSync('node', ['server-app.mjs'], { cwd: app, encoding: 'utf8' }));
    expect(out).toEqual({ pushed: { accepted: 1, duplicates: 0, head: 1 }, same: true });
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
