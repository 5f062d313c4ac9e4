// The chunk garbage collector: superseded versions and uploads that no manifest references
// stay readable by hash for the grace period, then go; referenced chunks never go.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import { collectGarbage } from './gc.ts';

const HOUR = 60 * 60 * 1000;
let clock = Date.UTC(2026, 0, 1);
let lake: TestLake;
let headers: Record<string, string>;

beforeEach(async () => {
  lake = await startTestLake({ now: () => clock, settings: { chunkGraceMs: 24 * HOUR } });
  headers = lake.auth(lake.adminToken);
});
afterEach(async () => {
  await lake.close();
});

async function upload(bytes: Buffer): Promise<string> {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const response = await lake.app.inject({
    method: 'PUT',
    url: `/api/chunks/${sha}`,
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    payload: bytes,
  });
  expect(response.statusCode).toBe(201);
  return sha;
}

const bytesCodec = [{ name: 'bytes', configuration: { endian: 'little' } }];

async function page(hashes: string[]): Promise<void> {
  const response = await lake.app.inject({
    method: 'POST',
    url: '/api/bulk',
    headers,
    payload: {
      items: [
        {
          id: 'sig/manifest/0',
          doc: {
            type: 'chunk-page',
            signalId: 'sig',
            page: 0,
            entries: hashes.map((sha256) => ({ sha256, count: 4 })),
          },
        },
      ],
    },
  });
  expect(response.json<{ results: { ok: boolean }[] }>().results[0]?.ok).toBe(true);
}

const status = async (sha: string): Promise<number> =>
  (await lake.app.inject({ method: 'HEAD', url: `/api/chunks/${sha}`, headers })).statusCode;

describe('garbage collection', () => {
  it('keeps referenced chunks, and removes superseded and orphan ones after the grace period', async () => {
    await lake.app.inject({
      method: 'POST',
      url: '/api/bulk',
      headers,
      payload: {
        items: [
          { id: 'site/a', doc: { type: 'site' } },
          { id: 'ds', doc: { type: 'dataset', site: 'site/a' } },
          {
            id: 'sig',
            doc: {
              type: 'signal',
              datasetId: 'ds',
              name: 'v',
              dtype: 'float32',
              chunkLength: 4,
              codecs: bytesCodec,
              fillValue: 'NaN',
              length: 8,
            },
          },
        ],
      },
    });
    const first = await upload(randomBytes(16));
    const partialV1 = await upload(randomBytes(16));
    await page([first, partialV1]);
    clock += HOUR;
    // An append rewrites the partial last chunk: version 1 is superseded.
    const partialV2 = await upload(randomBytes(16));
    await page([first, partialV2]);
    const orphan = await upload(randomBytes(16));

    clock += 23 * HOUR;
    expect(await collectGarbage(lake.opened.lake)).toEqual({ removed: 0, freedBytes: 0 });
    expect(await status(partialV1)).toBe(200);

    clock += 2 * HOUR;
    const result = await collectGarbage(lake.opened.lake);
    expect(result).toEqual({ removed: 2, freedBytes: 32 });
    expect(await status(partialV1)).toBe(404);
    expect(await status(orphan)).toBe(404);
    expect(await status(first)).toBe(200);
    expect(await status(partialV2)).toBe(200);
    // The Zarr view still holds the current versions.
    const zarr = await lake.app.inject({ url: '/api/zarr/ds/v/c/1', headers });
    expect(createHash('sha256').update(zarr.rawPayload).digest('hex')).toBe(partialV2);
  });

  it('an attachment keeps its bytes until it is removed', async () => {
    await lake.app.inject({ method: 'PUT', url: '/api/docs/d', headers, payload: {} });
    const bytes = randomBytes(10);
    const sha = createHash('sha256').update(bytes).digest('hex');
    await lake.app.inject({
      method: 'PUT',
      url: '/api/docs/d/attachments/a',
      headers: { ...headers, 'content-type': 'application/octet-stream', 'fieldlake-sha256': sha },
      payload: bytes,
    });
    clock += 48 * HOUR;
    expect((await collectGarbage(lake.opened.lake)).removed).toBe(0);
    await lake.app.inject({ method: 'DELETE', url: '/api/docs/d/attachments/a', headers });
    clock += 25 * HOUR;
    expect((await collectGarbage(lake.opened.lake)).removed).toBe(1);
  });
});
