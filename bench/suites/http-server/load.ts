// Load generators of the http-server benchmark. Both keep `concurrency` keep-alive connections,
// each with one request in flight at a time (no pipelining), and stop issuing at `durationMs` or
// `maxRequests`, whichever comes first; a round's figure is completed requests / elapsed seconds.
//  - `httpAgentRound`: node:http requests through a keep-alive Agent (what a Node client does).
//    Its per-request cost is close to a small server's, so at high concurrency it saturates its
//    own core first and hides part of the server's cost.
//  - `netKeepAliveRound`: the same requests written on raw node:net sockets, responses parsed by
//    Content-Length and checked byte for byte: about a third of the client cost, so the server
//    is the bottleneck and the ratio shows the framework's overhead.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';

export interface LoadOptions {
  port: number;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  path: string;
  /** The exact body every 200 response must carry. */
  expectedBody: string;
}

export function httpAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency });
}

function agentGet(options: LoadOptions, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: options.port, path: options.path, method: 'GET', agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('error', reject);
        res.on('end', () => {
          const type = res.headers['content-type'] ?? '';
          if (
            res.statusCode !== 200 ||
            body !== options.expectedBody ||
            !type.startsWith('application/json')
          ) {
            reject(
              new Error(
                `GET ${options.path} on port ${options.port}: ${res.statusCode} ${type} ${body.slice(0, 80)}`,
              ),
            );
          } else {
            resolve();
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Requests/s of one round with node:http clients sharing a keep-alive `agent`. */
export async function httpAgentRound(options: LoadOptions, agent: Agent): Promise<number> {
  let issued = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const loop = async () => {
    while (issued < options.maxRequests && performance.now() < deadline) {
      issued++;
      await agentGet(options, agent);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return issued / ((performance.now() - start) / 1000);
}

const headerEnd = '\r\n\r\n';

/**
 * Parses as many complete responses as `buffer` holds (latin1 text). Returns the count and the
 * unparsed rest; throws on anything but `200` with a Content-Length and exactly `expectedBody`.
 */
export function takeResponses(
  buffer: string,
  expectedBody: string,
): { count: number; rest: string } {
  let count = 0;
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf(headerEnd);
    if (end === -1) return { count, rest };
    const head = rest.slice(0, end);
    if (!head.startsWith('HTTP/1.1 200 '))
      throw new Error(`unexpected response: ${head.split('\r\n')[0] ?? ''}`);
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1];
    if (length === undefined)
      throw new Error('response without Content-Length (chunked responses are not expected here)');
    const bodyEnd = end + headerEnd.length + Number(length);
    if (rest.length < bodyEnd) return { count, rest };
    const body = rest.slice(end + headerEnd.length, bodyEnd);
    if (body !== expectedBody) throw new Error(`unexpected body: ${body.slice(0, 80)}`);
    if (!/\r\ncontent-type:[ \t]*application\/json/i.test(head))
      throw new Error('response is not application/json');
    count++;
    rest = rest.slice(bodyEnd);
  }
}

/** Requests/s of one round on `concurrency` raw keep-alive sockets. */
export async function netKeepAliveRound(options: LoadOptions): Promise<number> {
  const request = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\nConnection: keep-alive\r\n\r\n`,
    'latin1',
  );
  let issued = 0;
  let completed = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const connection = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: options.port, noDelay: true });
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      const next = () => {
        if (issued < options.maxRequests && performance.now() < deadline) {
          issued++;
          socket.write(request);
        } else {
          socket.end();
          resolve();
        }
      };
      let pending = '';
      socket.setEncoding('latin1');
      socket.setTimeout(10_000, () => {
        fail(new Error(`no response from port ${options.port} within 10 s`));
      });
      socket.on('connect', next);
      socket.on('data', (chunk: string) => {
        try {
          const parsed = takeResponses(pending + chunk, options.expectedBody);
          pending = parsed.rest;
          if (parsed.count > 1) throw new Error('more responses than requests');
          if (parsed.count === 1) {
            completed++;
            next();
          }
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      });
      socket.on('error', fail);
      socket.on('close', () => {
        reject(new Error(`port ${options.port} closed the connection early`)); // no-op once resolved
      });
    });
  await Promise.all(Array.from({ length: options.concurrency }, connection));
  return completed / ((performance.now() - start) / 1000);
}
