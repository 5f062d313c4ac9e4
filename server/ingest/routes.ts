// Ingestion routes (issue 5): collectors POST their batches to a policy; the lake parses them
// (a malformed body is a 4xx naming the problem, and nothing is stored), logs the raw request
// durably under its dedupe key, and only then answers 2xx. A replay of a logged key answers 2xx
// without logging or writing again. The transformation into signals runs in the background.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  formatFromRequest,
  type RecordParseOptions,
} from '../../src/shared/ingest/records/index.ts';
import { IngestParseError, type IngestRecord } from '../../src/shared/ingest/types.ts';
import type { Principal } from '../auth/principal.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import { futureRecords } from './placements.ts';
import { parsePolicy, type IngestionPolicy } from './policy.ts';
import { parseOptionsOf, recordsOf } from './plan-request.ts';
import type { IngestTransformer } from './transformer.ts';
import { wendelinFormChunk } from './wendelin-form.ts';

/** Headers a collector may send its own idempotency key in. */
const KEY_HEADERS = ['idempotency-key', 'x-idempotency-key'] as const;

/**
 * Bodies up to this size live in their log row (a collector batch is typically 10 kB–1 MB);
 * larger ones in the blob store, by hash.
 */
export const INLINE_BODY_BYTES = 4 * 1024 * 1024;

/** The chunk-reference key that keeps a logged body from the garbage collector. */
export function ingestRefId(key: string): string {
  return `\u0000ingest\u0000${key}`;
}

function requireIngest(request: FastifyRequest, policyId: string): Principal {
  const principal = request.principal;
  if (principal === null) throw new HttpError('unauthorized', 'Sign in or send a collector token');
  if (principal.role === 'collector') {
    if (principal.policy !== policyId) {
      throw new HttpError(
        'forbidden',
        `This collector token may only write through "${principal.policy ?? ''}"`,
        {
          reason: 'wrong_policy',
        },
      );
    }
    return principal;
  }
  if (principal.role === 'admin' || principal.role === 'analyst') return principal;
  throw new HttpError('forbidden', 'Only collectors, analysts and admins ingest', {
    reason: 'role',
  });
}

async function readBody(request: FastifyRequest, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > limit) {
    throw new HttpError('payload_too_large', `A request body may have at most ${limit} bytes`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request.body as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) {
      throw new HttpError('payload_too_large', `A request body may have at most ${limit} bytes`);
    }
    parts.push(part);
  }
  return Buffer.concat(parts);
}

async function policyOf(lake: Lake, id: string): Promise<IngestionPolicy> {
  const doc = await lake.meta.getDoc(id);
  if (doc === undefined || doc.deleted || doc.type !== 'ingestion-policy') {
    throw new HttpError('not_found', `No ingestion policy "${id}"`);
  }
  return parsePolicy(id, doc.body);
}

async function parseOrRefuse(
  format: string,
  body: Buffer,
  options: RecordParseOptions,
): Promise<IngestRecord[]> {
  try {
    return await recordsOf(format, body, options);
  } catch (error) {
    if (error instanceof IngestParseError) {
      throw new HttpError('bad_request', error.message, { reason: 'malformed_body' });
    }
    throw error;
  }
}

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded');
}

/** The msgpack an old Wendelin client sent as its form's `data_chunk` field. */
function unwrapForm(body: Buffer): Buffer {
  try {
    const chunk = wendelinFormChunk(body);
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } catch (error) {
    if (error instanceof IngestParseError) {
      throw new HttpError('bad_request', error.message, { reason: 'malformed_body' });
    }
    throw error;
  }
}

/** The payload format from Content-Type, User-Agent or `?format=`; 400 when none says. */
function requestFormat(request: FastifyRequest<{ Querystring: Record<string, string> }>): string {
  try {
    return formatFromRequest(
      request.headers['content-type'] ?? '',
      request.query,
      request.headers['user-agent'] ?? '',
    );
  } catch (error) {
    if (error instanceof IngestParseError) {
      throw new HttpError('bad_request', error.message, { reason: 'unknown_format' });
    }
    throw error;
  }
}

