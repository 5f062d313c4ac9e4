import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { runChunkStoreConformance } from './chunk-store.suite.ts';
import { openIndexedDbChunkStore } from './indexeddb-chunk-store.ts';
import { MemoryChunkStore } from './memory-chunk-store.ts';

runChunkStoreConformance('memory', { open: async (clock) => new MemoryChunkStore(clock) });

const environment = { indexedDB: new IDBFactory(), IDBKeyRange };
let count = 0;
runChunkStoreConformance('indexeddb (fake-indexeddb)', {
  open: async (clock) => openIndexedDbChunkStore(`chunks-${++count}`, environment, clock),
  dispose: (store) => store.close(),
});
