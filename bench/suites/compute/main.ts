// The compute benchmark's page: bench workers over one shared WebAssembly memory (the page is
// served cross-origin isolated, as the app is), each pass split into equal parts of whole
// windows, one per worker. Timing of a pass: from the page, until every part answered.
import * as Comlink from 'comlink';
import type { BenchWorkerApi, MinmaxMode, PageApi } from './protocol.ts';
import { pageApiKey } from './protocol.ts';

const WASM_PAGE = 65536;
let workers: Comlink.Remote<BenchWorkerApi>[] = [];
let samples = 0;

function parts(count: number, window: number): [number, number][] {
  const windows = samples / window;
  return Array.from({ length: count }, (_, i) => [
    Math.floor((windows * i) / count) * window,
    Math.floor((windows * (i + 1)) / count) * window,
  ]);
}

const api: PageApi = {
  async prepare(bytes, count) {
    samples = bytes / 4;
    // Samples, then outputs (2 × 4 B per window of ≥ 1 sample: at most as much again, for
    // windows ≥ 2), then one 1 MiB copy-in block.
    const pages = Math.ceil((bytes * 2 + (1 << 20)) / WASM_PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    workers = Array.from({ length: count }, () =>
      Comlink.wrap<BenchWorkerApi>(
        new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' }),
      ),
    );
    await Promise.all(workers.map((worker) => worker.init(memory, samples)));
    const fillParts = parts(count, 1);
    // comlink makes every call a promise, whatever the worker's method returns.
    await Promise.all(
      workers.map(async (worker, i) => {
        await worker.fill(i + 1, ...(fillParts[i] ?? [0, 0]));
      }),
    );
  },
  async sprinkleNaN(every) {
    const fillParts = parts(workers.length, 1);
    await Promise.all(
      workers.map(async (worker, i) => {
        await worker.sprinkleNaN(every, ...(fillParts[i] ?? [0, 0]));
      }),
    );
  },
  async minmax(mode: MinmaxMode, window, count) {
    const ranges = parts(count, window);
    const began = performance.now();
    await Promise.all(
      ranges.map(async ([from, to], i) => {
        const worker = workers[i];
        if (worker === undefined) throw new Error(`only ${String(workers.length)} workers`);
        await worker.minmax(mode, window, from, to);
      }),
    );
    return performance.now() - began;
  },
  crossOriginIsolated: () => globalThis.crossOriginIsolated,
};

(window as unknown as Record<string, PageApi>)[pageApiKey] = api;
