// Registration of the `indexeddb` storage: `{type: "indexeddb", database: "fieldlake"}`.
import { JioError } from '../../errors.ts';
import type { StorageRegistry } from '../../registry.ts';
import { IndexedDbStorage } from './indexeddb-storage.ts';
import { type IndexedDbEnvironment, openFieldlakeDexie } from './schema.ts';

export { IndexedDbStorage } from './indexeddb-storage.ts';
export type { IndexedDbEnvironment } from './schema.ts';

export interface IndexedDbSpec {
  type: 'indexeddb';
  database: string;
}

/**
 * Registers `indexeddb`. In a browser the environment is the page's (or worker's) own
 * IndexedDB; Node tests pass fake-indexeddb's.
 */
export function registerIndexedDbStorage(
  registry: StorageRegistry,
  environment: IndexedDbEnvironment = {},
): void {
  registry.register('indexeddb', (spec) => {
    const database = spec.database;
    if (typeof database !== 'string' || database.length === 0) {
      throw new JioError('bad_request', 'indexeddb: "database" must be a non-empty string', {
        reason: 'invalid_spec',
      });
    }
    if (environment.indexedDB === undefined && typeof indexedDB === 'undefined') {
      throw new JioError('not_implemented', 'indexeddb: this environment has no IndexedDB', {
        reason: 'no_indexeddb',
      });
    }
    return new IndexedDbStorage(openFieldlakeDexie(database, environment));
  });
}
