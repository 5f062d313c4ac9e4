// The compute-fft benchmark's page: one module worker (fft.worker.ts) that does all the work
// and all the timing; the page only forwards the Node side's calls to it.
import * as Comlink from 'comlink';
import { pageApiKey } from './protocol.ts';
import type { FftWorkerApi, PageApi } from './protocol.ts';

const worker = Comlink.wrap<FftWorkerApi>(
  new Worker(new URL('./fft.worker.ts', import.meta.url), { type: 'module' }),
);

const api: PageApi = {
  init: () => worker.init(),
  prepareCase: (spec, peers, minBlockMs) => worker.prepareCase(spec, peers, minBlockMs),
  time: (impl) => worker.time(impl),
  releaseCase: () => worker.releaseCase(),
  stft: (samples, chunk) => worker.stft(samples, chunk),
};

(window as unknown as Record<string, PageApi>)[pageApiKey] = api;
