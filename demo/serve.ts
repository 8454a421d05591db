/**
 * `npm run demo`: the demo page (Vite dev server) and a local sync server,
 * in one process tree. The sync server runs as a child process
 * (`muse-oplog serve`, file store in `.demo-data/`, a development token in
 * `.demo-data/tokens.json`); the page is told where it is and which token to
 * use through Vite's `define`. Ctrl-C (SIGINT) or SIGTERM stops both.
 *
 * `startDemo` is what the end-to-end tests start too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, type Plugin, type ViteDevServer } from 'vite';

const ROOT = resolve(import.meta.dirname, '..');

export interface DemoOptions {
  /** Where the sync server keeps its data (and the tokens file). Default `.demo-data/` in the repository. */
  dataDir?: string;
  /** Vite's port (0: any free one). Default 5173, or the next free one. */
  port?: number;
  /** The sync server's port (0: any free one). Default 5180 when free, else any free one. */
  syncPort?: number;
  host?: string;
  /** Print the sync server's request log. */
  verbose?: boolean;
  /** The sync server's entry point, run with tsx (`serve --host … --port … --data … --tokens …` is appended). Default: the package's CLI, src/cli.ts. */
  syncEntry?: string;
}

export interface Demo {
  url: string;
  dataDir: string;
  syncUrl: string;
  token: string;
  vite: ViteDevServer;
  sync: ChildProcess;
  /** Stops the sync server the way an operator would: SIGTERM, then wait until it exited. */
  stopSync(): Promise<void>;
  /** Starts the sync server again on the same port and data (after `stopSync`). */
  restartSync(): Promise<void>;
  close(): Promise<void>;
}

/** The development token: kept in the data folder, so a restarted demo keeps the same one. */
async function devToken(dataDir: string): Promise<{ token: string; file: string }> {
  const file = resolve(dataDir, 'tokens.json');
  try {
    const tokens = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const token = Object.keys(tokens).find((t) => t.startsWith('dev-'));
    if (token) return { token, file };
  } catch {
    // none yet
  }
  const token = `dev-${randomBytes(16).toString('hex')}`;
  await writeFile(file, `${JSON.stringify({ [token]: { sessions: ['*'], scope: 'rw' } }, null, 2)}\n`);
  return { token, file };
}

/** A free TCP port on `host`: `preferred` when it is free, else one the OS picks. */
async function freePort(host: string, preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((res) => {
      const srv = createNetServer();
      srv.once('error', () => res(null));
      srv.listen(port, host, () => {
        const { port: got } = srv.address() as AddressInfo;
        srv.close(() => res(got));
      });
    });
  return (preferred ? await tryListen(preferred) : null) ?? (await tryListen(0))!;
}

async function waitHealthy(url: string, child: ChildProcess, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the sync server exited (${child.exitCode ?? child.signalCode})`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the sync server did not answer ${url}/healthz within ${ms} ms`);
}

function spawnSync(entry: string, port: number, host: string, dataDir: string, tokensFile: string, verbose: boolean): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', entry, 'serve', '--host', host, '--port', String(port), '--data', dataDir, '--tokens', tokensFile],
    { cwd: ROOT, stdio: ['ignore', verbose ? 'inherit' : 'ignore', 'inherit'] },
  );
  return child;
}

function stopChild(child: ChildProcess, ms = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The page runs without Vite's dev client: no HMR socket to fail while offline (and fill the console), and no
 * reload when the dev server comes back. The page is served as a deployed app would be, module by module.
 */
function withoutDevClient(): Plugin {
  return {
    name: 'muse-demo:without-dev-client',
    transformIndexHtml: {
      order: 'post',
      handler: (html) => html.replace(/<script type="module" src="[^"]*\/@vite\/client"><\/script>\s*/, ''),
    },
  };
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir ?? resolve(ROOT, '.demo-data'));
  await mkdir(dataDir, { recursive: true });
  const { token, file: tokensFile } = await devToken(dataDir);
  const syncPort = await freePort(host, options.syncPort ?? 5180);
  const syncUrl = `http://${host}:${syncPort}`;
  const verbose = options.verbose ?? false;

  const entry = resolve(options.syncEntry ?? resolve(ROOT, 'src/cli.ts'));
  let sync = spawnSync(entry, syncPort, host, dataDir, tokensFile, verbose);
  let vite: ViteDevServer | undefined;
  try {
    await waitHealthy(syncUrl, sync);
    const sigterm = process.listeners('SIGTERM');
    const stdinEnd = process.stdin.listeners('end');
    vite = await createServer({
      configFile: false,
      root: resolve(ROOT, 'demo'),
      logLevel: 'warn',
      define: { 'import.meta.env.VITE_MUSE_DEMO_SYNC': JSON.stringify(JSON.stringify({ url: syncUrl, token })) },
      plugins: [withoutDevClient()],
      // Serve dependencies as they are: a dependency optimised on first use would reload the page.
      optimizeDeps: { noDiscovery: true, include: [] },
      // No HMR socket: the page must behave offline as a deployed app does, not reload when the dev server returns.
      server: { port: options.port ?? 5173, host, strictPort: false, hmr: false, ws: false },
      worker: { format: 'es' },
    });
    // Vite exits the process on SIGTERM (and when stdin ends) once it has closed itself, which would leave the
    // sync server behind: the launcher owns the signals and stops both.
    for (const l of process.listeners('SIGTERM')) if (!sigterm.includes(l)) process.off('SIGTERM', l);
    for (const l of process.stdin.listeners('end')) if (!stdinEnd.includes(l)) process.stdin.off('end', l as () => void);
    await vite.listen();
  } catch (err) {
    await vite?.close();
    await stopChild(sync);
    throw err;
  }
  const { port } = vite.httpServer!.address() as AddressInfo;
  const demo: Demo = {
    url: `http://${host}:${port}/`,
    dataDir,
    syncUrl,
    token,
    vite,
    get sync() {
      return sync;
    },
    stopSync: () => stopChild(sync),
    async restartSync() {
      sync = spawnSync(entry, syncPort, host, dataDir, tokensFile, verbose);
      await waitHealthy(syncUrl, sync);
    },
    async close() {
      await Promise.all([vite!.close(), stopChild(sync)]);
    },
  };
  return demo;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'sync-port': { type: 'string' },
      data: { type: 'string' },
      host: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const demo = await startDemo({
    port: num(values.port),
    syncPort: num(values['sync-port']),
    dataDir: values.data,
    host: values.host,
    verbose: values.verbose,
  });
  const data = relative(process.cwd(), demo.dataDir) || '.';
  console.log(`\n  muse-oplog demo:  ${demo.url}`);
  console.log(`  sync server:      ${demo.syncUrl}  (pid ${demo.sync.pid}; data in ${data}/, dev token in ${data}/tokens.json)`);
  console.log('  Open the page in two browsers (or a normal and a private window) to see devices sync. Ctrl-C stops both.\n');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${signal}: stopping the page server and the sync server…`);
    await demo.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  demo.sync.on('exit', (code, signal) => {
    if (!stopping) console.error(`  the sync server exited (${code ?? signal}); the page keeps working offline. Restart the demo to sync.`);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
