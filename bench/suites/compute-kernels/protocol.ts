// What the compute-kernels benchmark's page and worker expose (types and the rows' fixed
// parameters; shared by the page, the worker and bench/suites/compute/kernel-rows.ts, which
// drives the page through Playwright). scipy_kernels.py uses the same parameters.

/**
 * - `mean-std`: rolling mean+std (window 1000, ddof 0) through the robust registry's kernel,
 *   chunk by chunk through runRobustBlock (the last window − 1 samples carried);
 * - `median-mad`: rolling median+MAD (window 129, scale 1), the same way;
 * - `welch`: Welch PSD (Hann, nperseg 1024, noverlap 512, fs 1, density, detrend 'constant')
 *   through createWelchRunner on one backend;
 * - `resample`: resample_poly up 2 down 3 (Kaiser 5.0 FIR, float32 taps) through
 *   updatePolyphase/finishPolyphase on one polyphase kernel;
 * - `escalated-max`: the running maximum of 4 interleaved channels on one kernel.
 */
export type KernelRow = 'mean-std' | 'median-mad' | 'welch' | 'resample' | 'escalated-max';

/** The backends measured (WebGPU is not: SwiftShader says nothing about speed). */
export type KernelBackend = 'wasm' | 'js';

export const MEAN_STD_WINDOW = 1000;
export const MEDIAN_MAD_WINDOW = 129;
export const WELCH_NPERSEG = 1024;
export const WELCH_NOVERLAP = 512;
export const RESAMPLE_UP = 2;
export const RESAMPLE_DOWN = 3;
export const ESCALATED_MAX_CHANNELS = 4;

export interface KernelPass {
  /** Milliseconds in the algorithm's calls (sample generation and probing not counted). */
  ms: number;
  /** Outputs per output array (welch: segments averaged). */
  count: number;
  /**
   * Per output array (mean and std; median and MAD; the resampled or maximum signal), its
   * outputs at the indices 0, stride, 2·stride, …; welch: the whole PSD (513 bins).
   */
  probes: number[][];
  /** The backend that ran (the kernel's or the Welch runner's). */
  backend: string;
}

/** The worker's API, wrapped with comlink on the page (the page forwards every call). */
export interface KernelsWorkerApi {
  /**
   * One pass of `row` on `backend` over the first `samples` float32 samples of
   * compute-fft's `stftSample`, generated chunk by chunk (`chunk` samples, a multiple of 4).
   */
  run(
    row: KernelRow,
    backend: KernelBackend,
    samples: number,
    chunk: number,
    stride: number,
  ): Promise<KernelPass>;
}

export type PageApi = KernelsWorkerApi;

export const pageApiKey = 'fieldlakeComputeKernelsBench';
