// Catalog entries of resample_poly and decimate: the streaming polyphase core with the fastest
// FIR kernel that runs here (wasm SIMD, else js), in the measured order for `auto`.
import { decimate } from '../../algorithms/resample/decimate.ts';
import { createPolyphaseKernels } from '../../algorithms/resample/kernels.ts';
import {
  finishPolyphase,
  type PolyphaseState,
  updatePolyphase,
} from '../../algorithms/resample/polyphase.ts';
import { resamplePoly } from '../../algorithms/resample/reference.ts';
import type { FloatArray, StreamingAlgorithm } from '../../algorithms/types.ts';
import { backendOrder, type CatalogEntry } from './catalog.ts';

type Polyphase = StreamingAlgorithm<unknown, PolyphaseState, FloatArray>;

function polyphaseEntry(algorithm: Polyphase): CatalogEntry {
  const kernels = createPolyphaseKernels();
  return {
    name: algorithm.name,
    version: algorithm.version,
    params: (input) => algorithm.params(input),
    async start(params, dtype, backend, preferred = []) {
      const { backend: chosen, kernel } = await kernels.first(backendOrder(backend, preferred));
      // `params` were checked by `params()` in run-job.ts.
      const state = algorithm.init(params, dtype);
      return {
        backend: chosen,
        update: (chunk) => Promise.resolve({ values: updatePolyphase(state, chunk, kernel) }),
        finish: () => Promise.resolve({ values: finishPolyphase(state, kernel) }),
      };
    },
  };
}

export function resampleEntries(): CatalogEntry[] {
  return [polyphaseEntry(resamplePoly), polyphaseEntry(decimate)];
}
