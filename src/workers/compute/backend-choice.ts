// Which backend runs `auto` jobs on this device, decided by measuring rather than assuming: a
// short micro-benchmark in a worker times every backend that starts here on the same samples
// (2^20 float32, window 1024: a chunk's worth of work, ~1–50 ms each) and orders them fastest
// first. A backend slower than js is dropped (a software WebGPU adapter, say), so js is always
// last. The answer is cached per device (see compute-pool.ts) and re-measured when the browser
// or the adapter changes.
import type { KernelRegistry } from '../../algorithms/registry.ts';
import { BACKENDS, type BackendName } from '../../algorithms/types.ts';
import type { WindowKernel } from '../../algorithms/windowed/kernels.ts';
import type { WindowedOutput } from '../../algorithms/windowed/reference.ts';

export interface BackendTiming {
  backend: BackendName;
  /** Median milliseconds of one pass over the samples, or the reason it did not run. */
  ms: number | null;
  reason?: string;
}

const SAMPLES = 2 ** 20;
const WINDOW = 1024;
const PASSES = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function measureBackends(
  kernels: KernelRegistry<WindowKernel>,
): Promise<BackendTiming[]> {
  const values = Float32Array.from({ length: SAMPLES }, (_, i) => Math.sin(i * 0.37) * 3);
  const windows = SAMPLES / WINDOW;
  const out: WindowedOutput = {
    min: new Float32Array(windows),
    max: new Float32Array(windows),
    mean: new Float32Array(windows),
    count: new Float64Array(windows),
  };
  const timings: BackendTiming[] = [];
  for (const backend of BACKENDS) {
    if (!kernels.backends().includes(backend)) continue;
    try {
      const kernel = await kernels.get(backend);
      await kernel.reduce(values, WINDOW, out, 0, true); // warm-up: compile, upload paths
      const times: number[] = [];
      for (let pass = 0; pass < PASSES; pass++) {
        const began = performance.now();
        await kernel.reduce(values, WINDOW, out, 0, true);
        times.push(performance.now() - began);
      }
      timings.push({ backend, ms: median(times) });
    } catch (error) {
      timings.push({
        backend,
        ms: null,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return timings;
}

/** Backends fastest first, those slower than js (or that did not run) left out; js last. */
export function preferenceOf(timings: readonly BackendTiming[]): BackendName[] {
  const js = timings.find((timing) => timing.backend === 'js')?.ms ?? Number.POSITIVE_INFINITY;
  const faster = timings
    .filter(
      (timing): timing is BackendTiming & { ms: number } =>
        timing.backend !== 'js' && timing.ms !== null && timing.ms < js,
    )
    .sort((a, b) => a.ms - b.ms)
    .map((timing) => timing.backend);
  return [...faster, 'js'];
}
