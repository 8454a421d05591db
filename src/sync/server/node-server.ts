/**
 * Run the sync app on Node (@hono/node-server), on loopback by default.
 * `close()` shuts down gracefully: new requests get 503 (with Retry-After),
 * pushes in flight are answered, long-polls answered, event streams ended;
 * then the listener is closed, and then the store (unless `closeStore: false`), so no
 * acknowledged op is lost.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createSyncApp, type SyncApp, type SyncAppOptions } from './app.js';

export interface StartSyncServerOptions extends SyncAppOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Close the store when the server closes (default true). */
  closeStore?: boolean;
  /** Longest wait for connections to finish after shutdown before they are cut (ms, default 5,000). */
  closeTimeoutMs?: number;
}

export interface RunningSyncServer {
  /** e.g. http://127.0.0.1:43123 */
  readonly url: string;
  readonly port: number;
  readonly app: SyncApp;
  /** Graceful shutdown; resolves when the store is closed. Safe to call twice. */
  close(): Promise<void>;
}

export async function startSyncServer(options: StartSyncServerOptions): Promise<RunningSyncServer> {
  const app = createSyncApp(options);
  const host = options.host ?? '127.0.0.1';
  const { server, address } = await new Promise<{ server: Server; address: AddressInfo }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, (address) =>
      resolve({ server: server as Server, address }),
    ) as Server;
    server.once('error', reject);
  });
  // Long-polls hold up to 60 s and streams longer: no request timeout; keep-alive a little longer than clients expect.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${address.port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // First refuse new work (503 + Retry-After, even on new connections) and let pushes in flight finish,
      // then stop listening and let the remaining connections go.
      await app.shutdown();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Connections that finish their last response later become idle later: keep closing idle ones.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 25);
      const timeout = options.closeTimeoutMs ?? 5_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
      clearTimeout(timer);
      clearInterval(sweeper);
      server.closeAllConnections();
      if (options.closeStore ?? true) await options.store.close();
    })());
  return { url, port: address.port, app, close };
}
