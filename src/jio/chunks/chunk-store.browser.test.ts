import { runChunkStoreConformance } from './chunk-store.suite.ts';
import { IndexedDbChunkStore, openIndexedDbChunkStore } from './indexeddb-chunk-store.ts';

const run = `${Date.now()}`;
let count = 0;
const names = new WeakMap<object, string>();

runChunkStoreConformance('indexeddb (Chromium)', {
  open: async (clock) => {
    const name = `chunks-${run}-${++count}`;
    const store = openIndexedDbChunkStore(name, {}, clock);
    names.set(store, name);
    return store;
  },
  dispose: async (store) => {
    await store.close();
    if (store instanceof IndexedDbChunkStore) indexedDB.deleteDatabase(names.get(store) ?? '');
  },
});
