// A simulated field device for the fault harness: the browser's own storage code (IndexedDB
// documents, sync state and chunk store on fake-indexeddb, the signal store) and the real
// sync engine, talking to the lake through the fault proxy with a session of its own. Only
// the IndexedDB implementation and the absence of a page differ from a tablet.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { openIndexedDbChunkStore } from '../../src/jio/chunks/indexeddb-chunk-store.ts';
import type { ChunkStore } from '../../src/jio/chunks/types.ts';
import { SignalStore } from '../../src/jio/signals/signal-store.ts';
import { IndexedDbStorage } from '../../src/jio/storages/indexeddb/index.ts';
import { openFieldlakeDexie } from '../../src/jio/storages/indexeddb/schema.ts';
import { LakeHttp } from '../../src/jio/storages/lake/http.ts';
import { LakeChunks, LakeStorage } from '../../src/jio/storages/lake/index.ts';
import { SyncEngine } from '../../src/jio/sync/sync-engine.ts';
import { SyncReport } from '../../src/jio/sync/sync-report.ts';
import { SyncState } from '../../src/jio/sync/sync-state.ts';
import type { Storage } from '../../src/jio/types.ts';

export interface SimDevice {
  name: string;
  local: Storage;
  chunks: ChunkStore;
  signals: SignalStore;
  engine: SyncEngine;
  close(): Promise<void>;
}

export interface SimDeviceOptions {
  name: string;
  /** Where the device reaches the lake: the fault proxy. */
  url: string;
  token: string;
  /** Per-request limit: a stalled connection fails instead of holding the cycle. */
  timeoutMs?: number;
  /** Chunk transfer part size (resumable uploads and downloads above it). */
  partBytes?: number;
}

/** A fresh device with empty storage (its own fake IndexedDB). */
export async function openSimDevice(options: SimDeviceOptions): Promise<SimDevice> {
  const environment = { indexedDB: new IDBFactory(), IDBKeyRange };
  const local = new IndexedDbStorage(openFieldlakeDexie(`${options.name}-docs`, environment));
  const stateStorage = new IndexedDbStorage(
    openFieldlakeDexie(`${options.name}-sync`, environment),
  );
  const chunks = openIndexedDbChunkStore(`${options.name}-chunks`, environment);
  const lakeOptions = {
    url: options.url,
    token: options.token,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
  const remote = new LakeStorage(lakeOptions);
  const remoteChunks = new LakeChunks(new LakeHttp(lakeOptions), {
    partBytes: options.partBytes ?? 1024 * 1024,
  });
  const engine = new SyncEngine({
    local,
    remote,
    state: await SyncState.open(stateStorage),
    report: new SyncReport(),
    chunks: { store: chunks, remote: remoteChunks },
    batchSize: 50,
  });
  return {
    name: options.name,
    local,
    chunks,
    signals: new SignalStore(local, chunks),
    engine,
    async close() {
      await Promise.all([local.close(), stateStorage.close(), chunks.close(), remote.close()]);
    },
  };
}

/** Every live local document by id, without `_rev`. */
export async function localDocs(device: SimDevice): Promise<Map<string, Record<string, unknown>>> {
  const { data } = await device.local.allDocs({ include_docs: true });
  const docs = new Map<string, Record<string, unknown>>();
  for (const row of data.rows) {
    const { _rev: _ignored, ...content } = row.doc ?? {};
    docs.set(row.id, content);
  }
  return docs;
}
