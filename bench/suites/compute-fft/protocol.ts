// What the compute-fft benchmark's page and worker expose (types only; shared by the page, the
// worker and bench/suites/compute/fft-rows.ts, which drives the page through Playwright).

export type FftKind = 'real' | 'complex';
export type FftDtype = 'float32' | 'float64';

/**
 * - `ours`: `planOn(createFftKernels(), …)` (pffft's wasm for float32 sizes it takes, else js),
 *   through the plan's `forward(input, output)` (copies in and out of wasm memory included);
 * - `ours-in-memory`: the same wasm plan through `plan.wasmBuffers.run()` on its input already
 *   in pffft's memory, the spectrum left there (no copies: what pffft's own peer row does);
 *   only where our plan is wasm;
 * - `pffft`: @echogarden/pffft-wasm/simd used directly, `_pffft_transform_ordered` on buffers
 *   already in its memory (float32 only);
 * - `fftjs`: npm fft.js, `realTransform`/`transform` on Float64Arrays (powers of two);
 * - `kissfft`: npm kissfft-wasm's module used directly, `_kiss_fftr`/`_kiss_fft` on buffers
 *   already in its memory (float32 only).
 */
export type FftImpl = 'ours' | 'ours-in-memory' | 'pffft' | 'fftjs' | 'kissfft';
export type FftPeer = Exclude<FftImpl, 'ours' | 'ours-in-memory'>;

export interface FftCase {
  kind: FftKind;
  dtype: FftDtype;
  n: number;
}

export interface PreparedCase {
  /** The backend of our plan: 'wasm' or 'js'. */
  backend: string;
  /** Peers that run this case (asked for, loaded and taking the size and dtype). */
  peers: FftPeer[];
  /** Why each peer asked for does not run this case. */
  skipped: Partial<Record<FftPeer, string>>;
  /** Whether `ours-in-memory` runs this case (our plan is wasm). */
  inMemory: boolean;
  /** ‖x − ours‖₂ / ‖ours‖₂ over the bins 0…n/2 (real) or all bins (complex). */
  errors: Partial<Record<Exclude<FftImpl, 'ours'>, number>>;
  /** Transforms per timed block, per implementation. */
  reps: Partial<Record<FftImpl, number>>;
}

export interface StftPass {
  /** Milliseconds in stftInto and in summing each frame's power (generation not counted). */
  ms: number;
  /** Σ over frames and bins of re² + im². */
  checksum: number;
  frames: number;
  /** The backend of the FFT plan the STFT ran on. */
  backend: string;
}

/** The worker's API, wrapped with comlink on the page (the page forwards every call). */
export interface FftWorkerApi {
  /** Loads the peers' modules; resolves to why each one that failed did not load. */
  init(): Promise<Partial<Record<FftPeer, string>>>;
  /**
   * Plans the case on ours and on each of `peers`, fills the same pseudo-random input, runs
   * each once and checks its output against ours, and sizes each one's timed block to last at
   * least `minBlockMs`.
   */
  prepareCase(spec: FftCase, peers: FftPeer[], minBlockMs: number): Promise<PreparedCase>;
  /**
   * One timed block of the prepared case (batches of the calibrated size until it lasts
   * minBlockMs): microseconds per transform.
   */
  time(impl: FftImpl): Promise<number>;
  /** Frees the prepared case's plans and buffers. */
  releaseCase(): Promise<void>;
  /**
   * One STFT pass (Hann, nperseg 1024, noverlap 512, fs 1, one-sided, float32) over `samples`
   * pseudo-random samples (`stftSample`) generated chunk by chunk (`chunk` samples).
   */
  stft(samples: number, chunk: number): Promise<StftPass>;
}

export type PageApi = FftWorkerApi;

export const pageApiKey = 'fieldlakeComputeFftBench';

/**
 * Sample i of the STFT input: a 32-bit integer hash of i mapped to [−1, 1), in float32 — the
 * same in the worker and in numpy (uint32 arithmetic wraps), so both sides transform the same
 * signal and their checksums compare.
 */
export function stftSample(i: number): number {
  let u = Math.imul(i, 2654435761) >>> 0;
  u ^= u >>> 15;
  u = Math.imul(u, 2246822519) >>> 0;
  u ^= u >>> 13;
  return (u >>> 0) / 2147483648 - 1;
}
