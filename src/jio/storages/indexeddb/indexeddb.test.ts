// The indexeddb storage in Node over fake-indexeddb, in addition to (not instead of) real
// Chromium (indexeddb.browser.test.ts).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { runStorageConformance } from '../../conformance/storage.suite.ts';
import { createStorageRegistry, registerCoreStorages } from '../../registry.ts';
import { registerIndexedDbStorage } from './index.ts';

const registry = createStorageRegistry();
registerCoreStorages(registry);
registerIndexedDbStorage(registry, { indexedDB: new IDBFactory(), IDBKeyRange });
let count = 0;

runStorageConformance('indexeddb (fake-indexeddb)', {
  open: async () => registry.create({ type: 'indexeddb', database: `conformance-${++count}` }),
  dispose: (storage) => storage.close(),
  queries: true,
  // fake-indexeddb copies values slowly; the 10 MiB case runs in Chromium.
  largeAttachmentBytes: 2 * 1024 * 1024,
});

runStorageConformance('query over indexeddb (fake-indexeddb)', {
  open: async () =>
    registry.create({
      type: 'query',
      sub: { type: 'indexeddb', database: `conformance-${++count}` },
    }),
  dispose: (storage) => storage.close(),
  queries: true,
  largeAttachmentBytes: 2 * 1024 * 1024,
});
