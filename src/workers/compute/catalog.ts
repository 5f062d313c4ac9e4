// The algorithms a compute job can name, each with how to run it on a backend. An entry turns
// validated parameters into a runner that takes the signal's chunks in order; the kernels come
// from each algorithm's registry, falling through to js when a backend cannot run here.
import { AlgorithmError, badRequest, isAlgorithmError } from '../../algorithms/errors.ts';
import type { WebGpu } from '../../algorithms/gpu/device.ts';
import type { KernelRegistry } from '../../algorithms/registry.ts';
import type { StftKernel } from '../../algorithms/spectral/stft-kernels.ts';
import type { BackendName, FloatArray, FloatDtype } from '../../algorithms/types.ts';
import { BACKENDS } from '../../algorithms/types.ts';
import {
  createWindowKernels,
  jsWindowKernel,
  type WindowKernel,
} from '../../algorithms/windowed/kernels.ts';
import { windowed, windowedParams } from '../../algorithms/windowed/reference.ts';
import { updateWithKernel } from '../../algorithms/windowed/run.ts';
import type { ComputeOutputs } from './jobs.ts';
import { kernelEntries } from './kernel-entries.ts';
import { resampleEntries } from './resample-entries.ts';
import { stftEntry } from './stft-entry.ts';

export interface Runner {
  /** The backend running now (js after a fall-back). */
  backend: BackendName;
  /** Set when the backend failed mid-job and the reference finished it: why. */
  fellBack?: string;
  update(chunk: FloatArray, nanFree: boolean): Promise<ComputeOutputs>;
  finish(): Promise<ComputeOutputs>;
}

export interface CatalogEntry {
  readonly name: string;
  readonly version: number;
  params(input: unknown): unknown;
  start(
    params: unknown,
    dtype: FloatDtype,
    backend: BackendName | 'auto',
    preferred?: readonly BackendName[],
  ): Promise<Runner>;
  /**
   * For jobs that may run split across workers: ranges must start at multiples of this many
   * samples (whole windows), and the parts' outputs concatenate. Absent: never split.
   */
  splitAlign?(params: unknown): number;
}

/**
 * The backends to try for a request: the one named, or for `auto` the CPU backends in
 * preference order. WebGPU runs only when asked for or when the measured choice picks it: a
 * fallback adapter (SwiftShader) is a CPU emulation many times slower than the js loop.
 */
export function backendOrder(
  backend: BackendName | 'auto',
  measured: readonly BackendName[] = [],
): readonly BackendName[] {
  if (backend !== 'auto') return [backend];
  return [...measured, ...BACKENDS.filter((name) => name !== 'webgpu' && !measured.includes(name))];
}

function windowedEntry(kernels: KernelRegistry<WindowKernel>): CatalogEntry {
  return {
    name: windowed.name,
    version: windowed.version,
    params: windowedParams,
    async start(params, dtype, backend, preferred = []) {
      const checked = windowedParams(params);
      const { backend: chosen, kernel } = await kernels.first(
        backendOrder(backend, preferred).filter((name) => name !== 'webgpu' || dtype === 'float32'),
      );
      if (!kernel.dtypes.includes(dtype)) {
        throw new AlgorithmError('unavailable', `the ${chosen} kernel does not take ${dtype}`);
      }
      const state = windowed.init(checked, dtype);
      const asOutputs = (out: ReturnType<typeof windowed.finish>): ComputeOutputs => ({ ...out });
      // A kernel that fails mid-job (a lost GPU device) hands over to the reference: the driver
      // keeps the state, and the kernel only fills whole windows, so the rerun is exact.
      let current: WindowKernel = kernel;
      const runner: Runner = {
        backend: chosen,
        async update(chunk, nanFree) {
          const saved = { ...state };
          try {
            return asOutputs(await updateWithKernel(current, state, chunk, nanFree));
          } catch (error) {
            if (current === jsWindowKernel || isAlgorithmError(error, 'bad_request')) throw error;
            Object.assign(state, saved);
            current = jsWindowKernel;
            runner.backend = 'js';
            runner.fellBack = `${chosen}: ${error instanceof Error ? error.message : String(error)}`;
            return asOutputs(await updateWithKernel(current, state, chunk, nanFree));
          }
        },
        finish: () => Promise.resolve(asOutputs(windowed.finish(state))),
      };
      return runner;
    },
    splitAlign: (params) => windowedParams(params).window,
  };
}

export interface CatalogOptions {
  /** Kernels of windowed statistics (tests inject failing ones). */
  windowKernels?: KernelRegistry<WindowKernel>;
  /** STFT kernels (Node tests inject the `webgpu` package's GPU). */
  stftKernels?: KernelRegistry<StftKernel>;
  /** The GPU of the other kernels' webgpu backends: navigator.gpu when absent. */
  gpu?: WebGpu | null;
}

export interface Catalog {
  entries: Map<string, CatalogEntry>;
  /** The kernels the backend micro-benchmark times (windowed statistics: the common job). */
  windowKernels: KernelRegistry<WindowKernel>;
}

export function createCatalog(options: CatalogOptions = {}): Catalog {
  const windowKernels = options.windowKernels ?? createWindowKernels();
  const gpuOption = options.gpu === undefined ? {} : { gpu: options.gpu };
  const entries = [
    windowedEntry(windowKernels),
    ...resampleEntries(gpuOption),
    stftEntry(options.stftKernels),
    ...kernelEntries(gpuOption),
  ];
  return { entries: new Map(entries.map((entry) => [entry.name, entry])), windowKernels };
}

export function entryOf(catalog: Map<string, CatalogEntry>, name: string): CatalogEntry {
  const entry = catalog.get(name);
  if (entry === undefined) {
    throw badRequest(`no algorithm "${name}"; known: ${[...catalog.keys()].join(', ')}`);
  }
  return entry;
}
