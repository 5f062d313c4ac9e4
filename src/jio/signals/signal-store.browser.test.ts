// Signals over the real IndexedDB storage and chunk store in Chromium, at the default chunk size.
import { describe, expect, it } from 'vitest';
import { openIndexedDbChunkStore } from '../chunks/indexeddb-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../registry.ts';
import { registerIndexedDbStorage } from '../storages/indexeddb/index.ts';
import { SignalStore } from './signal-store.ts';

describe('signals in Chromium', () => {
  it('appends 2.5 chunks of 2^18 float32 samples and reads slices across chunk edges', async () => {
    const database = `signals-${Date.now()}`;
    const registry = createStorageRegistry();
    registerCoreStorages(registry);
    registerIndexedDbStorage(registry);
    const storage = registry.create({ type: 'indexeddb', database });
    const chunks = openIndexedDbChunkStore(database);
    const signals = new SignalStore(storage, chunks);
    try {
      await signals.create('s', { datasetId: 'd', name: 'x' });
      const total = 2.5 * 2 ** 18;
      const values = Float32Array.from({ length: total }, (_, i) => Math.sin(i / 100));
      await signals.append('s', values.subarray(0, 300_000));
      await signals.append('s', values.subarray(300_000));
      expect((await signals.header('s')).length).toBe(total);
      const edge = 2 ** 18;
      const slice = await signals.read('s', edge - 3, 2 * edge + 3);
      expect(slice.length).toBe(edge + 6);
      expect(slice[0]).toBe(values[edge - 3]);
      expect(slice[slice.length - 1]).toBe(values[2 * edge + 2]);
      let seen = 0;
      for await (const piece of signals.iterate('s')) {
        expect(piece.values[0]).toBe(values[piece.start]);
        seen += piece.values.length;
      }
      expect(seen).toBe(total);
      expect((await chunks.usage()).count).toBe(4); // 3 chunks + the superseded partial one
    } finally {
      await chunks.close();
      await storage.close();
      indexedDB.deleteDatabase(database);
    }
  });
});