export function registerIngestRoutes(
  app: FastifyInstance,
  lake: Lake,
  transformer: IngestTransformer,
): void {
  const ingest = async (
    request: FastifyRequest<{ Params: { policy: string }; Querystring: Record<string, string> }>,
    wendelin: boolean,
  ) => {
    const policyId = request.params.policy;
    requireIngest(request, policyId);
    const policy = await policyOf(lake, policyId);
    const received = await readBody(request, policy.maxBodyBytes);
    const body = wendelin && isForm(request) ? unwrapForm(received) : received;
    const tag = typeof request.query.reference === 'string' ? request.query.reference : null;
    const format = policy.format ?? (wendelin ? 'wendelin-msgpack' : requestFormat(request));
    const receivedAt = lake.now();
    const records = await parseOrRefuse(format, body, parseOptionsOf(policy, tag, receivedAt));
    const future = futureRecords(policy, records, lake.now());
    if (future.length > 0) {
      const first = future[0];
      throw new HttpError(
        'bad_request',
        `${future.length} record(s) are further ahead of the lake's clock than ${policy.futureLimitMs / 1000} s, first at ${new Date(first?.time ?? 0).toISOString()}: nothing was stored`,
        { reason: 'future_records' },
      );
    }
    const sha256 = createHash('sha256').update(body).digest('hex');
    const header = KEY_HEADERS.map((name) => request.headers[name]).find(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    // A collector resends a failed batch unchanged: the same policy and body are the same request.
    const key =
      header === undefined
        ? createHash('sha256').update(`${policyId}\n${sha256}`).digest('hex')
        : `${policyId}\n${header.slice(0, 200)}`;
    const known = await lake.meta.getIngest(key);
    const entry = { key, policyId, sha256, length: body.length, format, tag, receivedAt };
    // The log row's commit is the durability point. A small body is in it (one transaction,
    // one fsync); a large one is stored by hash first, the row recording its chunk and
    // reference in the same transaction.
    let logged = false;
    let logEntry = known;
    if (known === undefined && body.length <= INLINE_BODY_BYTES) {
      ({ logged, entry: logEntry } = await lake.meta.logIngest({ ...entry, body }));
    } else if (known === undefined) {
      await lake.blobs.put(sha256, body);
      ({ logged, entry: logEntry } = await lake.meta.logIngest(entry, {
        sha256,
        length: body.length,
        storedAt: lake.now(),
        uploader: null,
        refId: ingestRefId(key),
      }));
    }
    if (logEntry === undefined) throw new Error(`ingest log entry ${key} vanished`);
    if (logged) {
      transformer.remember(key, records);
      transformer.kick();
    }
    return { entry: logEntry, logged, records: records.length };
  };

  app.post<{ Params: { policy: string }; Querystring: Record<string, string> }>(
    '/api/ingest/:policy',
    async (request, reply) => {
      const { entry, logged, records } = await ingest(request, false);
      return reply.code(logged ? 202 : 200).send({
        key: entry.key,
        status: entry.status,
        duplicate: !logged,
        records,
      });
    },
  );

  // Wendelin's ingest URL shape: `…/ingest?reference=<tag>`, msgpack [time, record] pairs, 204.
  app.post<{ Params: { policy: string }; Querystring: Record<string, string> }>(
    '/api/ingest/:policy/ingest',
    async (request, reply) => {
      await ingest(request, true);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { policy: string } }>('/api/ingest/:policy', async (request) => {
    const principal = request.principal;
    if (principal === null) throw new HttpError('unauthorized', 'Sign in');
    if (principal.role !== 'admin' && principal.role !== 'analyst')
      requireIngest(request, request.params.policy);
    await policyOf(lake, request.params.policy);
    return {
      policy: request.params.policy,
      requests: await lake.meta.ingestCounts(request.params.policy),
    };
  });
}
