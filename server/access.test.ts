// Access by site on every endpoint (docs/lake-api.md, "Roles and sites"): anonymous callers,
// a technician of another site, a collector token and a revoked token reach nothing but
// health; a technician reaches their sites' documents, chunks, datasets and Zarr nodes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangesResponse } from '../src/shared/wire/lake.ts';
import { startTestLake, type TestLake } from './test-support/test-lake.ts';

let lake: TestLake;
let north: string;
let south: string;
let collector: string;
let revoked: string;
let chunkSha: string;

const bytesCodec = [{ name: 'bytes', configuration: { endian: 'little' } }];

beforeAll(async () => {
  lake = await startTestLake();
  const admin = lake.auth(lake.adminToken);
  const chunk = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
  chunkSha = createHash('sha256').update(chunk).digest('hex');
  const put = await lake.app.inject({
    method: 'PUT',
    url: `/api/chunks/${chunkSha}`,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: chunk,
  });
  expect(put.statusCode).toBe(201);
  const docs = [
    { id: 'site/north', doc: { type: 'site', name: 'North' } },
    { id: 'site/south', doc: { type: 'site', name: 'South' } },
    { id: 'asset/n1', doc: { type: 'asset', site: 'site/north' } },
    { id: 'ds/n1', doc: { type: 'dataset', assetId: 'asset/n1', title: 'N1' } },
    { id: 'ds/s1', doc: { type: 'dataset', site: 'site/south', title: 'S1' } },
    {
      id: 'sig/n1',
      doc: {
        type: 'signal',
        datasetId: 'ds/n1',
        name: 'v',
        dtype: 'float32',
        chunkLength: 4,
        codecs: bytesCodec,
        fillValue: 'NaN',
        length: 0,
      },
    },
    {
      id: 'sig/n1/manifest/0',
      doc: {
        type: 'chunk-page',
        signalId: 'sig/n1',
        page: 0,
        entries: [
          { sha256: chunkSha, count: 4, min: 1, max: 4, mean: 2.5, finite: 4, nanCount: 0 },
        ],
      },
    },
  ];
  const pushed = await lake.app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers: admin,
    payload: { items: docs },
  });
  expect(pushed.json<{ results: { ok: boolean }[] }>().results.every((r) => r.ok)).toBe(true);
  await lake.app.inject({
    method: 'PUT',
    url: '/api/docs/sig%2Fn1',
    headers: admin,
    payload: { ...docs[5]?.doc, length: 4 },
  });
  north = (await lake.addUser('tech-north', 'technician', ['site/north'])).token;
  south = (await lake.addUser('tech-south', 'technician', ['site/south'])).token;
  collector = await lake.addToken('collector', { policy: 'policy/x' });
  const victim = await lake.addUser('gone', 'analyst');
  revoked = victim.token;
  const meta = lake.opened.lake.meta;
  for (const token of await meta.listTokens(victim.userId))
    await meta.revokeToken(token.id, Date.now());
});

afterAll(async () => {
  await lake.close();
});

const endpoints = (): [string, string][] => [
  ['GET', '/api/docs/ds%2Fn1'],
  ['GET', '/api/docs'],
  ['PUT', '/api/docs/new'],
  ['POST', '/api/bulk'],
  ['GET', '/api/changes'],
  ['GET', '/api/sites'],
  ['GET', '/api/datasets'],
  ['GET', '/api/datasets/ds%2Fn1'],
  ['GET', `/api/chunks/${chunkSha}`],
  ['HEAD', `/api/chunks/${chunkSha}`],
  ['PUT', `/api/chunks/${'0'.repeat(64)}`],
  ['GET', '/api/zarr/zarr.json'],
  ['GET', '/api/users'],
  ['GET', '/api/tokens'],
  ['GET', '/api/session'],
];

async function call(method: string, url: string, token?: string): Promise<number> {
  const response = await lake.app.inject({
    method: method as 'GET',
    url,
    headers: token === undefined ? {} : lake.auth(token),
    ...(method === 'PUT' || method === 'POST'
      ? { payload: method === 'POST' ? { items: [] } : {} }
      : {}),
  });
  return response.statusCode;
}

describe('access', () => {
  it('health is public; everything else answers 401 without credentials', async () => {
    expect(await call('GET', '/api/health')).toBe(200);
    for (const [method, url] of endpoints())
      expect(await call(method, url), `${method} ${url}`).toBe(401);
  });

  it('a revoked token answers 401 everywhere', async () => {
    for (const [method, url] of endpoints()) {
      expect(await call(method, url, revoked), `${method} ${url}`).toBe(401);
    }
  });

  it('a collector token reaches no document, chunk or account route', async () => {
    for (const [method, url] of endpoints()) {
      expect(await call(method, url, collector), `${method} ${url}`).toBe(403);
    }
  });

  it("a technician sees their site's documents and chunks, and another site's as missing", async () => {
    expect(await call('GET', '/api/docs/ds%2Fn1', north)).toBe(200);
    expect(await call('GET', '/api/docs/ds%2Fn1', south)).toBe(404);
    expect(await call('GET', '/api/docs/ds%2Fs1', south)).toBe(200);
    expect(await call('GET', `/api/chunks/${chunkSha}`, north)).toBe(200);
    expect(await call('GET', `/api/chunks/${chunkSha}`, south)).toBe(404);
    expect(await call('GET', '/api/datasets/ds%2Fn1', south)).toBe(404);
    expect(await call('GET', '/api/users', north)).toBe(403);
    const feed: ChangesResponse = (
      await lake.app.inject({ url: '/api/changes', headers: lake.auth(south) })
    ).json();
    expect(feed.results.map((c) => c.id).sort()).toEqual(['ds/s1', 'site/south']);
    const sites = (await lake.app.inject({ url: '/api/sites', headers: lake.auth(north) })).json<{
      sites: { id: string; assets: { id: string }[] }[];
    }>();
    expect(sites.sites.map((s) => s.id)).toEqual(['site/north']);
    expect(sites.sites[0]?.assets.map((a) => a.id)).toEqual(['asset/n1']);
  });

  it('a technician cannot write into another site or change a site document', async () => {
    const results = (
      await lake.app.inject({
        method: 'POST',
        url: '/api/bulk',
        headers: lake.auth(south),
        payload: {
          items: [
            { id: 'note/1', doc: { type: 'annotation', datasetId: 'ds/n1', text: 'x' } },
            { id: 'site/south', doc: { type: 'site', name: 'renamed' } },
            { id: 'note/2', doc: { type: 'annotation', datasetId: 'ds/s1', text: 'ok' } },
          ],
        },
      })
    ).json<{ results: { ok: boolean; error?: { status: number } }[] }>().results;
    // ds/n1 is invisible to south: its parent does not exist for them.
    expect(results.map((r) => (r.ok ? 200 : r.error?.status))).toEqual([400, 403, 200]);
  });

  it('the Zarr view over HTTP is filtered by site too', async () => {
    expect(await call('GET', '/api/zarr/ds~2Fn1/zarr.json', north)).toBe(200);
    expect(await call('GET', '/api/zarr/ds~2Fn1/zarr.json', south)).toBe(404);
    expect(await call('GET', '/api/zarr/ds~2Fn1/v/c/0', north)).toBe(200);
    expect(await call('GET', '/api/zarr/..%2F..%2Fmeta.sqlite', north)).toBe(404);
  });
});
