// The hot loop of the escalated maximum, per backend. A kernel takes the running maxima and
// the next channel from the caller (the state stays the reference's) and updates them, so
// chunks stream through any backend and may switch backend between chunks.
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import { escalate } from './reference.ts';
import { createWasmEscalatedMaxKernel } from './wasm/kernel.ts';

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

export function createEscalatedMaxKernels(): KernelRegistry<EscalatedMaxKernel> {
  const registry = createKernelRegistry<EscalatedMaxKernel>();
  registry.register({ backend: 'wasm', create: createWasmEscalatedMaxKernel });
  registry.register({ backend: 'js', create: () => jsEscalatedMaxKernel });
  return registry;
}
