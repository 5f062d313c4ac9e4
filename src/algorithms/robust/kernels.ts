// The robust statistics per backend. A kernel is stateless over one block: it computes every
// full window of the block (block.length − window + 1 outputs, none when the block is shorter)
// in 'valid' alignment, as the streaming references do. Streaming callers keep the last
// window − 1 samples and prepend them to the next chunk (runRobustBlock does), so chunks of
// any size stream through any backend and a job may switch backend between blocks.
//
// Contract: a kernel's outputs follow the reference's NaN rule (meanStd.ts, medianMad.ts):
// NaN is a gap, ±∞ are observations, minPeriods decides when a window has a value. Accuracy
// per backend is the case table's (robust.test.ts and its backend tables).
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import { windowsIn } from './windows-in.ts';
import { arrayOf, dtypeOf, type BackendName, type FloatArray, type FloatDtype } from '../types.ts';
import { rollingMeanStd, type MeanStdOutput, type MeanStdParams } from './meanStd.ts';
import { rollingMedianMad, type MedianMadOutput, type MedianMadParams } from './medianMad.ts';
import { createWasmRobustKernel } from './wasm/kernel.ts';
import { createWebgpuRobustKernel } from './webgpu/kernel.ts';
import { navigatorGpu, type GpuContextOptions, type WebGpu } from '../gpu/device.ts';

export type RobustStatistic = 'meanStd' | 'medianMad';

export interface RobustKernel {
  readonly backend: BackendName;
  /** Why this kernel does not take the statistic with these params and dtype, else undefined. */
  unsupported(
    statistic: RobustStatistic,
    params: MeanStdParams | MedianMadParams,
    dtype: FloatDtype,
  ): string | undefined;
  /** Mean and std of every full window of `block` into `out` (each of length ≥ the outputs). */
  meanStd(block: FloatArray, params: MeanStdParams, out: MeanStdOutput): void | Promise<void>;
  /** Median and scaled MAD of every full window of `block` into `out`. */
  medianMad(block: FloatArray, params: MedianMadParams, out: MedianMadOutput): void | Promise<void>;
}

/** The reference itself over one block (fresh state, one update): the oracle and the fallback. */
export const jsRobustKernel: RobustKernel = {
  backend: 'js',
  unsupported: () => undefined,
  meanStd(block, params, out) {
    const got = rollingMeanStd.update(rollingMeanStd.init(params, dtypeOfOut(out.mean)), block);
    out.mean.set(got.mean);
    out.std.set(got.std);
  },
  medianMad(block, params, out) {
    const state = rollingMedianMad.init(params, dtypeOfOut(out.median));
    const got = rollingMedianMad.update(state, block);
    out.median.set(got.median);
    out.mad.set(got.mad);
  },
};

function dtypeOfOut(values: FloatArray): FloatDtype {
  return values instanceof Float32Array ? 'float32' : 'float64';
}

/** Output arrays for `count` windows of a statistic. */
export function robustOutputs(
  statistic: 'meanStd',
  dtype: FloatDtype,
  count: number,
): MeanStdOutput;
export function robustOutputs(
  statistic: 'medianMad',
  dtype: FloatDtype,
  count: number,
): MedianMadOutput;
export function robustOutputs(statistic: RobustStatistic, dtype: FloatDtype, count: number) {
  return statistic === 'meanStd'
    ? { mean: arrayOf(dtype, count), std: arrayOf(dtype, count) }
    : { median: arrayOf(dtype, count), mad: arrayOf(dtype, count) };
}

export { windowsIn } from './windows-in.ts';

export interface RobustKernelsOptions {
  /** The WebGPU entry point: navigator.gpu when absent; Node tests inject the webgpu package's. */
  readonly gpu?: WebGpu | null;
  /** Lower GPU limits (tests force the split paths with them). */
  readonly gpuOptions?: GpuContextOptions;
}

/**
 * The robust registry: webgpu (float32; median windows up to MAX_GPU_MEDIAN_WINDOW and windows
 * within one storage binding: `unsupported` says), wasm where WebAssembly SIMD128 runs, js
 * always. One per app or test, never global.
 */
export function createRobustKernels(
  options: RobustKernelsOptions = {},
): KernelRegistry<RobustKernel> {
  const registry = createKernelRegistry<RobustKernel>();
  registry.register({
    backend: 'webgpu',
    create: () =>
      createWebgpuRobustKernel(
        options.gpu === undefined ? navigatorGpu() : options.gpu,
        options.gpuOptions,
      ),
  });
  registry.register({ backend: 'wasm', create: createWasmRobustKernel });
  registry.register({ backend: 'js', create: () => jsRobustKernel });
  return registry;
}

/** What one chunk gave: its windows' outputs, and the tail the next chunk needs. */
export interface RobustBlockRun<O> {
  outputs: O;
  tail: FloatArray;
}

/**
 * Streams a chunk through a stateless kernel: runs `tail` (the last window − 1 samples of the
 * chunks before; empty at the start) followed by `chunk` as one block, so the outputs are the
 * windows that end in `chunk`, in `dtype` (default the chunk's). Median/MAD outputs are the
 * bytes of one block over the whole stream; mean/std equal them to rounding (each block
 * starts its sums afresh around its own shift: ~1e-16 relative, see meanStd.ts).
 */
export function runRobustBlock(
  kernel: RobustKernel,
  statistic: 'meanStd',
  params: MeanStdParams,
  tail: FloatArray,
  chunk: FloatArray,
  dtype?: FloatDtype,
): Promise<RobustBlockRun<MeanStdOutput>>;
export function runRobustBlock(
  kernel: RobustKernel,
  statistic: 'medianMad',
  params: MedianMadParams,
  tail: FloatArray,
  chunk: FloatArray,
  dtype?: FloatDtype,
): Promise<RobustBlockRun<MedianMadOutput>>;
export async function runRobustBlock(
  kernel: RobustKernel,
  statistic: RobustStatistic,
  params: MeanStdParams | MedianMadParams,
  tail: FloatArray,
  chunk: FloatArray,
  dtype: FloatDtype = dtypeOf(chunk),
): Promise<RobustBlockRun<MeanStdOutput | MedianMadOutput>> {
  const { window } = params;
  const block = arrayOf(dtypeOf(chunk), tail.length + chunk.length);
  block.set(tail);
  block.set(chunk, tail.length);
  const count = windowsIn(block.length, window);
  const next = block.slice(Math.max(0, block.length - (window - 1)));
  if (statistic === 'meanStd') {
    const outputs = robustOutputs('meanStd', dtype, count);
    await kernel.meanStd(block, params as MeanStdParams, outputs);
    return { outputs, tail: next };
  }
  const outputs = robustOutputs('medianMad', dtype, count);
  await kernel.medianMad(block, params as MedianMadParams, outputs);
  return { outputs, tail: next };
}
