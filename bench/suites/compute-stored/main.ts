// The stored-signal compute page: a float32 signal recorded in the app's real IndexedDB
// storage and chunk store, then windowed statistics over all of it in the app's worker pool
// (workers read the chunks themselves), beside a read of the same chunks that computes nothing.
import { openIndexedDbChunkStore } from '../../../src/jio/chunks/indexeddb-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../../src/jio/registry.ts';
import { SignalStore } from '../../../src/jio/signals/signal-store.ts';
import { registerIndexedDbStorage } from '../../../src/jio/storages/indexeddb/index.ts';
import { createBrowserComputePool } from '../../../src/workers/compute/browser-pool.ts';
import { type PageApi, pageApiKey } from './protocol.ts';

const DATABASE = 'compute-bench-stored';
const SIGNAL = 'bench/big';
const PIECE = 1 << 22; // 16 MiB of float32 per append

const registry = createStorageRegistry();
registerCoreStorages(registry);
registerIndexedDbStorage(registry);
const storage = registry.create({ type: 'indexeddb', database: DATABASE });
const signals = new SignalStore(storage, openIndexedDbChunkStore(DATABASE));
let jobs = 0;

const api: PageApi = {
  async write(bytes) {
    const began = performance.now();
    await signals.create(SIGNAL, { datasetId: 'bench', name: 'big', dtype: 'float32' });
    const piece = new Float32Array(PIECE);
    let s = 12345;
    for (let at = 0; at < bytes / 4; at += PIECE) {
      const length = Math.min(PIECE, bytes / 4 - at);
      // Random bytes: Chromium compresses what it stores, so zeros would flatter the store.
      for (let i = 0; i < length; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        piece[i] = (s >>> 0) / 2147483648 - 1;
      }
      await signals.append(SIGNAL, piece.subarray(0, length));
    }
    return performance.now() - began;
  },
  async compute(workers) {
    const pool = createBrowserComputePool({ size: workers, database: DATABASE });
    try {
      const began = performance.now();
      const result = await pool.run(
        {
          id: `stored-${String(++jobs)}`,
          algorithm: 'windowed',
          params: { window: 1024 },
          signal: SIGNAL,
        },
        { parallel: workers },
      );
      return {
        ms: performance.now() - began,
        windows: result.outputs.max?.length ?? 0,
        backend: result.backend,
      };
    } finally {
      pool.terminate();
    }
  },
  async read() {
    const began = performance.now();
    let checksum = 0;
    for await (const piece of signals.iterate(SIGNAL)) checksum += piece.values[0] ?? 0;
    if (Number.isNaN(checksum)) throw new Error('unreachable: the samples hold no NaN');
    return performance.now() - began;
  },
};

(window as unknown as Record<string, PageApi>)[pageApiKey] = api;
