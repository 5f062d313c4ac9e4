// Ours: Dexie 4 with the engine Fieldlake would write on RxDB's replication protocol. Every write
// goes through one `rw` transaction that stamps a local sequence number (`seq`, indexed: the
// change feed's checkpoint) and, for conditional writes, compares the stored revision with the
// assumed one per item. All stores live in one IndexedDB database, so a document and its outbox
// entry (or checkpoint) can be written atomically.
import { Dexie } from 'dexie';
import type { Table } from 'dexie';
import { Random, nextRev } from './data.ts';
import type { ChunkPageDoc, FieldlakeDoc, SignalDoc } from './data.ts';
import { storeNames } from './store.ts';
import type { ConditionalItem, EngineModule, StoreUnderTest } from './store.ts';

/** A document as stored: the document plus the local change-feed sequence. */
type Stored<T extends FieldlakeDoc = FieldlakeDoc> = T & { seq: number };

const docsSchema = 'id, seq, [type+datasetId]';

function layout(stores: number): Record<string, string> {
  const spec: Record<string, string> = {};
  // Every store gets the documents' indexes, as the RxDB side's collections do (same work).
  for (const name of storeNames.slice(0, stores)) spec[name] = docsSchema;
  return spec;
}

class DexieStore implements StoreUnderTest {
  private readonly docs: Table<Stored, string>;
  private readonly random = new Random(0x5eed);

  constructor(private readonly db: Dexie) {
    this.docs = db.table('docs');
  }

  /** The highest sequence stamped so far (read inside the caller's transaction). */
  private async lastSeq(): Promise<number> {
    const key = await this.docs.orderBy('seq').lastKey();
    return typeof key === 'number' ? key : 0;
  }

  async insertBatch(docs: readonly FieldlakeDoc[]): Promise<void> {
    await this.db.transaction('rw', this.docs, async () => {
      let seq = await this.lastSeq();
      const rows: Stored[] = new Array<Stored>(docs.length);
      for (let i = 0; i < docs.length; i++) rows[i] = { ...(docs[i] as FieldlakeDoc), seq: ++seq };
      await this.docs.bulkPut(rows);
    });
  }

  async readFeed(pageSize: number): Promise<number> {
    let since = 0;
    let read = 0;
    for (;;) {
      const page = await this.docs.where('seq').above(since).limit(pageSize).toArray();
      const last = page.at(-1);
      if (last === undefined) return read;
      read += page.length;
      since = last.seq;
    }
  }

  prepareConditional(items: readonly ConditionalItem[]): Promise<() => Promise<string[]>> {
    // The caller knows the revisions it assumes (the replication's assumed master state): read
    // them once here, outside the timing, and spoil the stale ones.
    return this.docs.bulkGet(items.map((item) => item.id)).then((stored) => {
      const assumed = items.map((item, i) => {
        const doc = stored[i];
        if (doc === undefined) throw new Error(`conditional write: ${item.id} is missing`);
        return item.stale ? `0-stale${doc._rev}` : doc._rev;
      });
      return () =>
        this.db.transaction('rw', this.docs, async () => {
          const current = await this.docs.bulkGet(items.map((item) => item.id));
          let seq = await this.lastSeq();
          const conflicts: string[] = [];
          const puts: Stored[] = [];
          for (let i = 0; i < items.length; i++) {
            const item = items[i] as ConditionalItem;
            const doc = current[i];
            if (doc === undefined || doc._rev !== assumed[i]) {
              conflicts.push(item.id);
              continue;
            }
            puts.push({
              ...doc,
              label: item.label,
              _rev: nextRev(doc._rev, this.random),
              seq: ++seq,
            });
          }
          await this.docs.bulkPut(puts);
          return conflicts;
        });
    });
  }

  async countLabel(ids: readonly string[], label: string): Promise<number> {
    const docs = await this.docs.bulkGet([...ids]);
    return docs.filter((doc) => doc !== undefined && 'label' in doc && doc.label === label).length;
  }

  async prepareAppends(
    header: SignalDoc,
    page: ChunkPageDoc,
  ): Promise<(index: number, entry: ChunkPageDoc['entries'][number]) => Promise<void>> {
    await this.insertBatch([header, page]);
    // Single writer: the appender holds the revisions it wrote last and writes conditionally on
    // them (a mismatch is a bug, reported), in one transaction for the page and the header.
    let headerRev = header._rev;
    let pageRev = page._rev;
    return (index, entry) =>
      this.db.transaction('rw', this.docs, async () => {
        const [h, p] = (await this.docs.bulkGet([header.id, page.id])) as [
          Stored<SignalDoc> | undefined,
          Stored<ChunkPageDoc> | undefined,
        ];
        if (h === undefined || p === undefined) throw new Error('append: signal documents missing');
        if (h._rev !== headerRev || p._rev !== pageRev)
          throw new Error('append: single-writer conflict');
        const seq = await this.lastSeq();
        p.entries[index] = entry;
        p._rev = nextRev(p._rev, this.random);
        p.seq = seq + 1;
        h.length += entry.count;
        h._rev = nextRev(h._rev, this.random);
        h.seq = seq + 2;
        await this.docs.bulkPut([p, h]);
        headerRev = h._rev;
        pageRev = p._rev;
      });
  }

  async query(datasetId: string, minSeverity: number): Promise<number> {
    const hits = await this.docs
      .where('[type+datasetId]')
      .equals(['annotation', datasetId])
      .filter((doc) => doc.severity >= minSeverity)
      .toArray();
    return hits.length;
  }

  async has(id: string): Promise<boolean> {
    return (await this.docs.get(id)) !== undefined;
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

export const dexieEngine: EngineModule = {
  async open(name, stores) {
    const db = new Dexie(name);
    db.version(1).stores(layout(stores));
    await db.open();
    return new DexieStore(db);
  },
  async remove(name) {
    await Dexie.delete(name);
  },
};
