// The hot loop of the escalated maximum, per backend. A kernel takes the running maxima and
// the next channel from the caller (the state stays the reference's) and updates them, so
// chunks stream through any backend and may switch backend between chunks.
import { navigatorGpu, type GpuContextOptions, type WebGpu } from '../gpu/device.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import { escalate } from './reference.ts';
import { createWasmEscalatedMaxKernel } from './wasm/kernel.ts';
import { createWebgpuEscalatedMaxKernel } from './webgpu/kernel.ts';

export interface EscalatedMaxKernel {
  readonly backend: BackendName;
  readonly dtypes: readonly FloatDtype[];
  /**
   * Writes the running maximum of `values` into `out` (same length and dtype) from the maxima
   * `max` (one per channel, NaN for none yet; updated) and the channel `next` of the first
   * sample; returns the channel after the last sample.
   */
  run(values: FloatArray, out: FloatArray, max: number[], next: number): number | Promise<number>;
}

export const jsEscalatedMaxKernel: EscalatedMaxKernel = {
  backend: 'js',
  dtypes: ['float32', 'float64'],
  run: escalate,
};

export interface EscalatedMaxKernelsOptions {
  /** The WebGPU entry point: navigator.gpu when absent; Node tests inject the webgpu package's. */
  readonly gpu?: WebGpu | null;
  /** Lower GPU limits (tests force the split paths with them). */
  readonly gpuOptions?: GpuContextOptions;
}

/**
 * A registry of the escalated-max kernels (webgpu, wasm, js); one per app or test, never
 * global. The webgpu kernel takes float32 only: a float64 chunk makes it reject with
 * `unavailable` (its `dtypes` say so first), and the caller goes on with wasm or js.
 */
export function createEscalatedMaxKernels(
  options: EscalatedMaxKernelsOptions = {},
): KernelRegistry<EscalatedMaxKernel> {
  const registry = createKernelRegistry<EscalatedMaxKernel>();
  registry.register({
    backend: 'webgpu',
    create: () =>
      createWebgpuEscalatedMaxKernel(
        options.gpu === undefined ? navigatorGpu() : options.gpu,
        options.gpuOptions,
      ),
  });
  registry.register({ backend: 'wasm', create: createWasmEscalatedMaxKernel });
  registry.register({ backend: 'js', create: () => jsEscalatedMaxKernel });
  return registry;
}
