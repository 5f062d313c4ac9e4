// The hot loop of windowed statistics, per backend: reduce a run of whole windows. The
// streaming driver (run.ts) keeps the open window at chunk edges in the reference's state and
// hands each kernel only whole windows, so a kernel never carries state.
import { navigatorGpu, type WebGpu } from '../gpu/device.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import type { WindowedOutput } from './reference.ts';
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

/**
 * The js kernel: the reference's rules in a loop over whole windows with everything in locals
 * (the reference's sample-by-sample state machine runs ~7× slower). The fallback of every
 * other backend; the case table holds it to numpy's results like the others.
 */
export const jsWindowKernel: WindowKernel = {
  backend: 'js',
  dtypes: ['float32', 'float64'],
  reduce(values, window, out, offset) {
    const windows = Math.floor(values.length / window);
    for (let k = 0; k < windows; k++) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      let sum = 0;
      let count = 0;
      const end = (k + 1) * window;
      for (let j = k * window; j < end; j++) {
        const value = values[j] as number;
        // NaN fails every comparison; `value − value` is 0 only for finite values.
        if (value < min) min = value;
        if (value > max) max = value;
        if (value - value === 0) {
          sum += value;
          count++;
        }
      }
      const empty = min > max;
      // `+ 0`: −0 and 0 are one value, as in the reference.
      out.min[offset + k] = empty ? Number.NaN : min + 0;
      out.max[offset + k] = empty ? Number.NaN : max + 0;
      out.mean[offset + k] = count > 0 ? sum / count + 0 : Number.NaN;
      out.count[offset + k] = count;
    }
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
