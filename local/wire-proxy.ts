/**
 * A TCP-level HTTP proxy placed between a DynamoDB client and DynamoDB Local. It counts the DynamoDB
 * operations that cross the wire (by their `X-Amz-Target` header) and can make DynamoDB unreachable on
 * demand (new and open connections are cut), which DynamoDB Local itself cannot do. Benchmarks use the
 * counts; the reliability suite uses the outage switch.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface WireProxy {
  endpoint: string;
  /** Operations seen, e.g. { UpdateItem: 120, GetItem: 0 }. */
  counts(): Record<string, number>;
  resetCounts(): void;
  /** While down, every request's connection is destroyed without an answer. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startWireProxy(target: string): Promise<WireProxy> {
  const upstream = new URL(target);
  const counts: Record<string, number> = {};
  const sockets = new Set<Socket>();
  let down = false;

  const server: Server = createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    const operation =
      String(req.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    counts[operation] = (counts[operation] ?? 0) + 1;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    resetCounts: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    setDown: (value) => {
      down = value;
      if (value) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
