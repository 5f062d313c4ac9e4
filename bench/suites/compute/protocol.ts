// What the compute benchmark's page and workers expose (types only; shared by the page, its
// workers and compute.bench.ts, which drives the page through Playwright).

/**
 * - `wasm`: Fieldlake's SIMD kernel over samples already in a shared WebAssembly memory;
 * - `wasm-copyin`: the same kernel, each 1 MiB copied first from an ordinary buffer;
 * - `js`: Fieldlake's js kernel (the reference: min, max, mean and count);
 * - `js-loop`: a plain JS min+max loop (the peer a hand-written page would have).
 */
export type MinmaxMode = 'wasm' | 'wasm-copyin' | 'js' | 'js-loop';

/** A bench worker, wrapped with comlink on the page. */
export interface BenchWorkerApi {
  /** Binds the kernels to `memory` (shared by every worker) holding `samples` float32. */
  init(memory: WebAssembly.Memory, samples: number): Promise<void>;
  /** Fills samples [from, to) with pseudo-random floats in [-1, 1). */
  fill(seed: number, from: number, to: number): void;
  /** Every `every`-th sample of [from, to) becomes NaN. */
  sprinkleNaN(every: number, from: number, to: number): void;
  /** Windowed min+max of samples [from, to): ms of the whole pass. */
  minmax(mode: MinmaxMode, window: number, from: number, to: number): number;
  /** A checksum of the last pass's outputs (so no mode's work can be skipped). */
  checksum(): number;
}

/** Installed on `window` under `pageApiKey` once the page is up. */
export interface PageApi {
  /** Starts `workers` bench workers over one shared memory of `bytes` of float32 samples. */
  prepare(bytes: number, workers: number): Promise<void>;
  /** Adds NaN to the data (every `every`-th sample). */
  sprinkleNaN(every: number): Promise<void>;
  /** One pass of windowed min+max over the whole memory split over `workers`: ms. */
  minmax(mode: MinmaxMode, window: number, workers: number): Promise<number>;
  crossOriginIsolated(): boolean;
}

export const pageApiKey = 'fieldlakeComputeBench';
