// Catalog entries of resample_poly and decimate: the streaming polyphase core with the FIR
// kernel the order picks (webgpu when named or measured, wasm SIMD, js), in the measured order
// for `auto`. The core's state moves only once a kernel's block is done, so a kernel that fails
// mid-job (a lost GPU device) hands the same block to js.
import type { WebGpu } from '../../algorithms/gpu/device.ts';
import { decimate } from '../../algorithms/resample/decimate.ts';
import {
  createPolyphaseKernels,
  jsPolyphaseKernel,
  type AnyPolyphaseKernel,
} from '../../algorithms/resample/kernels.ts';
import {
  finishPolyphaseAsync,
  type PolyphaseState,
  updatePolyphaseAsync,
} from '../../algorithms/resample/polyphase.ts';
import { resamplePoly } from '../../algorithms/resample/reference.ts';
import type { FloatArray, StreamingAlgorithm } from '../../algorithms/types.ts';
import { backendOrder, type CatalogEntry, type Runner } from './catalog.ts';
import { kernelSlot } from './fallback.ts';

type Polyphase = StreamingAlgorithm<unknown, PolyphaseState, FloatArray>;

function polyphaseEntry(algorithm: Polyphase, gpu: { gpu?: WebGpu | null }): CatalogEntry {
  const kernels = createPolyphaseKernels(gpu);
  return {
    name: algorithm.name,
    version: algorithm.version,
    params: (input) => algorithm.params(input),
    async start(params, dtype, backend, preferred = []) {
      const order = backendOrder(backend, preferred).filter(
        // The WebGPU FIR writes float32 only: a float64 job starts on the next backend.
        (name) => name !== 'webgpu' || dtype === 'float32',
      );
      const chosen = await kernels.first(order);
      // `params` were checked by `params()` in run-job.ts.
      const state = algorithm.init(params, dtype);
      const runner: Runner = {
        backend: chosen.backend,
        update: (chunk) =>
          slot.run(async (kernel) => ({
            values: await updatePolyphaseAsync(state, chunk, kernel),
          })),
        finish: () =>
          slot.run(async (kernel) => ({ values: await finishPolyphaseAsync(state, kernel) })),
      };
      const slot = kernelSlot<AnyPolyphaseKernel>(runner, chosen, jsPolyphaseKernel);
      return runner;
    },
  };
}

export function resampleEntries(gpu: { gpu?: WebGpu | null } = {}): CatalogEntry[] {
  return [polyphaseEntry(resamplePoly, gpu), polyphaseEntry(decimate, gpu)];
}
