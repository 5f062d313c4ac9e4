// What the storage page exposes to the benchmark that drives it through Playwright (types only,
// shared by the page and by storage.bench.ts).

/** `ours`: Fieldlake's storage layer (src/jio). `peer`: raw IndexedDB, or Dexie for the query. */
export type Side = 'ours' | 'peer';

export interface PageInfo {
  crossOriginIsolated: boolean;
  /** `performance.measureUserAgentSpecificMemory` exists (and the page is isolated). */
  memoryApi: boolean;
}

/** One sample of chunk writing or reading. */
export interface ChunkSample {
  ms: number;
  bytes: number;
  /** Decimal megabytes (10^6 B) per second. */
  mbPerS: number;
}

export interface SignalSetup {
  ms: number;
  samples: number;
  chunks: number;
  bytes: number;
}

/** One timed pass over the whole signal. */
export interface IterateSample {
  ms: number;
  samples: number;
  /** Decimal gigabytes (10^9 B) of float32 samples per second. */
  gbPerS: number;
}

/** One untimed pass over the whole signal with the memory API sampled while it runs. */
export interface MemorySample {
  /** `measureUserAgentSpecificMemory().bytes` just before the pass. */
  baselineBytes: number;
  /** The largest `bytes` seen during the pass. */
  peakBytes: number;
  /** Measurements taken during the pass. */
  measurements: number;
  ms: number;
}

export interface QuerySetup {
  docs: number;
  /** Documents the query must return (from the generator). */
  expectedHits: number;
  /** Documents written through Storage.bulkWrite, and how long that took. */
  bulkWriteDocs: number;
  bulkWriteMs: number;
  /** Documents written as the same rows with Dexie bulkPut, and how long that took. */
  directDocs: number;
  directMs: number;
}

/** Diagnostic timings of the pieces of the query (one sample each). */
export interface QueryParts {
  /** Dexie `documents.toArray()` (primary key order): the peer's read. */
  toArrayMs: number;
  /** Dexie `documents.where('deleted').equals(0).toArray()`: the indexeddb storage's read. */
  byIndexMs: number;
  /** The indexeddb storage's allDocs({include_docs: true}) without the query layer. */
  subAllDocsMs: number;
}

export interface QuerySample {
  ms: number;
  hits: number;
}

/** Installed on `window` under `pageApiKey` once the page is up. */
export interface PageApi {
  info(): Promise<PageInfo>;
  /** Generates `count` random 1 MiB float32 chunks (seeded) and their hashes (encodeChunk). */
  prepareChunks(count: number, seed: number): Promise<void>;
  /**
   * Deletes `side`'s previous chunk database, opens a fresh one (untimed), then writes every
   * prepared chunk in puts of `batch` (timed).
   */
  chunkWrite(side: Side, round: number, batch: number): Promise<ChunkSample>;
  /** Reads every prepared chunk back from `side`'s last database in gets of `batch` (timed), then checks the bytes. */
  chunkRead(side: Side, batch: number): Promise<ChunkSample>;
  /** ChunkStore.put's transaction without the SHA-256 checks, fresh database (diagnostic). */
  chunkWriteNoHash(batch: number): Promise<ChunkSample>;
  /** SHA-256 of every prepared chunk, one after the other as ChunkStore.put does (diagnostic). */
  hashOnly(): Promise<ChunkSample>;
  /** Closes and deletes the chunk databases and drops the prepared chunks. */
  dropChunks(): Promise<void>;
  /** Creates the signal (`samples` random float32) through SignalStore.append in pieces of `piece`. */
  setupSignal(samples: number, piece: number): Promise<SignalSetup>;
  /** One timed pass over the signal, summing every sample (checked against the generator's sum). */
  iterate(side: Side): Promise<IterateSample>;
  /** One untimed pass with measureUserAgentSpecificMemory sampled in a loop beside it. */
  iterateMemory(side: Side): Promise<MemorySample>;
  /** The raw pass with `batch` gets per transaction (diagnostic: what read-ahead would give). */
  iterateRawBatched(batch: number): Promise<IterateSample>;
  dropSignal(): Promise<void>;
  /**
   * Writes `docs` annotation-like documents in batches of `batch`: the first `viaBulkWrite`
   * through Storage.bulkWrite, the rest as the same rows with Dexie bulkPut (see main.ts).
   */
  setupQuery(docs: number, batch: number, viaBulkWrite: number, seed: number): Promise<QuerySetup>;
  /** Timings of the pieces of the query (diagnostic). */
  queryParts(): Promise<QueryParts>;
  /** One timed query; the ids are checked against the generator and against the other side's. */
  query(side: Side): Promise<QuerySample>;
  dropQuery(): Promise<void>;
}

export const pageApiKey = 'fieldlakeStorageBench';
