// Reading routes (docs/lake-api.md, "Reading"): sites with their assets, datasets with paging
// and the query language, one dataset with its signals and pyramid levels, signal slices
// (slice-route.ts) and a read-only HTTP view of the Zarr hierarchy.
import type { FastifyInstance } from 'fastify';
import { compileQuery, parseQuery } from '../../src/shared/query/index.ts';
import { requireUser } from '../auth/auth-plugin.ts';
import { canSee } from '../auth/principal.ts';
import { decodeZarrNodeName } from '../blobs/zarr-path.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import { withRev } from '../docs/wire-doc.ts';
import { allOfType, datasetSignals, visibleDataset } from './datasets.ts';
import { registerSliceRoute } from './slice-route.ts';

export function registerReadRoutes(app: FastifyInstance, lake: Lake): void {
  app.get('/api/sites', async (request) => {
    const principal = requireUser(request);
    const sites = new Map<
      string,
      { site: Record<string, unknown>; assets: Record<string, unknown>[] }
    >();
    for await (const doc of allOfType(lake, principal, 'site')) {
      sites.set(doc.id, { site: { id: doc.id, ...withRev(doc) }, assets: [] });
    }
    for await (const doc of allOfType(lake, principal, 'asset')) {
      if (doc.site !== null) sites.get(doc.site)?.assets.push({ id: doc.id, ...withRev(doc) });
    }
    return { sites: [...sites.values()].map(({ site, assets }) => ({ ...site, assets })) };
  });

  app.get<{ Querystring: { query?: string; limit: number; after?: string } }>(
    '/api/datasets',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            query: { type: 'string', maxLength: 65536 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            after: { type: 'string', maxLength: 16384 },
          },
        },
      },
    },
    async (request) => {
      const principal = requireUser(request);
      const { query, limit, after } = request.query;
      const matches =
        query === undefined || query === '' ? () => true : compileQuery(parseQuery(query));
      const datasets: Record<string, unknown>[] = [];
      let last: string | undefined;
      let more = false;
      for await (const doc of allOfType(lake, principal, 'dataset', after)) {
        const shown = { id: doc.id, ...withRev(doc) };
        if (!matches(shown)) continue;
        if (datasets.length === limit) {
          more = true;
          break;
        }
        datasets.push(shown);
        last = doc.id;
      }
      return { datasets, next: more ? (last ?? null) : null };
    },
  );

  app.get<{ Params: { id: string } }>('/api/datasets/:id', async (request) => {
    const principal = requireUser(request);
    const doc = await visibleDataset(lake, principal, request.params.id);
    const signals = await datasetSignals(lake, principal, doc.id);
    return {
      dataset: { id: doc.id, ...withRev(doc) },
      signals: signals.map(({ signal, levels }) => ({
        id: signal.id,
        ...withRev(signal),
        pyramid: levels.map((level) => ({ id: level.id, ...withRev(level) })),
      })),
    };
  });

  registerSliceRoute(app, lake);

  // The Zarr view over HTTP: zarr.json of any node and chunk files, read-only, by site.
  app.get<{ Params: { '*': string } }>('/api/zarr/*', async (request, reply) => {
    const principal = requireUser(request);
    const segments = request.params['*'].split('/').filter((segment) => segment !== '');
    const last = segments.at(-1);
    let path: string[];
    let key: string[];
    if (last === 'zarr.json') {
      path = segments.slice(0, -1);
      key = ['zarr.json'];
    } else {
      const c = segments.lastIndexOf('c');
      if (c < 0 || segments.slice(c + 1).some((part) => !/^\d{1,12}$/.test(part))) {
        throw new HttpError('not_found', 'No such Zarr node');
      }
      path = segments.slice(0, c);
      key = segments.slice(c);
    }
    const [datasetNode] = path;
    if (datasetNode !== undefined) {
      let datasetId: string;
      try {
        datasetId = decodeZarrNodeName(datasetNode);
      } catch {
        throw new HttpError('not_found', 'No such Zarr node');
      }
      const dataset = await lake.meta.getDoc(datasetId);
      if (dataset === undefined || dataset.deleted || !canSee(principal, dataset.site)) {
        throw new HttpError('not_found', 'No such Zarr node');
      }
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await lake.blobs.readZarr(path, key);
    } catch {
      bytes = undefined;
    }
    if (bytes === undefined) throw new HttpError('not_found', 'No such Zarr node');
    return reply
      .type(key[0] === 'zarr.json' ? 'application/json' : 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
