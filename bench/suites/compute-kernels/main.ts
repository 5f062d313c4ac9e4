// The compute-kernels benchmark's page: one module worker (kernels.worker.ts) that does all the
// work and all the timing; the page only forwards the Node side's calls to it.
import * as Comlink from 'comlink';
import { pageApiKey } from './protocol.ts';
import type { KernelsWorkerApi, PageApi } from './protocol.ts';

const worker = Comlink.wrap<KernelsWorkerApi>(
  new Worker(new URL('./kernels.worker.ts', import.meta.url), { type: 'module' }),
);

const api: PageApi = {
  run: (row, backend, samples, chunk, stride) => worker.run(row, backend, samples, chunk, stride),
};

(window as unknown as Record<string, PageApi>)[pageApiKey] = api;
