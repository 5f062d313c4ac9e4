// The indexeddb storage in real Chromium: the conformance suite. A full disk is tested in
// e2e/storage-quota.spec.ts, on a fresh origin (Chromium ignores a quota override made after
// an origin's storage was first used, which vitest's shared origin always has been).
import { runStorageConformance } from '../../conformance/storage.suite.ts';
import { createStorageRegistry, registerCoreStorages } from '../../registry.ts';
import type { Storage } from '../../types.ts';
import { registerIndexedDbStorage } from './index.ts';

const registry = createStorageRegistry();
registerCoreStorages(registry);
registerIndexedDbStorage(registry);
const run = `${Date.now()}`;
let count = 0;

async function dropDatabase(storage: Storage, name: string): Promise<void> {
  await storage.close();
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => {
      resolve();
    };
    request.onerror = () => {
      reject(request.error ?? new Error('deleteDatabase failed'));
    };
  });
}

const names = new WeakMap<Storage, string>();
function open(wrapInQuery: boolean) {
  return async () => {
    const database = `conformance-${run}-${++count}`;
    const spec = { type: 'indexeddb', database };
    const storage = registry.create(wrapInQuery ? { type: 'query', sub: spec } : spec);
    names.set(storage, database);
    return storage;
  };
}
const dispose = (storage: Storage) => dropDatabase(storage, names.get(storage) ?? '');

runStorageConformance('indexeddb (Chromium)', { open: open(false), dispose, queries: true });
runStorageConformance('query over indexeddb (Chromium)', {
  open: open(true),
  dispose,
  queries: true,
});
