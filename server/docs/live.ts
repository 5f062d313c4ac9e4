// Live change notifications (docs/lake-api.md): a Server-Sent Events stream that tells an open
// client "the sequence advanced for something you may see", so dashboards pull the feed at
// once instead of polling. Events carry only the sequence: the data itself always comes
// through the access-filtered feed.
import type { FastifyInstance } from 'fastify';
import { API_VERSION, API_VERSION_HEADER } from '../../src/shared/wire/api.ts';
import { requireUser } from '../auth/auth-plugin.ts';
import { canSee } from '../auth/principal.ts';
import type { ChangeNotifier, Lake } from '../lake.ts';
import { securityHeaders } from '../security-headers.ts';

/** Proxies drop idle connections: a comment line this often keeps the stream open. */
const KEEPALIVE_MS = 15_000;

type Listener = (seq: number, sites: readonly (string | null)[]) => void;

export function createChangeNotifier(): ChangeNotifier {
  const listeners = new Set<Listener>();
  return {
    notify(seq, sites) {
      for (const listener of listeners) listener(seq, sites);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

export function registerLiveRoute(
  app: FastifyInstance,
  lake: Lake,
  streams: Set<() => void>,
): void {
  app.get('/api/changes/live', async (request, reply) => {
    const principal = requireUser(request);
    const seq = await lake.meta.currentSeq();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      // A hijacked reply skips the onSend hook: the same headers, set here.
      ...securityHeaders,
      [API_VERSION_HEADER]: String(API_VERSION),
    });
    raw.write(`retry: 5000\nevent: hello\ndata: ${JSON.stringify({ seq })}\n\n`);
    const unsubscribe = lake.changes.subscribe((next, sites) => {
      if (sites.some((site) => canSee(principal, site))) {
        raw.write(`event: change\ndata: ${JSON.stringify({ seq: next })}\n\n`);
      }
    });
    const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    const close = (): void => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(close);
      raw.end();
    };
    streams.add(close);
    request.raw.on('close', close);
  });
}
