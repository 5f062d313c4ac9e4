// Chunk routes (docs/lake-api.md, "Chunks"): content-addressed bytes, verified on the way in,
// resumable uploads with a probe of what is held, ranged and validated reads. Chunks are
// uploaded before the manifest pages that reference them, so an upload needs only a signed-in
// user; reading one needs sight of a manifest that references it (or having uploaded it).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSha256Hex } from '../../src/shared/chunk/sha256.ts';
import { UPLOAD_OFFSET_HEADER } from '../../src/shared/wire/lake.ts';
import { requireUser } from '../auth/auth-plugin.ts';
import { canSee, type Principal } from '../auth/principal.ts';
import type { ByteSource } from '../blobs/types.ts';
import { parseContentRange, parseRangeHeader } from '../http/byte-range.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';

const shaParams = {
  type: 'object',
  properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
  required: ['sha256'],
} as const;

type ShaRequest = FastifyRequest<{ Params: { sha256: string } }>;

function uploaderOf(principal: Principal): string {
  return principal.userId ?? principal.tokenId;
}

/** Whether the principal may read the chunk; unknown and invisible chunks look the same. */
async function mayRead(lake: Lake, principal: Principal, sha256: string): Promise<boolean> {
  const record = await lake.meta.getChunk(sha256);
  if (record === undefined) return false;
  if (principal.role === 'admin' || principal.role === 'analyst') return true;
  if (record.uploader !== null && record.uploader === uploaderOf(principal)) return true;
  const refs = await lake.meta.chunkRefs(sha256);
  return refs.some((ref) => canSee(principal, ref.site));
}

/** The stored chunk's size if the principal may read it; undefined looks like "missing". */
async function readableStat(
  lake: Lake,
  principal: Principal,
  sha256: string,
): Promise<{ length: number } | undefined> {
  return (await mayRead(lake, principal, sha256)) ? lake.blobs.stat(sha256) : undefined;
}

function checkLength(request: FastifyRequest, lake: Lake): void {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > lake.settings.maxChunkBytes) {
    throw new HttpError(
      'payload_too_large',
      `A chunk may have at most ${lake.settings.maxChunkBytes} bytes; this one announces ${declared}`,
    );
  }
}

export function registerChunkRoutes(app: FastifyInstance, lake: Lake): void {
  app.head(
    '/api/chunks/:sha256',
    { schema: { params: shaParams } },
    async (request: ShaRequest, reply) => {
      const { sha256 } = request.params;
      const stat = await readableStat(lake, requireUser(request), sha256);
      if (stat !== undefined) {
        return reply
          .code(200)
          .header('content-length', String(stat.length))
          .header('etag', `"${sha256}"`)
          .header('accept-ranges', 'bytes')
          .send();
      }
      const partial = await lake.blobs.partial(sha256);
      return reply.code(404).header(UPLOAD_OFFSET_HEADER, String(partial.held)).send();
    },
  );

  app.get(
    '/api/chunks/:sha256',
    { schema: { params: shaParams } },
    async (request: ShaRequest, reply) => {
      const { sha256 } = request.params;
      const stat = await readableStat(lake, requireUser(request), sha256);
      if (stat === undefined) throw new HttpError('not_found', `No chunk ${sha256}`);
      return sendBlob(lake, request, reply, sha256, stat.length, 'application/octet-stream');
    },
  );

  app.put(
    '/api/chunks/:sha256',
    { schema: { params: shaParams } },
    async (request: ShaRequest, reply) => {
      const principal = requireUser(request);
      const { sha256 } = request.params;
      checkLength(request, lake);
      const body = request.body as ByteSource;
      const rangeHeader = request.headers['content-range'];
      if (typeof rangeHeader === 'string') {
        const range = parseContentRange(rangeHeader);
        if (range.total > lake.settings.maxChunkBytes) {
          throw new HttpError(
            'payload_too_large',
            `A chunk may have at most ${lake.settings.maxChunkBytes} bytes`,
          );
        }
        const existing = await lake.blobs.stat(sha256);
        if (existing !== undefined) {
          await record(lake, principal, sha256, existing.length);
          return reply.code(200).header(UPLOAD_OFFSET_HEADER, String(existing.length)).send();
        }
        const result = await lake.blobs.append(sha256, range.first, range.total, body);
        if (!result.complete) {
          return reply.code(202).header(UPLOAD_OFFSET_HEADER, String(result.held)).send();
        }
        await record(lake, principal, sha256, result.length);
        return reply
          .code(result.created ? 201 : 200)
          .header(UPLOAD_OFFSET_HEADER, String(result.length))
          .send();
      }
      const result = await lake.blobs.put(sha256, body, { maxLength: lake.settings.maxChunkBytes });
      await record(lake, principal, sha256, result.length);
      return reply.code(result.created ? 201 : 200).send();
    },
  );
}

async function record(
  lake: Lake,
  principal: Principal,
  sha256: string,
  length: number,
): Promise<void> {
  await lake.meta.recordChunk({
    sha256,
    length,
    storedAt: lake.now(),
    uploader: uploaderOf(principal),
  });
}

/** Streams a stored blob with ETag, conditional and ranged reads. */
export async function sendBlob(
  lake: Lake,
  request: FastifyRequest,
  reply: FastifyReply,
  sha256: string,
  size: number,
  contentType: string,
): Promise<FastifyReply> {
  if (!isSha256Hex(sha256)) throw new HttpError('not_found', 'No such blob');
  const etag = `"${sha256}"`;
  reply
    .header('etag', etag)
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'private, max-age=31536000, immutable');
  const ifNoneMatch = request.headers['if-none-match'];
  if (
    typeof ifNoneMatch === 'string' &&
    ifNoneMatch.split(',').some((tag) => tag.trim() === etag)
  ) {
    return reply.code(304).send();
  }
  const ifRange = request.headers['if-range'];
  const rangeHeader =
    typeof ifRange === 'string' && ifRange !== etag ? undefined : request.headers.range;
  const range = parseRangeHeader(rangeHeader, size);
  reply.type(contentType);
  if (range === undefined) {
    reply.header('content-length', String(size));
    return reply.code(200).send(Readable.from(await lake.blobs.read(sha256)));
  }
  reply
    .header('content-range', `bytes ${range.start}-${range.end - 1}/${size}`)
    .header('content-length', String(range.end - range.start));
  return reply.code(206).send(Readable.from(await lake.blobs.read(sha256, range)));
}
