// Writes a document, an attachment and a signal into the real storages, and reads them back:
// the spec reloads the page in between, as a technician closing and reopening the app would.
import { openIndexedDbChunkStore } from '../../../src/jio/chunks/indexeddb-chunk-store.ts';
import { createStorageRegistry, registerCoreStorages } from '../../../src/jio/registry.ts';
import { SignalStore } from '../../../src/jio/signals/signal-store.ts';
import { registerIndexedDbStorage } from '../../../src/jio/storages/indexeddb/index.ts';

function open() {
  const registry = createStorageRegistry();
  registerCoreStorages(registry);
  registerIndexedDbStorage(registry);
  const storage = registry.create({
    type: 'query',
    sub: { type: 'indexeddb', database: 'fieldlake' },
  });
  const chunks = openIndexedDbChunkStore('fieldlake');
  return { storage, chunks, signals: new SignalStore(storage, chunks) };
}

async function writeSample(): Promise<void> {
  const { storage, chunks, signals } = open();
  await storage.put('note/1', { type: 'annotation', text: 'bearing noise', severity: 3 });
  await storage.putAttachment('note/1', 'photo.bin', new Uint8Array([1, 2, 3, 4]));
  await signals.create('sig/1', { datasetId: 'd', name: 'vibration', chunkLength: 1024 });
  await signals.append(
    'sig/1',
    Float32Array.from({ length: 2500 }, (_, i) => i / 2),
    { unsynced: true },
  );
  await chunks.close();
  await storage.close();
}

async function readSample() {
  const { storage, chunks, signals } = open();
  const notes = await storage.allDocs({
    query: 'type: annotation AND severity: >= 2',
    include_docs: true,
  });
  const photo = Array.from(
    new Uint8Array(await storage.getAttachment('note/1', 'photo.bin', { format: 'array_buffer' })),
  );
  const slice = Array.from(await signals.read('sig/1', 1020, 1030));
  const unsynced = (await chunks.listUnsynced()).length;
  await chunks.close();
  await storage.close();
  return { notes: notes.data.rows.map((row) => row.doc), photo, slice, unsynced };
}

declare global {
  interface Window {
    writeSample?: typeof writeSample;
    readSample?: typeof readSample;
  }
}

window.writeSample = writeSample;
window.readSample = readSample;
