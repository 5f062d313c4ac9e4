// Opens the embedded lake under one data directory: the metadata store (SQLite), the blob store
// (files, with the Zarr view), the derived state replayed to where the documents are, the live
// notifier and the garbage collector; and closes them in the reverse order.
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_MAX_CHUNK_BYTES } from '../src/shared/wire/lake.ts';
import { openFsBlobStore } from './blobs/fs-blob-store.ts';
import type { S3Config } from './blobs/s3/config.ts';
import type { BlobStore } from './blobs/types.ts';
import { scheduleGarbageCollection } from './chunks/gc.ts';
import { blobsDir, metaFile } from './data-layout.ts';
import { DocService } from './docs/doc-service.ts';
import { IngestTransformer, type TransformerOptions } from './ingest/transformer.ts';
import { createChangeNotifier } from './docs/live.ts';
import type { Lake, LakeSettings } from './lake.ts';
import { openSqliteMetaStore } from './meta/sqlite/index.ts';
import type { MetaStore } from './meta/types.ts';
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
  /** Turns logged collector requests into signal samples, in the background. */
  ingest: IngestTransformer;
  /** Stops background work and closes the stores (after the HTTP server has drained). */
  close(): Promise<void>;
}

/** What server-side writers (seeding, ingestion) need: the stores and the one write path. */
export type LakeWriter = Pick<OpenLake, 'lake' | 'docs'>;

export interface OpenLakeOptions {
  dataDir: string;
  settings?: Partial<LakeSettings>;
  log: FastifyBaseLogger;
  now?: () => number;
  /** How often the garbage collector runs (0: never, for tests that run it by hand). */
  gcIntervalMs?: number;
  /** Scale-out: metadata in this PostgreSQL database instead of `<data>/meta.sqlite`. */
  databaseUrl?: string;
  /** Scale-out: bytes in this S3 bucket instead of `<data>/objects` and `<data>/zarr`. */
  s3?: S3Config;
  /**
   * Whether this instance may transform logged collector requests (default true). Instances of
   * a scale-out deployment share the work through a lease in the metadata store (one at a
   * time: the transformation is a single writer per signal); FIELDLAKE_INGEST_WORKER=0 keeps
   * an instance out of it altogether (one that only serves readers).
   */
  transform?: boolean;
  /** The transformer's lease lifetime and polling period (tests shorten them). */
  transformer?: TransformerOptions;
}

/** The metadata store the options ask for: PostgreSQL when a URL is given, else SQLite. */
async function openMetaStore(options: OpenLakeOptions, now: () => number): Promise<MetaStore> {
  if (options.databaseUrl !== undefined) {
    const { openPostgresMetaStore } = await import('./meta/postgres/index.ts');
    return openPostgresMetaStore(options.databaseUrl, { now });
  }
  return openSqliteMetaStore(metaFile(options.dataDir), { now });
}

async function openBlobStore(options: OpenLakeOptions): Promise<BlobStore> {
  if (options.s3 !== undefined) {
    const { openS3BlobStore } = await import('./blobs/s3/s3-blob-store.ts');
    return openS3BlobStore(options.s3);
  }
  return openFsBlobStore(blobsDir(options.dataDir));
}

export async function openLake(options: OpenLakeOptions): Promise<OpenLake> {
  const now = options.now ?? Date.now;
  const meta = await openMetaStore(options, now);
  let blobs;
  try {
    blobs = await openBlobStore(options);
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
  // An embedded lake is one process per data directory: its lease is its directory's, taken
  // back at once after a crash. Scale-out instances get a fresh name at each start.
  const ingest = new IngestTransformer({ lake, docs }, options.log, {
    ...(options.databaseUrl === undefined
      ? { holder: `embedded:${path.resolve(options.dataDir)}` }
      : {}),
    ...options.transformer,
  });
  const result: OpenLake = {
    lake,
    derived,
    docs,
    ingest,
    async close() {
      await ingest.stop();
      await stopGc();
      await derived.close();
      await blobs.close();
      await meta.close();
    },
  };
  // Requests logged before a crash or a restart are transformed now.
  if (options.transform === false) await ingest.stop();
  else ingest.start();
  return result;
}
