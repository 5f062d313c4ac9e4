// The STFT's batch step per backend: the frames of one contiguous block of samples, frame k
// covering block[k·step, k·step + nperseg) with step = nperseg − noverlap, written as
// frames × bins interleaved (re, im) — what `stftInto` computes, without its streaming tail.
// A job cuts a long signal into blocks that overlap by nperseg − step samples (the next block
// starts at `frames · step` of this one), so the kernels never carry state.
//
// Boundary zeros and padding are the stream's ends, not frames: a caller who wants scipy's
// boundary='zeros' / padded=True puts those zeros into its first and last blocks; the kernels
// ignore `boundary` and `padded`.
//
// NaN rule: stft.ts's — a NaN or ±Infinity sample makes its frames' bins NaN (or infinite);
// other frames are unaffected. Every kernel follows it (the webgpu one computes such frames
// with the js kernel: WGSL may assume finite values).
import { navigatorGpu, type GpuContextOptions, type WebGpu } from '../gpu/device.ts';
import { AlgorithmError, isAlgorithmError } from '../errors.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import { BACKENDS, dtypeOf, type BackendName, type FloatArray, type FloatDtype } from '../types.ts';
import { stft, stftBins, stftInto, type StftParams } from './stft.ts';
import { createWebgpuStftKernel } from './webgpu/kernel.ts';

export interface StftKernel {
  readonly backend: BackendName;
  readonly dtypes: readonly FloatDtype[];
  /** Why this kernel does not take these params and dtype (then `frames` rejects with it). */
  refusal(params: StftParams, dtype: FloatDtype): string | undefined;
  /**
   * Writes the frames of `block` (`stftBlockFrames` of them) into `out` from frame `at`
   * (out holds whole frames of 2·bins numbers; the block's dtype is the usual choice).
   * Resolves to the number of frames written. Params the kernel refuses →
   * AlgorithmError('unavailable', reason); a short `out` → 'bad_request'.
   */
  frames(block: FloatArray, params: StftParams, out: FloatArray, at?: number): Promise<number>;
}

/** Frames in a block of `length` samples (0 when shorter than a segment). */
export function stftBlockFrames(params: StftParams, length: number): number {
  const step = params.nperseg - params.noverlap;
  return length < params.nperseg ? 0 : Math.floor((length - params.nperseg) / step) + 1;
}

/** Numbers `out` needs for `frames` frames of these params (2 per bin). */
export function stftOutputLength(params: StftParams, frames: number): number {
  return frames * 2 * stftBins(params);
}

/** The reference's own loop: a fresh stream (no boundary, no padding) fed the whole block. */
export const jsStftKernel: StftKernel = {
  backend: 'js',
  dtypes: ['float32', 'float64'],
  refusal: () => undefined,
  frames(block, params, out, at = 0) {
    // A throw in the executor rejects: errors reach the caller as a rejection, as on the GPU.
    return new Promise((resolve) => {
      const state = stft.init({ ...params, boundary: null, padded: false }, dtypeOf(block));
      resolve(stftInto(state, block, out, at));
    });
  },
};

export interface StftKernelsOptions {
  /** The WebGPU entry point: navigator.gpu when absent; Node tests inject the webgpu package's. */
  readonly gpu?: WebGpu | null;
  /** Lower GPU limits (tests force the split paths with them). */
  readonly gpuOptions?: GpuContextOptions;
}

/** A registry of the STFT kernels (webgpu, js); one per app or test, never global. */
export function createStftKernels(options: StftKernelsOptions = {}): KernelRegistry<StftKernel> {
  const registry = createKernelRegistry<StftKernel>();
  registry.register({
    backend: 'webgpu',
    create: () =>
      createWebgpuStftKernel(
        options.gpu === undefined ? navigatorGpu() : options.gpu,
        jsStftKernel,
        options.gpuOptions,
      ),
  });
  registry.register({ backend: 'js', create: () => jsStftKernel });
  return registry;
}

/**
 * Runs one block on the first backend of `order` that is registered, runs here and takes
 * these params, falling through on `unavailable` (also when it comes mid-run: a lost device,
 * a frame larger than a GPU binding). Other errors (bad_request) are the caller's.
 */
export async function runStftFrames(
  registry: KernelRegistry<StftKernel>,
  block: FloatArray,
  params: StftParams,
  out: FloatArray,
  options: { at?: number; order?: readonly BackendName[] } = {},
): Promise<{ backend: BackendName; frames: number }> {
  const reasons: string[] = [];
  for (const backend of options.order ?? BACKENDS) {
    if (!registry.backends().includes(backend)) continue;
    try {
      const kernel = await registry.get(backend);
      const refusal = kernel.refusal(params, dtypeOf(block));
      if (refusal !== undefined) {
        reasons.push(`${backend}: ${refusal}`);
        continue;
      }
      return { backend, frames: await kernel.frames(block, params, out, options.at) };
    } catch (error) {
      if (!isAlgorithmError(error, 'unavailable')) throw error;
      reasons.push(`${backend}: ${error.message}`);
    }
  }
  throw new AlgorithmError('unavailable', `stft: no backend runs this (${reasons.join('; ')})`);
}
