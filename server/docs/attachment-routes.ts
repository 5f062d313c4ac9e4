// Document attachments (docs/lake-api.md): bytes in the blob store by hash, metadata in the
// metadata store, the same access as the document. The client names the SHA-256 of what it
// sends (`fieldlake-sha256`), so the body streams straight to disk and is verified there.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSha256Hex } from '../../src/shared/chunk/sha256.ts';
import { checkAttachmentNameRule } from '../../src/shared/wire/document-rules.ts';
import { requireUser } from '../auth/auth-plugin.ts';
import { canWrite } from '../auth/principal.ts';
import type { ByteSource } from '../blobs/types.ts';
import { sendBlob } from '../chunks/routes.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import type { AttachmentRecord } from '../meta/types.ts';
import { attachmentRefId } from './attachment-refs.ts';
import type { DocService } from './doc-service.ts';

export const SHA256_HEADER = 'fieldlake-sha256';

const params = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
  required: ['id', 'name'],
} as const;

type AttachmentRequest = FastifyRequest<{ Params: { id: string; name: string } }>;

function info(record: AttachmentRecord): { content_type: string; length: number; digest: string } {
  return {
    content_type: record.contentType,
    length: record.length,
    digest: `sha256-${record.sha256}`,
  };
}

export function registerAttachmentRoutes(app: FastifyInstance, lake: Lake, docs: DocService): void {
  app.get<{ Params: { id: string } }>(
    '/api/docs/:id/attachments',
    { schema: { params: { type: 'object', properties: { id: { type: 'string' } } } } },
    async (request) => {
      const doc = await docs.get(requireUser(request), request.params.id);
      const records = await lake.meta.listAttachments(doc.id);
      return Object.fromEntries(records.map((record) => [record.name, info(record)]));
    },
  );

  app.get(
    '/api/docs/:id/attachments/:name',
    { schema: { params } },
    async (request: AttachmentRequest, reply) => {
      const doc = await docs.get(requireUser(request), request.params.id);
      const name = checkAttachmentNameRule(request.params.name);
      const record = await lake.meta.getAttachment(doc.id, name);
      if (record === undefined)
        throw new HttpError('not_found', `No attachment "${name}" on "${doc.id}"`);
      return sendBlob(lake, request, reply, record.sha256, record.length, record.contentType);
    },
  );

  app.put(
    '/api/docs/:id/attachments/:name',
    { schema: { params } },
    async (request: AttachmentRequest) => {
      const principal = requireUser(request);
      const doc = await docs.get(principal, request.params.id);
      if (!canWrite(principal, doc.site, doc.type)) {
        throw new HttpError('forbidden', `You may not change "${doc.id}"`);
      }
      const name = checkAttachmentNameRule(request.params.name);
      const sha256 = request.headers[SHA256_HEADER];
      if (!isSha256Hex(sha256)) {
        throw new HttpError('bad_request', `Send the SHA-256 of the bytes in ${SHA256_HEADER}`, {
          reason: 'invalid_attachment',
        });
      }
      const contentType = (request.headers['content-type'] ?? 'application/octet-stream').slice(
        0,
        200,
      );
      const result = await lake.blobs.put(sha256, request.body as ByteSource, {
        maxLength: lake.settings.maxChunkBytes,
      });
      const now = lake.now();
      await lake.meta.recordChunk({
        sha256,
        length: result.length,
        storedAt: now,
        uploader: principal.userId,
      });
      const record: AttachmentRecord = {
        docId: doc.id,
        name,
        sha256,
        length: result.length,
        contentType,
      };
      await lake.meta.putAttachment(record);
      await lake.meta.setChunkRefs(attachmentRefId(doc.id, name), doc.site, 0, [sha256]);
      return info(record);
    },
  );

  app.delete(
    '/api/docs/:id/attachments/:name',
    { schema: { params } },
    async (request: AttachmentRequest, reply) => {
      const principal = requireUser(request);
      const doc = await docs.get(principal, request.params.id);
      if (!canWrite(principal, doc.site, doc.type)) {
        throw new HttpError('forbidden', `You may not change "${doc.id}"`);
      }
      const name = checkAttachmentNameRule(request.params.name);
      if (!(await lake.meta.removeAttachment(doc.id, name))) {
        throw new HttpError('not_found', `No attachment "${name}" on "${doc.id}"`);
      }
      await lake.meta.clearChunkRefs(attachmentRefId(doc.id, name));
      return reply.code(204).send();
    },
  );
}
