// A full disk, for real: the spec sets a tiny quota on this page's fresh origin before any
// storage is used (Chromium ignores an override made after the origin's first use), then runs
// this scenario against the real indexeddb storage and chunk store.
import { openIndexedDbChunkStore } from '../../../src/jio/chunks/indexeddb-chunk-store.ts';
import { JioError } from '../../../src/jio/errors.ts';
import { createStorageRegistry, registerCoreStorages } from '../../../src/jio/registry.ts';
import { registerIndexedDbStorage } from '../../../src/jio/storages/indexeddb/index.ts';
import { sha256Hex } from '../../../src/shared/chunk/index.ts';

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536)
    crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + 65536)));
  return bytes;
}

function describeError(error: unknown): {
  name: string;
  code?: string;
  status?: number;
  reason?: string;
} {
  if (error instanceof JioError)
    return {
      name: error.name,
      code: error.code,
      status: error.status,
      ...(error.details.reason === undefined ? {} : { reason: error.details.reason }),
    };
  return { name: error instanceof Error ? error.name : typeof error };
}

async function settle(promise: Promise<unknown>): Promise<ReturnType<typeof describeError> | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return describeError(error);
  }
}

async function runQuotaScenario() {
  const registry = createStorageRegistry();
  registerCoreStorages(registry);
  registerIndexedDbStorage(registry);
  const storage = registry.create({ type: 'indexeddb', database: 'fieldlake' });
  await storage.put('doc', { v: 1 });
  await storage.putAttachment('doc', 'small', new Uint8Array([1, 2, 3]));

  const bigAttachment = await settle(
    storage.putAttachment('doc', 'big', randomBytes(16 * 1024 * 1024)),
  );
  const bulk = await settle(
    storage.bulkWrite(
      Array.from({ length: 100 }, (_, i) => ({
        id: `bulk-${i}`,
        doc: { text: Array.from(randomBytes(60_000), (b) => b.toString(36)).join('') },
      })),
    ),
  );

  const chunks = openIndexedDbChunkStore('fieldlake');
  const chunkItems = await Promise.all(
    Array.from({ length: 12 }, async () => {
      const bytes = randomBytes(1024 * 1024);
      return { sha256: await sha256Hex(bytes), bytes, owner: { signalId: 'sig', level: 0 } };
    }),
  );
  const chunkPut = await settle(chunks.put(chunkItems, { unsynced: true }));
  const chunksStored = (await chunks.has(chunkItems.map((item) => item.sha256))).filter(
    Boolean,
  ).length;
  const chunkUsage = await chunks.usage();

  const after = {
    attachments: Object.keys(await storage.allAttachments('doc')).sort(),
    ids: (await storage.allDocs()).data.rows.map((row) => row.id),
    doc: await storage.get('doc'),
  };
  // The storage is not left broken: a small write either lands or meets the same full disk.
  // (Chromium sometimes keeps counting the space of an aborted write for a while, so which of
  // the two happens depends on timing; a closed or corrupt database would be a third answer.)
  const smallWrite = await settle(storage.put('after', { ok: true }));
  await chunks.close();
  await storage.close();
  return {
    bigAttachment,
    bulk,
    chunkPut,
    chunksStored,
    chunkCount: chunkUsage.count,
    after,
    smallWrite,
  };
}

declare global {
  interface Window {
    runQuotaScenario?: typeof runQuotaScenario;
  }
}

window.runQuotaScenario = runQuotaScenario;
