// The derived Zarr view after a failure: a batch whose chunk references were committed but
// whose chunk keys could not all be linked (a full disk) is applied again in repair mode, so
// the keys appear once the disk has room — the references alone would report nothing changed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStoreError } from '../blobs/types.ts';
import { ChunkCache } from '../signals/chunk-cache.ts';
import { placeSamples } from '../signals/place-samples.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from '../signals/write-docs.ts';
import { signalHeader } from '../signals/write-signal.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

let lake: TestLake;
beforeEach(async () => {
  lake = await startTestLake();
  await writeOrThrow(
    lake.opened,
    LAKE_PRINCIPAL,
    { id: 'site/a', doc: { type: 'site' } },
    { id: 'ds', doc: { type: 'dataset', site: 'site/a' } },
    {
      id: 'sig',
      doc: { ...signalHeader({ datasetId: 'ds', name: 'v', chunkLength: 1024, sampleRate: 1 }) },
    },
  );
});
afterEach(async () => {
  await lake.close();
});

describe('derived state', () => {
  it('links the chunk keys a failed application left out, at the next one', async () => {
    const blobs = lake.opened.lake.blobs;
    const real = blobs.setZarrChunk.bind(blobs);
    let failures = 1;
    blobs.setZarrChunk = (...args) =>
      failures-- > 0 ? Promise.reject(new BlobStoreError('no_space', 'disk full')) : real(...args);
    const key = (chunk: number) => path.join(lake.dir, 'zarr', 'ds', 'v', 'c', String(chunk));
    const values = Array.from({ length: 3000 }, (_, index) => ({ index, value: index }));
    await placeSamples(lake.opened, LAKE_PRINCIPAL, 'sig', values, {}, { cache: new ChunkCache() });
    const missing = [0, 1, 2].filter((chunk) => !existsSync(key(chunk)));
    expect(missing.length).toBeGreaterThan(0);
    // Any later write applies the derived state again; the failed batch is repaired.
    await writeOrThrow(lake.opened, LAKE_PRINCIPAL, { id: 'note', doc: { type: 'note' } });
    expect([0, 1, 2].filter((chunk) => !existsSync(key(chunk)))).toEqual([]);
  });
});
