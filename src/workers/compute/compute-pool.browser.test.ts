// The compute pool for real: module workers in Chromium reading a signal the page stored in
// IndexedDB, jobs split across two workers, progress through comlink proxies, cancellation.
import { afterAll, describe, expect, it } from 'vitest';
import { windowed } from '../../algorithms/windowed/reference.ts';
import { openIndexedDbChunkStore } from '../../jio/chunks/indexeddb-chunk-store.ts';
import { isJioError } from '../../jio/errors.ts';
import { createStorageRegistry, registerCoreStorages } from '../../jio/registry.ts';
import { SignalStore } from '../../jio/signals/signal-store.ts';
import { registerIndexedDbStorage } from '../../jio/storages/indexeddb/index.ts';
import { createBrowserComputePool } from './browser-pool.ts';

const database = `compute-${String(Date.now())}`;
const registry = createStorageRegistry();
registerCoreStorages(registry);
registerIndexedDbStorage(registry);
const storage = registry.create({ type: 'indexeddb', database });
const chunks = openIndexedDbChunkStore(database);
const signals = new SignalStore(storage, chunks);
const pool = createBrowserComputePool({ size: 2, database });
const values = Float32Array.from({ length: 3 * 2 ** 18 + 1000 }, (_, i) =>
  i % 5000 === 0 ? Number.NaN : Math.sin(i / 300) * (1 + (i % 7)),
);

afterAll(async () => {
  pool.terminate();
  await chunks.close();
  await storage.close();
  indexedDB.deleteDatabase(database);
});

describe('compute pool in Chromium', () => {
  it('runs windowed statistics in two workers over chunks read from IndexedDB', async () => {
    await signals.create('vib', { datasetId: 'd', name: 'vibration' });
    await signals.append('vib', values);
    const state = windowed.init({ window: 1024, partial: 'keep' }, 'float32');
    const whole = windowed.update(state, values);
    const tail = windowed.finish(state);
    const seen: number[] = [];
    const result = await pool.run(
      { id: 'w', algorithm: 'windowed', params: { window: 1024 }, signal: 'vib' },
      { onProgress: (p) => seen.push(p.done) },
    );
    expect([...(result.outputs.max ?? [])]).toEqual([...whole.max, ...tail.max]);
    expect([...(result.outputs.mean ?? [])]).toEqual([...whole.mean, ...tail.mean]);
    expect(result.outputs.max).toBeInstanceOf(Float32Array);
    expect(result.inputChunks).toHaveLength(4);
    expect(seen.at(-1)).toBe(values.length);
  });

  it('cancels a running job, and the workers take the next one', async () => {
    const controller = new AbortController();
    const running = pool.run(
      { id: 'c', algorithm: 'windowed', params: { window: 64 }, signal: 'vib' },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done > 0) controller.abort();
        },
      },
    );
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    const next = await pool.run({
      id: 'n',
      algorithm: 'windowed',
      params: { window: 2 ** 20 },
      signal: 'vib',
    });
    expect(next.outputs.count).toHaveLength(1);
  });

  it('keeps the error code of a refused job across the worker boundary', async () => {
    const error: unknown = await pool
      .run({ id: 'e', algorithm: 'windowed', params: { window: -3 }, signal: 'vib' })
      .catch((caught: unknown) => caught);
    expect(isJioError(error, 'bad_request')).toBe(true);
  });
});
