/**
 * The Yjs side of bench:sync, run as its own process: @y/websocket-server's
 * connection handler (the stock y-websocket server, in memory) on 127.0.0.1,
 * port 0. Prints `{"port": N}` once listening. `GET /length/<doc>` answers
 * the length of the doc's `ops` array, so the bench can tell when the server
 * holds every op a client sent.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { docs, setupWSConnection } from '@y/websocket-server/utils';
import type * as Y from 'yjs';

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);

const server = http.createServer((req, res) => {
  const m = /^\/length\/(.+)$/.exec(req.url ?? '');
  const doc = m ? (docs as Map<string, Y.Doc>).get(decodeURIComponent(m[1]!)) : undefined;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ length: doc ? doc.getArray('ops').length : 0 }));
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
