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
  ms: number;
  docs: number;
  /** Documents the query must return (from the generator). */
  expectedHits: number;
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
  /** Closes and deletes the chunk databases and drops the prepared chunks. */
  dropChunks(): Promise<void>;
  /** Creates the signal (`samples` random float32) through SignalStore.append in pieces of `piece`. */
  setupSignal(samples: number, piece: number): Promise<SignalSetup>;
  /** One timed pass over the signal, summing every sample (checked against the generator's sum). */
  iterate(side: Side): Promise<IterateSample>;
  /** One untimed pass with measureUserAgentSpecificMemory sampled in a loop beside it. */
  iterateMemory(side: Side): Promise<MemorySample>;
  dropSignal(): Promise<void>;
  /** Writes `docs` annotation-like documents through bulkWrite in batches of `batch`. */
  setupQuery(docs: number, batch: number, seed: number): Promise<QuerySetup>;
  /** One timed query; the ids are checked against the generator and against the other side's. */
  query(side: Side): Promise<QuerySample>;
  dropQuery(): Promise<void>;
}

export const pageApiKey = 'fieldlakeStorageBench';
