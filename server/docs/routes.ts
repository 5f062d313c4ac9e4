// Document routes (docs/lake-api.md, "Documents and sync"): single-document CRUD with jIO's
// semantics (conditional put → 412), allDocs with the shared query language, the bulk push
// and the change feed. Every write goes through DocService.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { runQuery, validateAllDocsOptions } from '../../src/shared/query/index.ts';
import { checkDocumentRule } from '../../src/shared/wire/document-rules.ts';
import type { BulkRequest, WireBulkResult, WriteResponse } from '../../src/shared/wire/lake.ts';
import { requireUser } from '../auth/auth-plugin.ts';
import { siteFilter } from '../auth/principal.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import { parseCheckpoint } from './checkpoint.ts';
import type { DocService } from './doc-service.ts';
import { readFeed } from './feed.ts';
import { withRev } from './wire-doc.ts';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1 } },
  required: ['id'],
} as const;

const bulkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: {
          id: {},
          doc: {},
          deleted: { type: 'boolean' },
          assumedRev: {},
        },
      },
    },
  },
} as const;

const changesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', maxLength: 80 },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
    include_docs: { type: 'boolean', default: false },
  },
} as const;

const allDocsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    query: { type: 'string', maxLength: 65536 },
    limit: { type: 'string', maxLength: 64 },
    sort_on: { type: 'string', maxLength: 4096 },
    select_list: { type: 'string', maxLength: 4096 },
    include_docs: { type: 'boolean' },
  },
} as const;

function parseJsonParam(name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError('bad_request', `${name} must be JSON, not ${JSON.stringify(text)}`, {
      reason: 'invalid_option',
    });
  }
}

/** The single outcome of a one-item write, as the single-document routes answer it. */
function single(
  result: WireBulkResult | undefined,
  conflictAs: 'precondition_failed',
): WriteResponse {
  if (result === undefined) throw new Error('write returned no result');
  if (result.ok) return { id: result.id, rev: result.rev };
  const { error } = result;
  if (error.status === 409) {
    throw new HttpError(conflictAs, `Document "${result.id}" is not at the revision given`, {
      reason: 'revision_mismatch',
      current: error.current ?? null,
    });
  }
  throw new HttpError(
    error.status === 403 ? 'forbidden' : error.status === 413 ? 'payload_too_large' : 'bad_request',
    error.message,
    error.reason === undefined ? {} : { reason: error.reason },
  );
}

export function registerDocRoutes(app: FastifyInstance, lake: Lake, docs: DocService): void {
  app.get<{ Params: { id: string } }>(
    '/api/docs/:id',
    { schema: { params: idParams } },
    async (request) => withRev(await docs.get(requireUser(request), request.params.id)),
  );

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/docs/:id',
    { schema: { params: idParams } },
    async (request) => {
      const principal = requireUser(request);
      const { rev } = checkDocumentRule(request.body);
      const { _rev: _ignored, ...doc } = request.body;
      const [result] = await docs.write(principal, [
        { id: request.params.id, doc, ...(rev === undefined ? {} : { assumedRev: rev }) },
      ]);
      return single(result, 'precondition_failed');
    },
  );

  app.post<{ Body: Record<string, unknown> }>('/api/docs', async (request, reply) => {
    const principal = requireUser(request);
    const { content } = checkDocumentRule(request.body);
    const [result] = await docs.write(principal, [
      { id: randomUUID(), doc: content, assumedRev: null },
    ]);
    return reply.code(201).send(single(result, 'precondition_failed'));
  });

  app.delete<{ Params: { id: string }; Querystring: { rev?: string } }>(
    '/api/docs/:id',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { rev: { type: 'string', maxLength: 80 } },
        },
      },
    },
    async (request) => {
      const principal = requireUser(request);
      const current = await docs.get(principal, request.params.id);
      const [result] = await docs.write(principal, [
        {
          id: request.params.id,
          deleted: true,
          assumedRev: request.query.rev ?? current.rev,
        },
      ]);
      return single(result, 'precondition_failed');
    },
  );

  app.get<{
    Querystring: {
      query?: string;
      limit?: string;
      sort_on?: string;
      select_list?: string;
      include_docs?: boolean;
    };
  }>('/api/docs', { schema: { querystring: allDocsQuery } }, async (request) => {
    const principal = requireUser(request);
    const q = request.query;
    const queryText = q.query;
    const options = validateAllDocsOptions({
      ...(queryText === undefined || queryText === ''
        ? {}
        : { query: queryText.startsWith('{') ? parseJsonParam('query', queryText) : queryText }),
      ...(q.limit === undefined ? {} : { limit: parseJsonParam('limit', q.limit) }),
      ...(q.sort_on === undefined ? {} : { sort_on: parseJsonParam('sort_on', q.sort_on) }),
      ...(q.select_list === undefined
        ? {}
        : { select_list: parseJsonParam('select_list', q.select_list) }),
      ...(q.include_docs === undefined ? {} : { include_docs: q.include_docs }),
    });
    const entries: { id: string; doc: Record<string, unknown> }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await lake.meta.listDocs({
        sites: siteFilter(principal),
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      for (const doc of page) entries.push({ id: doc.id, doc: withRev(doc) });
      if (page.length < 1000) break;
      after = page.at(-1)?.id;
    }
    const rows = runQuery(entries, options);
    return { data: { rows, total_rows: rows.length } };
  });

  app.post<{ Body: BulkRequest }>('/api/bulk', { schema: { body: bulkBody } }, async (request) => ({
    results: await docs.write(requireUser(request), request.body.items),
  }));

  app.get<{ Querystring: { since?: string; limit: number; include_docs: boolean } }>(
    '/api/changes',
    { schema: { querystring: changesQuery } },
    async (request) =>
      readFeed(lake, requireUser(request), {
        position: parseCheckpoint(request.query.since),
        limit: request.query.limit,
        includeDocs: request.query.include_docs,
      }),
  );
}
