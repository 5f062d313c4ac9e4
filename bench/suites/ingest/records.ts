// The collector cases of the ingest benchmark (ingest/json, ingest/ndjson, ingest/msgpack):
// request bodies as fluent-bit's `http` output sends them (1000 records × 8 float fields, one
// record a millisecond, so every batch appends to the policy's signals), posted to
// POST /api/ingest/:policy with a collector token, and timed until GET /api/ingest/:policy says
// every request is placed (pending 0, done = all posted). The peer decodes the same bodies in
// this process (JSON.parse / msgpack decodeMulti) and appends each to a file with an fsync per
// batch: what a collector sink that keeps the records durably but never makes signals of them does.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { request } from 'node:http';
import type { Agent } from 'node:http';
import { decodeMulti, encode, ExtData } from '@msgpack/msgpack';

export type RecordFormat = 'json' | 'ndjson' | 'msgpack';

/** Fields a record carries, each mapped to one signal of the policy. */
export const FIELDS = 8;
/** The signals' rate: records are 1 ms apart, so each lands on the next sample. */
export const SAMPLE_RATE = 1000;
/** t0 of every signal (fixed, so the sample index of a record is known). */
export const T0_MS = Date.UTC(2026, 0, 1);

/** How the lake is told the format, and the Content-Type fluent-bit sends. */
export const FORMATS: Record<RecordFormat, { query: string; contentType: string }> = {
  json: { query: 'fluent-bit-json', contentType: 'application/json' },
  ndjson: { query: 'fluent-bit-json-lines', contentType: 'application/x-ndjson' },
  msgpack: { query: 'fluent-bit-msgpack', contentType: 'application/msgpack' },
};

/** A float with 6 decimals from a cheap hash of (record, field): ~9 characters of JSON. */
function valueOf(record: number, field: number): number {
  let x = Math.imul(record * 8 + field + 1, 0x9e3779b1) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
  return Math.round(((x >>> 8) / 2 ** 24 - 0.5) * 2e6) / 1e6;
}

function fieldsOf(record: number): Record<string, number> {
  const fields: Record<string, number> = {};
  for (let field = 0; field < FIELDS; field++) fields[`f${field}`] = valueOf(record, field);
  return fields;
}

/** fluent-bit's EventTime (msgpack ext 0: uint32 seconds, uint32 nanoseconds, big-endian). */
function eventTime(ms: number): ExtData {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  const seconds = Math.floor(ms / 1000);
  view.setUint32(0, seconds);
  view.setUint32(4, Math.round((ms - seconds * 1000) * 1e6));
  return new ExtData(0, bytes);
}

/**
 * Body of batch `batch` (records `batch × size …`): fluent-bit JSON (an array of records with
 * the `date` key in seconds), json_lines, or msgpack events `[[EventTime, {}], record]`.
 */
export function batchBody(format: RecordFormat, batch: number, size: number): Buffer {
  const first = batch * size;
  if (format === 'msgpack') {
    const parts: Uint8Array[] = [];
    for (let i = first; i < first + size; i++) {
      parts.push(encode([[eventTime(T0_MS + i), {}], fieldsOf(i)]));
    }
    return Buffer.concat(parts);
  }
  const lines: string[] = [];
  for (let i = first; i < first + size; i++) {
    lines.push(JSON.stringify({ date: (T0_MS + i) / 1000, ...fieldsOf(i) }));
  }
  return Buffer.from(format === 'json' ? `[${lines.join(',')}]` : `${lines.join('\n')}\n`);
}

/** Records in a body, decoded as a sink would (the peer's CPU work). */
export function decodeCount(format: RecordFormat, body: Buffer): number {
  if (format === 'msgpack') {
    let records = 0;
    for (const event of decodeMulti(body)) if (Array.isArray(event)) records++;
    return records;
  }
  const text = body.toString('utf8');
  if (format === 'json') return (JSON.parse(text) as unknown[]).length;
  let records = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    if (typeof JSON.parse(line) === 'object') records++;
  }
  return records;
}

/** The peer's sink: one file, each batch decoded, appended and fsynced before the next. */
export class FsyncSink {
  private constructor(private readonly handle: FileHandle) {}

