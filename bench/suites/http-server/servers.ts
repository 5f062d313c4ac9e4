// Child process of the http-server benchmark: the two servers under test, each on 127.0.0.1 with
// an ephemeral port, answering GET /api/health with {"status":"ok"}. They live in their own
// process (so on their own core) while the benchmark process generates the load; the parent gets
// the ports over IPC and sends "stop" at the end (the servers also stop if the parent goes away).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';

export interface ServerPorts {
  fastify: number;
  nodeHttp: number;
}

export type ServersMessage =
  { type: 'ready'; ports: ServerPorts } | { type: 'error'; message: string };

/** The framework of the lake server, configured as a production server would be (no logging). */
export function buildFastify(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/api/health', () => ({ status: 'ok' }));
  return app;
}

/** The same endpoint on bare node:http: the floor any framework adds to. */
export function buildNodeHttp(): Server {
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/health') {
      const body = JSON.stringify({ status: 'ok' });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
}

async function start(): Promise<void> {
  const app = buildFastify();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const fastifyPort = (app.server.address() as AddressInfo).port;
  const bare = buildNodeHttp();
  await new Promise<void>((resolve, reject) => {
    bare.once('error', reject);
    bare.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const nodePort = (bare.address() as AddressInfo).port;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    bare.closeAllConnections();
    app.server.closeAllConnections();
    await Promise.allSettled([app.close(), new Promise((resolve) => bare.close(resolve))]);
    if (process.connected) process.disconnect();
  };
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => {
    void stop().finally(() => process.exit(0));
  });
  const ready: ServersMessage = {
    type: 'ready',
    ports: { fastify: fastifyPort, nodeHttp: nodePort },
  };
  process.send?.(ready);
}

if (process.send !== undefined) {
  start().catch((error: unknown) => {
    const message: ServersMessage = {
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    };
    process.send?.(message);
    process.exitCode = 1;
  });
}
