// What the stored-signal compute page exposes to compute.bench.ts (types only).

export interface StoredRun {
  ms: number;
  windows: number;
  backend: string;
}

export interface PageApi {
  /** Records a float32 signal of `bytes` of pseudo-random samples in IndexedDB: ms. */
  write(bytes: number): Promise<number>;
  /** Windowed min/max/mean (window 1024) over the whole stored signal in the pool. */
  compute(workers: number): Promise<StoredRun>;
  /** Reads the signal chunk by chunk on the page (decoding included), computing nothing: ms. */
  read(): Promise<number>;
}

export const pageApiKey = 'fieldlakeStoredBench';
