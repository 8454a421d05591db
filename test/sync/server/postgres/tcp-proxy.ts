// A TCP proxy in front of PostgreSQL for fault tests: `down()` cuts every connection and refuses new ones
// (a database restarting), `stall()` keeps sockets open but forwards nothing (a half-open network),
// `up()` restores service. The real server is never disturbed.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  url(base: string): string;
  down(): Promise<void>;
  stall(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        if (stalled) {
          client.on('error', () => {});
          client.pause();
          pairs.add([client, client]);
          return;
        }
        const upstream = connect(targetPort, targetHost);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          pairs.delete(pair);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.on('data', (d) => {
          if (!stalled) upstream.write(d);
        });
        upstream.on('data', (d) => {
          if (!stalled) client.write(d);
        });
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const down = async () => {
    const s = server;
    server = undefined;
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    url: (base) => {
      const u = new URL(base);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    down,
    stall: () => {
      stalled = true;
    },
    up: async () => {
      // connections that were stalled lost bytes on the way: cut them, as a recovered network would
      if (stalled) {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        pairs.clear();
      }
      stalled = false;
      if (!server) await listen();
    },
    close: down,
  };
}
