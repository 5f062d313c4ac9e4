// Opens the embedded lake under one data directory: the metadata store (SQLite), the blob store
// (files, with the Zarr view), the derived state replayed to where the documents are, the live
// notifier and the garbage collector; and closes them in the reverse order.
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_MAX_CHUNK_BYTES } from '../src/shared/wire/lake.ts';
import { openFsBlobStore } from './blobs/fs-blob-store.ts';
import { scheduleGarbageCollection } from './chunks/gc.ts';
import { blobsDir, metaFile } from './data-layout.ts';
import { DocService } from './docs/doc-service.ts';
import { createChangeNotifier } from './docs/live.ts';
import type { Lake, LakeSettings } from './lake.ts';
import { openSqliteMetaStore } from './meta/sqlite/index.ts';
import { DerivedState } from './zarr/derived-state.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

export const defaultSettings: LakeSettings = {
  publicUrl: 'http://localhost:8080',
  secure: false,
  chunkGraceMs: DAY_MS,
  maxChunkBytes: DEFAULT_MAX_CHUNK_BYTES,
  sessionTtlMs: 30 * DAY_MS,
};

export interface OpenLake {
  lake: Lake;
  derived: DerivedState;
  docs: DocService;
  /** Stops background work and closes the stores (after the HTTP server has drained). */
  close(): Promise<void>;
}

export interface OpenLakeOptions {
  dataDir: string;
  settings?: Partial<LakeSettings>;
  log: FastifyBaseLogger;
  now?: () => number;
  /** How often the garbage collector runs (0: never, for tests that run it by hand). */
  gcIntervalMs?: number;
}

export async function openLake(options: OpenLakeOptions): Promise<OpenLake> {
  const now = options.now ?? Date.now;
  const meta = await openSqliteMetaStore(metaFile(options.dataDir), { now });
  let blobs;
  try {
    blobs = await openFsBlobStore(blobsDir(options.dataDir));
  } catch (error) {
    await meta.close();
    throw error;
  }
  const lake: Lake = {
    meta,
    blobs,
    changes: createChangeNotifier(),
    now,
    settings: { ...defaultSettings, ...options.settings },
  };
  const derived = new DerivedState(lake, options.log);
  await derived.start();
  const docs = new DocService(lake, derived);
  const gcInterval = options.gcIntervalMs ?? 60 * 60 * 1000;
  const stopGc =
    gcInterval > 0 ? scheduleGarbageCollection(lake, options.log, gcInterval) : async () => {};
  return {
    lake,
    derived,
    docs,
    async close() {
      await stopGc();
      await derived.close();
      await blobs.close();
      await meta.close();
    },
  };
}
