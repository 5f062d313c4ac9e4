// Placing samples by index: appends with gaps, late data in place, duplicates kept out, and a
// pyramid equal to the one built from the final samples.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestEntry, levelManifestEntry } from '../../src/shared/signal/manifest.ts';
import { buildPyramid, type LevelArray } from '../../src/shared/signal/pyramid.ts';
import { levelId, pageId } from '../../src/shared/signal/types.ts';
import { BlobStoreError, type BlobStore } from '../blobs/types.ts';
import type { LakeWriter } from '../lake-context.ts';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';
import { ArrayEditor } from './array-editor.ts';
import { ChunkCache } from './chunk-cache.ts';
import { levelChunkBucketsFor, placeSamples } from './place-samples.ts';
import { LAKE_PRINCIPAL, writeOrThrow } from './write-docs.ts';
import { signalHeader } from './write-signal.ts';
import { WriteSet } from './write-set.ts';

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
      doc: {
        ...signalHeader({
          datasetId: 'ds',
          name: 'v',
          chunkLength: 256,
          t0: '2026-01-01T00:00:00Z',
          sampleRate: 10,
        }),
      },
    },
  );
});
afterEach(async () => {
  await lake.close();
});

async function readAll(
  id: string,
  length: number,
  chunkLength: number,
  valuesPerItem: number,
): Promise<Float64Array> {
  const editor = new ArrayEditor(lake.opened, LAKE_PRINCIPAL, {
    id,
    layout: {
      dtype: 'float32',
      chunkLength: chunkLength * valuesPerItem,
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
      fillValue: NaN,
    },
    valuesPerItem,
    entry:
      valuesPerItem === 1 ? manifestEntry : (sha, v) => levelManifestEntry(sha, v as LevelArray),
  });
  const out = new Float64Array(length * valuesPerItem);
  for (let c = 0; c * chunkLength < length; c++) {
    const chunk = await editor.chunk(c);
    const take = Math.min(chunkLength, length - c * chunkLength) * valuesPerItem;
    out.set(chunk.values.subarray(0, take), c * chunkLength * valuesPerItem);
  }
  return out;
}

describe('placeSamples', () => {
  it('appends with gaps, writes late data in place, keeps the first of two values, and keeps the pyramid right', async () => {
    const expected = new Float64Array(3000).fill(NaN);
    const batch = (from: number, to: number, step = 1) =>
      Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => {
        const index = from + i * step;
        return { index, value: Math.fround(Math.sin(index / 7) * 10) };
      });
    const apply = (placements: { index: number; value: number }[]) => {
      for (const { index, value } of placements)
        if (Number.isNaN(expected[index] ?? NaN)) expected[index] = value;
    };
    const first = batch(0, 700);
    expect(await placeSamples(lake.opened, LAKE_PRINCIPAL, 'sig', first)).toMatchObject({
      written: 700,
      late: 0,
      length: 700,
    });
    apply(first);
    // A gap of 1 300 samples, then more.
    const second = batch(2000, 3000);
    expect(await placeSamples(lake.opened, LAKE_PRINCIPAL, 'sig', second)).toMatchObject({
      written: 1000,
      length: 3000,
    });
    apply(second);
    // Late data into the gap, and a repeat of indexes already written.
    const lateOnes = [...batch(900, 1500, 3), ...batch(100, 110)];
    const result = await placeSamples(lake.opened, LAKE_PRINCIPAL, 'sig', lateOnes);
    expect(result).toMatchObject({ written: 200, duplicates: 10, late: 200, length: 3000 });
    apply(lateOnes);

    const header = await lake.opened.lake.meta.getDoc('sig');
    expect(header?.body).toMatchObject({ length: 3000, levels: 4 });
    const values = await readAll('sig', 3000, 256, 1);
    expect(Array.from(values)).toEqual(Array.from(expected));
    const reference = buildPyramid(Float32Array.from(expected));
    for (const level of reference) {
      const buckets = level.buckets.length / 4;
      const levelDoc = await lake.opened.lake.meta.getDoc(levelId('sig', level.level));
      // Levels of a signal with small chunks get small chunks too (levelChunkBucketsFor).
      expect(levelDoc?.body.chunkLength).toBe(levelChunkBucketsFor(256));
      const stored = await readAll(levelId('sig', level.level), buckets, 256, 4);
      for (let i = 0; i < stored.length; i++) {
        const want = level.buckets[i] ?? NaN;
        const got = stored[i] ?? NaN;
        if (Number.isNaN(want)) expect(got, `level ${level.level} value ${i}`).toBeNaN();
        else
          expect(Math.abs(got - want), `level ${level.level} value ${i}`).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(want)),
          );
      }
    }
  });
});

describe('placements sharing one commit (WriteSet)', () => {
  const withBlobs = (blobs: BlobStore): LakeWriter => ({
    lake: { ...lake.opened.lake, blobs, now: () => lake.opened.lake.now() },
    docs: lake.opened.docs,
  });

  it('writes nothing until the commit, then every signal at once', async () => {
    await writeOrThrow(lake.opened, LAKE_PRINCIPAL, {
      id: 'sig2',
      doc: { ...signalHeader({ datasetId: 'ds', name: 'w', chunkLength: 256, sampleRate: 10 }) },
    });
    const set = new WriteSet(lake.opened, LAKE_PRINCIPAL);
    const cache = new ChunkCache();
    const values = Array.from({ length: 600 }, (_, index) => ({ index, value: index }));
    for (const id of ['sig', 'sig2']) {
      await placeSamples(
        lake.opened,
        LAKE_PRINCIPAL,
        id,
        values,
        { ingestedThrough: 7 },
        {
          into: set,
          cache,
        },
      );
    }
    expect((await lake.opened.lake.meta.getDoc('sig'))?.body.length).toBe(0);
    await set.commit();
    for (const id of ['sig', 'sig2']) {
      expect((await lake.opened.lake.meta.getDoc(id))?.body).toMatchObject({
        length: 600,
        ingestedThrough: 7,
      });
      expect(Array.from(await readAll(id, 600, 256, 1))).toEqual(values.map((v) => v.value));
    }
    // The next placement starts from the cached tails, with the same result as from disk.
    expect(cache.bytes).toBeGreaterThan(0);
    await placeSamples(
      lake.opened,
      LAKE_PRINCIPAL,
      'sig',
      [{ index: 600, value: -1 }],
      {},
      { cache },
    );
    expect(Array.from(await readAll('sig', 601, 256, 1)).at(-1)).toBe(-1);
    expect(Array.from(await readAll('sig', 601, 256, 1)).slice(0, 600)).toEqual(
      values.map((v) => v.value),
    );
  });

  it('commits no document when a chunk cannot be stored', async () => {
    const real = lake.opened.lake.blobs;
    let puts = 0;
    const failing = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'put') {
          return (...args: Parameters<BlobStore['put']>) =>
            ++puts === 3
              ? Promise.reject(new BlobStoreError('no_space', 'disk full'))
              : real.put(...args);
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const writer = withBlobs(failing);
    const set = new WriteSet(writer, LAKE_PRINCIPAL);
    const values = Array.from({ length: 2000 }, (_, index) => ({ index, value: index }));
    await placeSamples(writer, LAKE_PRINCIPAL, 'sig', values, {}, { into: set });
    await expect(set.commit()).rejects.toMatchObject({ code: 'no_space' });
    expect(puts).toBeGreaterThan(3);
    const header = await lake.opened.lake.meta.getDoc('sig');
    expect(header?.body.length).toBe(0);
    expect(await lake.opened.lake.meta.getDoc(pageId('sig', 0))).toBeUndefined();
  });
});
