// Opening a database written by the previous schema version, with pending local changes in
// it, upgrades it and keeps every one of them intact: content, revision, sequence, tombstones,
// attachments, and the change feed a sync checkpoint points into.
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { openIndexedDbChunkStore } from '../../chunks/indexeddb-chunk-store.ts';
import { IndexedDbStorage } from './indexeddb-storage.ts';
import { declareVersion1, openFieldlakeDexie, schemaVersion } from './schema.ts';

const environment = { indexedDB: new IDBFactory(), IDBKeyRange };

/** Writes rows exactly as schema version 1 code did (no `type` column). */
async function writeVersion1Database(name: string): Promise<void> {
  const db = new Dexie(name, environment);
  declareVersion1(db);
  await db.open();
  await db.table('documents').bulkPut([
    { id: 'site/north', rev: '1-aa', seq: 1, deleted: 0, content: { type: 'site', name: 'North' } },
    {
      id: 'note_1',
      rev: '3-bb',
      seq: 5,
      deleted: 0,
      content: { type: 'annotation', text: 'bearing noise 🔊', at: [1, 2] },
    },
    { id: 'note_2', rev: '2-cc', seq: 6, deleted: 1, content: {} },
    { id: 'untyped', rev: '1-dd', seq: 7, deleted: 0, content: { value: 42 } },
  ]);
  await db.table('attachments').put({
    docId: 'note_1',
    name: 'photo.jpg',
    info: { content_type: 'image/jpeg', length: 3, digest: 'sha256-x' },
    partSize: 1024 * 1024,
    partCount: 1,
  });
  await db
    .table('attachmentParts')
    .put({ docId: 'note_1', name: 'photo.jpg', index: 0, bytes: new Uint8Array([1, 2, 3]).buffer });
  await db.table('meta').put({ key: 'seq', value: 7 });
  db.close();
}

describe('indexeddb schema migration', () => {
  it(`upgrades version 1 to ${schemaVersion} without losing a pending change`, async () => {
    await writeVersion1Database('migrate-1');
    const db = openFieldlakeDexie('migrate-1', environment);
    const storage = new IndexedDbStorage(db);

    // A sync checkpoint at seq 4 means note_1, note_2 (deleted) and untyped are pending.
    const pending = await storage.changes({ since: 4, include_docs: true });
    expect(pending.results).toEqual([
      {
        seq: 5,
        id: 'note_1',
        rev: '3-bb',
        deleted: false,
        doc: { type: 'annotation', text: 'bearing noise 🔊', at: [1, 2], _rev: '3-bb' },
      },
      { seq: 6, id: 'note_2', rev: '2-cc', deleted: true },
      { seq: 7, id: 'untyped', rev: '1-dd', deleted: false, doc: { value: 42, _rev: '1-dd' } },
    ]);
    expect(await storage.get('site/north')).toEqual({ type: 'site', name: 'North', _rev: '1-aa' });
    await expect(storage.get('note_2')).rejects.toMatchObject({ code: 'not_found' });
    expect(
      new Uint8Array(
        await storage.getAttachment('note_1', 'photo.jpg', { format: 'array_buffer' }),
      ),
    ).toEqual(new Uint8Array([1, 2, 3]));
    expect(db.verno).toBe(schemaVersion);
    // The upgrade filled the new index.
    expect(await db.documents.where('type').equals('annotation').primaryKeys()).toEqual(['note_1']);
    expect(await db.documents.where('type').equals('').primaryKeys()).toEqual([
      'note_2',
      'untyped',
    ]);
    // New writes continue the sequence; the conditional write still knows the old revision.
    await storage.put('note_1', { type: 'annotation', text: 'edited', _rev: '3-bb' });
    const next = await storage.changes({ since: 7 });
    expect(next.results).toEqual([
      expect.objectContaining({
        seq: 8,
        id: 'note_1',
        rev: expect.stringMatching(/^4-/) as unknown,
      }),
    ]);
    await storage.close();
  });

  it('the upgraded database also holds the chunk store', async () => {
    await writeVersion1Database('migrate-2');
    const chunks = openIndexedDbChunkStore('migrate-2', environment);
    expect((await chunks.usage()).count).toBe(0);
    await chunks.close();
    const storage = new IndexedDbStorage(openFieldlakeDexie('migrate-2', environment));
    expect((await storage.allDocs()).data.total_rows).toBe(3);
    await storage.close();
  });
});
