// Batched FFT kernels behind one registry, for callers with many frames of one size (and able
// to wait): webgpu (kernel.ts: float32, any n, one readback per submission) and js (the plans
// of plan.ts frame by frame: every n, float32 and float64, always there). `transformOn` walks
// an order and falls through to the next backend on `unavailable` — no GPU here, float64, a
// frame over the GPU's binding limit — so the js plans take whatever the GPU does not.
// NaN rule: each backend's (kernel.ts, plan.ts); js propagates NaN and ±Infinity as IEEE.
import { AlgorithmError, isAlgorithmError } from '../../errors.ts';
import type { GpuContextOptions } from '../../gpu/device.ts';
import { createKernelRegistry, type KernelRegistry } from '../../registry.ts';
import type { BackendName, FloatArray } from '../../types.ts';
import { fftPlan } from '../plan.ts';
import {
  checkTransformOptions,
  createWebgpuFftKernel,
  frameLengths,
  type BatchFftKernel,
  type FftTransformOptions,
} from './kernel.ts';

/** The js plans, one frame after another (the reference and the fallback). */
export const jsBatchFftKernel: BatchFftKernel = {
  backend: 'js',
  unsupported: () => undefined,
  transform(input, n, options) {
    return Promise.resolve().then(() => {
      const dtype = input instanceof Float64Array ? 'float64' : 'float32';
      const { kind, inverse } = checkTransformOptions(n, options, dtype);
      if (!(input instanceof Float32Array) && !(input instanceof Float64Array)) {
        throw new AlgorithmError(
          'bad_request',
          'fft transform: input must be a Float32Array or Float64Array',
        );
      }
      const plan = fftPlan(n, { kind, dtype });
      const lengths = frameLengths(n, kind, inverse);
      if (input.length % lengths.input !== 0) {
        throw new AlgorithmError(
          'bad_request',
          `fft transform: ${String(input.length)} numbers are not whole frames of ${String(lengths.input)}`,
        );
      }
      const frames = input.length / lengths.input;
      const output: FloatArray =
        dtype === 'float32'
          ? new Float32Array(frames * lengths.output)
          : new Float64Array(frames * lengths.output);
      for (let f = 0; f < frames; f++) {
        const frame = input.subarray(f * lengths.input, (f + 1) * lengths.input);
        const target = output.subarray(f * lengths.output, (f + 1) * lengths.output);
        if (inverse) plan.inverse(frame, target);
        else plan.forward(frame, target);
      }
      return output;
    });
  },
  dispose() {},
};

/** The batched FFT registry: webgpu when `gpu` gives a device, js always. */
export function createBatchFftKernels(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): KernelRegistry<BatchFftKernel> {
  const registry = createKernelRegistry<BatchFftKernel>();
  registry.register({ backend: 'js', create: () => jsBatchFftKernel });
  registry.register({ backend: 'webgpu', create: () => createWebgpuFftKernel(gpu, options) });
  return registry;
}

/**
 * The transform on the first backend of `order` that takes it; resolves with the output and
 * the backend that made it. A backend that is `unavailable` here or for this call is skipped.
 */
export async function transformOn(
  registry: KernelRegistry<BatchFftKernel>,
  input: FloatArray,
  n: number,
  options: FftTransformOptions,
  order: readonly BackendName[] = ['webgpu', 'js'],
): Promise<{ output: FloatArray; backend: BackendName }> {
  const reasons: string[] = [];
  for (const backend of order) {
    if (!registry.backends().includes(backend)) continue;
    try {
      const kernel = await registry.get(backend);
      return { output: await kernel.transform(input, n, options), backend };
    } catch (error) {
      if (!isAlgorithmError(error, 'unavailable')) throw error;
      reasons.push(`${backend}: ${error.message}`);
    }
  }
  throw new AlgorithmError(
    'unavailable',
    `fft: no backend takes this transform (${reasons.join('; ')})`,
  );
}