  static async open(file: string): Promise<FsyncSink> {
    return new FsyncSink(await open(file, 'a'));
  }

  async append(format: RecordFormat, body: Buffer, expected: number): Promise<void> {
    const records = decodeCount(format, body);
    if (records !== expected) throw new Error(`decoded ${records} records, expected ${expected}`);
    await this.handle.write(body);
    await this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One request over `agent` (keep-alive) to `base`, the whole answer read. */
export function call(
  agent: Agent,
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function callOk(
  agent: Agent,
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  ok: readonly number[],
  body?: Buffer | string,
): Promise<string> {
  const answer = await call(agent, base, method, path, headers, body);
  if (!ok.includes(answer.status)) {
    throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  return answer.body;
}

export interface Policy {
  id: string;
  datasetId: string;
  /** Secret of the collector token that posts to it. */
  secret: string;
}

/**
 * A site, a dataset and an ingestion policy of FIELDS signals (`f<i>` → `s<i>`, float32,
 * SAMPLE_RATE, t0 = T0_MS), written as the admin, and a collector token for the policy.
 */
export async function createPolicy(
  agent: Agent,
  base: string,
  adminToken: string,
  name: string,
): Promise<Policy> {
  const json = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const site = 'site/bench-ingest';
  const datasetId = `dataset/bench-ingest-${name}`;
  const id = `policy/bench-ingest-${name}`;
  const signals = Array.from({ length: FIELDS }, (_, field) => ({
    field: `f${field}`,
    name: `s${field}`,
    sampleRate: SAMPLE_RATE,
    t0: new Date(T0_MS).toISOString(),
  }));
  await callOk(
    agent,
    base,
    'POST',
    '/api/bulk',
    json,
    [200],
    JSON.stringify({
      items: [
        { id: site, doc: { type: 'site', name: 'Bench ingest' } },
        { id: datasetId, doc: { type: 'dataset', site, title: `Bench ingest ${name}` } },
        { id, doc: { type: 'ingestion-policy', site, datasetId, signals } },
      ],
    }),
  );
  const token = JSON.parse(
    await callOk(
      agent,
      base,
      'POST',
      '/api/tokens',
      json,
      [200, 201],
      JSON.stringify({ kind: 'collector', policy: id, label: `bench ${name}` }),
    ),
  ) as { secret?: string };
  if (typeof token.secret !== 'string') throw new Error('the collector token has no secret');
  return { id, datasetId, secret: token.secret };
}

/** POSTs one body as a collector; throws unless the lake logged it (202). */
export async function postBatch(
  agent: Agent,
  base: string,
  policy: Policy,
  format: RecordFormat,
  body: Buffer,
  expected: number,
): Promise<void> {
  const answer = await callOk(
    agent,
    base,
    'POST',
    `/api/ingest/${encodeURIComponent(policy.id)}?format=${FORMATS[format].query}`,
    {
      authorization: `Bearer ${policy.secret}`,
      'content-type': FORMATS[format].contentType,
      'user-agent': 'Fluent-Bit',
    },
    [202],
    body,
  );
  const { records } = JSON.parse(answer) as { records?: number };
  if (records !== expected) throw new Error(`the lake took ${records} records of ${expected}`);
}

export interface Progress {
  pending: number;
  done: number;
  failed: number;
}

export async function progress(agent: Agent, base: string, policy: Policy): Promise<Progress> {
  const body = await callOk(
    agent,
    base,
    'GET',
    `/api/ingest/${encodeURIComponent(policy.id)}`,
    { authorization: `Bearer ${policy.secret}` },
    [200],
  );
  return (JSON.parse(body) as { requests: Progress }).requests;
}

/** Polls every `everyMs` until `done` requests are placed and none pending; throws on a failure. */
export async function waitPlaced(
  agent: Agent,
  base: string,
  policy: Policy,
  done: number,
  everyMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const now = await progress(agent, base, policy);
    if (now.failed > 0) throw new Error(`${now.failed} ingest requests of ${policy.id} failed`);
    if (now.pending === 0 && now.done >= done) return;
    if (performance.now() > deadline) {
      throw new Error(`${policy.id}: ${now.done} of ${done} requests placed after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
