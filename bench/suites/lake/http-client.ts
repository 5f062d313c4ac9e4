// The one HTTP client of the lake benchmark, used the same way against the lake and against the
// raw-streaming peer: node:http over loopback with a keep-alive agent (one request in flight
// per socket), bodies sent whole or drained and counted without being kept.
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export interface Client {
  agent: Agent;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  base: string;
  /** Bearer secret, or null (the raw peer takes none). */
  token: string | null;
}

function send(
  client: Client,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${client.base}${path}`,
      {
        method,
        agent: client.agent,
        headers: {
          ...(client.token === null ? {} : { authorization: `Bearer ${client.token}` }),
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function fail(method: string, path: string, status: number, body: Buffer): Error {
  return new Error(`${method} ${path} answered ${status}: ${body.toString().slice(0, 300)}`);
}

/** PUT of a whole body; throws unless the status is one of `ok`. */
export async function putBytes(
  client: Client,
  path: string,
  bytes: Buffer,
  ok: readonly number[],
): Promise<number> {
  const res = await send(
    client,
    'PUT',
    path,
    { 'content-type': 'application/octet-stream' },
    bytes,
  );
  const body = await readAll(res);
  const status = res.statusCode ?? 0;
  if (!ok.includes(status)) throw fail('PUT', path, status, body);
  return status;
}

export async function getJson<T>(client: Client, path: string): Promise<T> {
  const res = await send(client, 'GET', path, { accept: 'application/json' }, undefined);
  const body = await readAll(res);
  if (res.statusCode !== 200) throw fail('GET', path, res.statusCode ?? 0, body);
  return JSON.parse(body.toString()) as T;
}

export async function postJson<T>(client: Client, path: string, value: unknown): Promise<T> {
  const res = await send(
    client,
    'POST',
    path,
    { 'content-type': 'application/json' },
    JSON.stringify(value),
  );
  const body = await readAll(res);
  if (res.statusCode !== 200) throw fail('POST', path, res.statusCode ?? 0, body);
  return JSON.parse(body.toString()) as T;
}

export interface Drained {
  bytes: number;
  /** The first bytes of the body (up to 16), to check what was served. */
  head: Buffer;
  headers: IncomingHttpHeaders;
}

/**
 * GET whose body is counted and dropped as it arrives (nothing accumulates); throws on a status
 * other than 200 or a body cut short (the slice route cuts the stream on a fault).
 */
export async function getDrained(client: Client, path: string): Promise<Drained> {
  const res = await send(client, 'GET', path, {}, undefined);
  if (res.statusCode !== 200) throw fail('GET', path, res.statusCode ?? 0, await readAll(res));
  let bytes = 0;
  let head = Buffer.alloc(0);
  for await (const part of res) {
    const piece = part as Buffer;
    if (head.length < 16) head = Buffer.concat([head, piece.subarray(0, 16 - head.length)]);
    bytes += piece.length;
  }
  if (!res.complete) throw new Error(`GET ${path}: the body was cut after ${bytes} bytes`);
  const declared = res.headers['content-length'];
  if (declared !== undefined && Number(declared) !== bytes) {
    throw new Error(`GET ${path}: ${bytes} bytes of the ${declared} announced`);
  }
  return { bytes, head, headers: res.headers };
}
