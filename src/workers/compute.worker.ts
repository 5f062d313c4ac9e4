// A compute worker: opens the same IndexedDB documents and chunk store as the page (so chunks
// are read here, never posted from the page), and runs jobs the pool sends it. Several run at
// once, one per worker of the pool (compute/compute-pool.ts, compute/browser-pool.ts).
import * as Comlink from 'comlink';
import { openIndexedDbChunkStore } from '../jio/chunks/indexeddb-chunk-store.ts';
import { installJioErrorTransfer } from '../jio/comlink-transfer.ts';
import { SignalStore } from '../jio/signals/signal-store.ts';
import { IndexedDbStorage } from '../jio/storages/indexeddb/index.ts';
import { openFieldlakeDexie } from '../jio/storages/indexeddb/schema.ts';
import { DOCS_DATABASE } from '../jio/sync/sync-node.ts';
import type { ComputeWorkerRemote } from './compute/browser-pool.ts';
import { type ComputeStores, createComputeWorkerApi } from './compute/compute-worker-api.ts';

installJioErrorTransfer();

let database = DOCS_DATABASE;
let stores: ComputeStores | undefined;

function open(): ComputeStores {
  if (stores === undefined) {
    const storage = new IndexedDbStorage(openFieldlakeDexie(database));
    stores = { storage, signals: new SignalStore(storage, openIndexedDbChunkStore(database)) };
  }
  return stores;
}

const remote: ComputeWorkerRemote = {
  ...createComputeWorkerApi(open),
  useDatabase(name) {
    if (stores !== undefined) throw new Error('the compute worker has already opened its storage');
    database = name;
  },
};
Comlink.expose(remote);
