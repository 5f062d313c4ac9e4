// The peer: RxDB 17 (open-source core) on its Dexie storage, used the way an RxDB-based Fieldlake
// would use it: collection.bulkInsert for imports and pulled pages, the storage instance's
// getChangedDocumentsSince (what RxDB's replication pushes from), storage bulkWrite with
// `previous` documents for conditional writes (RxDB's own conflict detection), RxDocument
// incrementalModify for appends, and mango queries. Never the dev-mode plugin (it loads an iframe
// from the internet), and no schema validator (as in production builds).
//
// RxDB reserves `_rev` for its own revisions, so the server's revision travels as `rev`.
import { createRxDatabase, getChangedDocumentsSince, removeRxDatabase } from 'rxdb';
import type {
  BulkWriteRow,
  RxCollection,
  RxDatabase,
  RxDocument,
  RxDocumentData,
  RxJsonSchema,
  RxStorageDefaultCheckpoint,
} from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import type { ChunkEntry, ChunkPageDoc, FieldlakeDoc, SignalDoc } from './data.ts';
import { storeNames } from './store.ts';
import type { ConditionalItem, EngineModule, StoreUnderTest } from './store.ts';

/** A Fieldlake document as RxDB stores it (every field of every benchmark type, optional). */
export interface RxStoredDoc {
  id: string;
  type: string;
  rev: string;
  datasetId: string;
  severity: number;
  signalId?: string;
  t0?: number;
  t1?: number;
  author?: string;
  device?: string;
  label?: string;
  text?: string;
  createdAt?: string;
  page?: number;
  entries?: ChunkEntry[];
  length?: number;
  chunkLength?: number;
  pages?: number;
  unit?: string;
  sampleRate?: number;
}

type DocCollection = RxCollection<RxStoredDoc>;
type Collections = Record<string, DocCollection>;

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;

/** Indexed fields must be required, strings with a maxLength (RxDB's schema rules). */
export const docSchema: RxJsonSchema<RxStoredDoc> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 128 },
    type: { type: 'string', maxLength: 32 },
    rev: str,
    datasetId: { type: 'string', maxLength: 32 },
    severity: int,
    signalId: str,
    t0: num,
    t1: num,
    author: str,
    device: str,
    label: str,
    text: str,
    createdAt: str,
    page: int,
    entries: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sha256: str,
          count: int,
          min: num,
          max: num,
          mean: num,
          nanCount: int,
        },
      },
    },
    length: int,
    chunkLength: int,
    pages: int,
    unit: str,
    sampleRate: num,
  },
  required: ['id', 'type', 'rev', 'datasetId', 'severity'],
  indexes: [['type', 'datasetId']],
};

export function toRx(doc: FieldlakeDoc): RxStoredDoc {
  const { _rev, ...rest } = doc;
  return { ...rest, rev: _rev };
}

const storage = getRxStorageDexie();

/** RxDB database names: lowercase letters, digits, `_$-`, starting with a letter. */
function rxName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_$-]/g, '-');
}

class RxdbStore implements StoreUnderTest {
  private readonly docs: DocCollection;

  constructor(private readonly db: RxDatabase<Collections>) {
    const docs = db.collections.docs;
    if (docs === undefined) throw new Error('rxdb: no docs collection');
    this.docs = docs;
  }

  async insertBatch(docs: readonly FieldlakeDoc[]): Promise<void> {
    const result = await this.docs.bulkInsert(docs.map(toRx));
    if (result.error.length > 0)
      throw new Error(
        `rxdb bulkInsert: ${result.error.length} errors (first ${result.error[0]?.status})`,
      );
  }

  async readFeed(pageSize: number): Promise<number> {
    let checkpoint: RxStorageDefaultCheckpoint | undefined;
    let read = 0;
    for (;;) {
      const page = await getChangedDocumentsSince<RxStoredDoc, RxStorageDefaultCheckpoint>(
        this.docs.storageInstance,
        pageSize,
        checkpoint,
      );
      if (page.documents.length === 0) return read;
      read += page.documents.length;
      checkpoint = page.checkpoint;
    }
  }

  async prepareConditional(items: readonly ConditionalItem[]): Promise<() => Promise<string[]>> {
    // The replication's assumed state: the documents as last seen, read here outside the timing.
    const found = await this.docs.storageInstance.findDocumentsById(
      items.map((item) => item.id),
      false,
    );
    const byId = new Map(found.map((doc) => [doc.id, doc]));
    const previous = items.map((item) => {
      const doc = byId.get(item.id);
      if (doc === undefined) throw new Error(`conditional write: ${item.id} is missing`);
      return item.stale ? { ...doc, _rev: `0-stale${doc._rev}` } : doc;
    });
    return async () => {
      const rows: BulkWriteRow<RxStoredDoc>[] = items.map((item, i) => {
        const prev = previous[i] as RxDocumentData<RxStoredDoc>;
        return {
          previous: prev,
          document: { ...prev, label: item.label },
        };
      });
      const result = await this.docs.storageInstance.bulkWrite(rows, 'fieldlake-conditional');
      const conflicts: string[] = [];
      for (const error of result.error) {
        if (error.status !== 409)
          throw new Error(`rxdb bulkWrite: status ${error.status} for ${error.documentId}`);
        conflicts.push(error.documentId);
      }
      return conflicts;
    };
  }

  async countLabel(ids: readonly string[], label: string): Promise<number> {
    const found = await this.docs.storageInstance.findDocumentsById([...ids], false);
    return found.filter((doc) => doc.label === label).length;
  }

  async prepareAppends(
    header: SignalDoc,
    page: ChunkPageDoc,
  ): Promise<(index: number, entry: ChunkEntry) => Promise<void>> {
    await this.insertBatch([header, page]);
    const found = await this.docs.findByIds([header.id, page.id]).exec();
    let h: RxDocument<RxStoredDoc> | undefined = found.get(header.id);
    let p: RxDocument<RxStoredDoc> | undefined = found.get(page.id);
    if (h === undefined || p === undefined) throw new Error('append: signal documents missing');
    return async (index, entry) => {
      if (h === undefined || p === undefined) throw new Error('append: signal documents missing');
      [p, h] = await Promise.all([
        p.incrementalModify((data) => {
          if (data.entries === undefined) throw new Error('append: page without entries');
          data.entries[index] = entry;
          return data;
        }),
        h.incrementalModify((data) => {
          data.length = (data.length ?? 0) + entry.count;
          return data;
        }),
      ]);
    };
  }

  async query(datasetId: string, minSeverity: number): Promise<number> {
    const hits = await this.docs
      .find({ selector: { type: 'annotation', datasetId, severity: { $gte: minSeverity } } })
      .exec();
    return hits.length;
  }

  async has(id: string): Promise<boolean> {
    return (await this.docs.findOne(id).exec()) !== null;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export const rxdbEngine: EngineModule = {
  async open(name, stores) {
    const db = await createRxDatabase<Collections>({ name: rxName(name), storage });
    try {
      await db.addCollections(
        Object.fromEntries(storeNames.slice(0, stores).map((n) => [n, { schema: docSchema }])),
      );
    } catch (error) {
      await db.close();
      throw error;
    }
    return new RxdbStore(db);
  },
  async remove(name) {
    await removeRxDatabase(rxName(name), storage);
  },
};
