// The hot loop of windowed statistics, per backend: reduce a run of whole windows. The
// streaming driver (run.ts) keeps the open window at chunk edges in the reference's state and
// hands each kernel only whole windows, so a kernel never carries state.
import { navigatorGpu, type WebGpu } from '../gpu/device.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import { windowed, type WindowedOutput } from './reference.ts';
import { createWasmWindowKernel } from './wasm/kernel.ts';
import { createWebgpuWindowKernel } from './webgpu/kernel.ts';

export interface WindowKernel {
  readonly backend: BackendName;
  readonly dtypes: readonly FloatDtype[];
  /**
   * Reduces `values` (a whole number of windows) into `out[offset…]`, one entry per window,
   * by the reference's rules. With `nanFree` the caller vouches (from the chunk manifest)
   * that `values` holds no NaN, and the kernel may take a path that is not NaN-safe.
   */
  reduce(
    values: FloatArray,
    window: number,
    out: WindowedOutput,
    offset: number,
    nanFree: boolean,
  ): void | Promise<void>;
}

/** The reference itself as a kernel: the fallback and the oracle. */
export const jsWindowKernel: WindowKernel = {
  backend: 'js',
  dtypes: ['float32', 'float64'],
  reduce(values, window, out, offset) {
    const dtype = values instanceof Float32Array ? 'float32' : 'float64';
    const state = windowed.init({ window, partial: 'drop' }, dtype);
    const part = windowed.update(state, values);
    out.min.set(part.min, offset);
    out.max.set(part.max, offset);
    out.mean.set(part.mean, offset);
    out.count.set(part.count, offset);
  },
};

/** `gpu`: the WebGPU entry point (navigator.gpu when absent; Node tests inject the webgpu package's). */
export function createWindowKernels(options: { gpu?: WebGpu } = {}): KernelRegistry<WindowKernel> {
  const registry = createKernelRegistry<WindowKernel>();
  registry.register({
    backend: 'webgpu',
    create: () => createWebgpuWindowKernel(options.gpu ?? navigatorGpu()),
  });
  registry.register({ backend: 'wasm', create: createWasmWindowKernel });
  registry.register({ backend: 'js', create: () => jsWindowKernel });
  return registry;
}
