// The page's own handle on the local data: the same IndexedDB documents and chunk store the
// sync worker syncs, for the screens (and, as `window.fieldlake`, for tests and the console).
// A write here is saved when its promise resolves (one IndexedDB transaction); the sync worker
// is told so it pushes soon, and pushes anyway on its next cycle if the message is lost.
import { openIndexedDbChunkStore } from './jio/chunks/indexeddb-chunk-store.ts';
import type { ChunkStore } from './jio/chunks/types.ts';
import { SignalStore } from './jio/signals/signal-store.ts';
import { IndexedDbStorage } from './jio/storages/indexeddb/index.ts';
import { openFieldlakeDexie } from './jio/storages/indexeddb/schema.ts';
import { DOCS_DATABASE } from './jio/sync/sync-node.ts';
import type { Storage } from './jio/types.ts';
import type { SyncClient } from './gadgets/sync-screen/sync-client.ts';
import { createBrowserComputePool } from './workers/compute/browser-pool.ts';
import type { ComputePool } from './workers/compute/compute-pool.ts';

export interface AppStorage {
  local: Storage;
  chunks: ChunkStore;
  signals: SignalStore;
  sync: SyncClient;
  /** Jobs over stored signals in worker threads (workers start on the first job). */
  compute: ComputePool;
}

declare global {
  interface Window {
    fieldlake?: AppStorage;
  }
}

export function openAppStorage(sync: SyncClient): AppStorage {
  const local = new IndexedDbStorage(openFieldlakeDexie(DOCS_DATABASE));
  const chunks = openIndexedDbChunkStore(DOCS_DATABASE);
  const storage: AppStorage = {
    local,
    chunks,
    signals: new SignalStore(local, chunks),
    sync,
    compute: createBrowserComputePool(),
  };
  window.fieldlake = storage;
  return storage;
}
