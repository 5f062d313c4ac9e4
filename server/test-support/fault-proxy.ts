// A seeded fault-injecting HTTP proxy for the sync harness: it sits between sync clients and
// a lake and, per request, passes it or breaks it the ways real networks do — drops the
// connection, stalls, cuts the response, answers a gateway error, sends the request twice,
// swaps it with the next one, or lets the lake apply it and loses the reply. The fault of
// request n is a pure function of (seed, n), so a sequence of requests meets the same faults
// whatever the timing.
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind =
  'drop' | 'stall' | 'truncate' | 'error5xx' | 'duplicate' | 'reorder' | 'replyLost';

export const FAULT_KINDS: readonly FaultKind[] = [
  'drop',
  'stall',
  'truncate',
  'error5xx',
  'duplicate',
  'reorder',
  'replyLost',
];

export type FaultRates = Partial<Record<FaultKind, number>>;

export interface FaultEvent {
  n: number;
  method: string;
  path: string;
  kind: FaultKind | 'pass';
  status?: number;
}

export interface FaultProxy {
  url: string;
  setFaults(rates: FaultRates): void;
  setTarget(url: string): void;
  stats(): Record<FaultKind | 'pass', number>;
  /** The last events (at most `keepEvents`), oldest first. */
  events(): FaultEvent[];
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: string;
  seed: number;
  faults?: FaultRates;
  /** How long a stalled request hangs before its connection is reset (default 2 s). */
  stallMs?: number;
  /** Requests that always pass (the live change stream, health checks). */
  exempt?: (method: string, path: string) => boolean;
  /** Dictates the kind of request n (tests); undefined falls back to the seeded draw. */
  force?: (n: number, method: string, path: string) => FaultKind | 'pass' | undefined;
  port?: number;
  /** Events kept for events() (default 10 000). */
  keepEvents?: number;
}

/** A uniform number in [0, 1) from (seed, n): splitmix-style integer hashing. */
export function faultDraw(seed: number, n: number): number {
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 1, 0xc2b2ae35)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return (x >>> 0) / 4294967296;
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let target = new URL(options.target);
  let rates: FaultRates = { ...options.faults };
  const stallMs = options.stallMs ?? 2000;
  const keep = options.keepEvents ?? 10_000;
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const counts = Object.fromEntries([...FAULT_KINDS, 'pass'].map((k) => [k, 0])) as Record<
    FaultKind | 'pass',
    number
  >;
  const log: FaultEvent[] = [];
  let ordinal = 0;
  let closing = false;
  /** Requests held back by `reorder`, released when the next request has been forwarded. */
  let held: (() => void)[] = [];

  const choose = (n: number, method: string, path: string): FaultKind | 'pass' => {
    if (options.exempt?.(method, path) === true) return 'pass';
    const forced = options.force?.(n, method, path);
    if (forced !== undefined) return forced;
    let draw = faultDraw(options.seed, n);
    for (const kind of FAULT_KINDS) {
      const rate = rates[kind] ?? 0;
      if (draw < rate) return kind;
      draw -= rate;
    }
    return 'pass';
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
      }
      headers.host = target.host;
      headers['content-length'] = String(body.byteLength);
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers,
          agent,
        },
        (response) => {
          const parts: Buffer[] = [];
          response.on('data', (part: Buffer) => parts.push(part));
          response.on('end', () => {
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(parts),
            });
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const answer = (response: ServerResponse, upstream: Upstream, bodyBytes?: number): void => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
    }
    headers['content-length'] = String(upstream.body.byteLength);
    response.writeHead(upstream.status, headers);
    if (bodyBytes === undefined) {
      response.end(upstream.body);
      return;
    }
    // A cut response: the headers promise more than comes, then the connection goes.
    response.write(upstream.body.subarray(0, bodyBytes), () => {
      response.socket?.destroy();
    });
  };

  const gatewayError = (response: ServerResponse, n: number): number => {
    const status = [500, 502, 503][Math.floor(faultDraw(options.seed ^ 0x5bd1e995, n) * 3)] ?? 502;
    const page = `<html><body><h1>${String(status)}</h1><p>The gateway failed.</p></body></html>`;
    response.writeHead(status, {
      'content-type': 'text/html',
      'content-length': String(Buffer.byteLength(page)),
      ...(status === 503 ? { 'retry-after': '1' } : {}),
    });
    response.end(page);
    return status;
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const parts: Buffer[] = [];
    for await (const part of incoming) parts.push(part as Buffer);
    const body = Buffer.concat(parts);
    const n = ordinal++;
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    const kind = choose(n, method, path);
    const event: FaultEvent = { n, method, path, kind };
    counts[kind]++;
    log.push(event);
    if (log.length > keep) log.splice(0, log.length - keep);
    // A request forwarded now releases those held back before it: they arrive after it.
    const release = (): void => {
      const waiting = held;
      held = [];
      for (const go of waiting) go();
    };
    try {
      switch (kind) {
        case 'drop':
          response.socket?.destroy();
          return;
        case 'stall':
          await wait(stallMs);
          response.socket?.destroy();
          return;
        case 'error5xx':
          event.status = gatewayError(response, n);
          return;
        case 'reorder': {
          await new Promise<void>((resolve) => {
            held.push(resolve);
            void wait(500).then(resolve);
          });
          if (closing) return;
          const upstream = await forward(incoming, body);
          event.status = upstream.status;
          answer(response, upstream);
          return;
        }
        default:
          break;
      }
      const forwarded = forward(incoming, body);
      release();
      let upstream = await forwarded;
      if (kind === 'duplicate') upstream = await forward(incoming, body);
      event.status = upstream.status;
      if (kind === 'replyLost') {
        response.socket?.destroy();
        return;
      }
      answer(
        response,
        upstream,
        kind === 'truncate' ? Math.floor(upstream.body.byteLength / 2) : undefined,
      );
    } catch {
      // The lake is down (restarting) or closed the connection: what a gateway answers.
      event.status = 502;
      if (!response.headersSent && !response.destroyed) {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end('upstream unavailable');
      } else response.socket?.destroy();
    }
  };

  const server = createServer((incoming, response) => {
    void handle(incoming, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => {
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    setFaults(next) {
      rates = { ...next };
    },
    setTarget(url) {
      target = new URL(url);
    },
    stats: () => ({ ...counts }),
    events: () => log.slice(),
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const waiting = held;
      held = [];
      for (const go of waiting) go();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
