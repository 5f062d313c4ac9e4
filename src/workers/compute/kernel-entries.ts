// Catalog entries of the algorithms whose kernels run on every backend through a registry:
// escalated max, the robust statistics and Welch's PSD (webgpu, wasm, js). `auto` takes the measured order (webgpu only when measured or named); a backend that
// cannot take the job's dtype or params is skipped; one that fails mid-job hands over to js.
import { AlgorithmError } from '../../algorithms/errors.ts';
import {
  createEscalatedMaxKernels,
  jsEscalatedMaxKernel,
  type EscalatedMaxKernel,
} from '../../algorithms/escalated-max/kernels.ts';
import { escalatedMax, type EscalatedMaxParams } from '../../algorithms/escalated-max/reference.ts';
import type { WebGpu } from '../../algorithms/gpu/device.ts';
import type { KernelRegistry } from '../../algorithms/registry.ts';
import {
  createRobustKernels,
  jsRobustKernel,
  runRobustBlock,
  type RobustKernel,
  type RobustStatistic,
} from '../../algorithms/robust/kernels.ts';
import { rollingMeanStd, type MeanStdParams } from '../../algorithms/robust/meanStd.ts';
import { rollingMedianMad, type MedianMadParams } from '../../algorithms/robust/medianMad.ts';
import { robustZ } from '../../algorithms/robust/robustZ.ts';
import { robustZScore } from '../../algorithms/robust/zscore.ts';
import {
  createWelchKernels,
  createWelchRunner,
  type WelchKernel,
} from '../../algorithms/spectral/welch-kernels.ts';
import {
  welch,
  welchParams,
  type WelchParams,
  type WelchResult,
} from '../../algorithms/spectral/welch.ts';
import {
  arrayOf,
  concatArrays,
  type BackendName,
  type FloatArray,
  type FloatDtype,
} from '../../algorithms/types.ts';
import { backendOrder, type CatalogEntry, type Runner } from './catalog.ts';
import { kernelSlot } from './fallback.ts';
import type { ComputeOutputs } from './jobs.ts';

export interface KernelEntriesOptions {
  /** The GPU the webgpu kernels use: navigator.gpu when absent; Node tests inject Dawn's. */
  gpu?: WebGpu | null;
}

/** The first backend of the order that runs here and takes the job, with its kernel. */
async function firstTaking<K>(
  registry: KernelRegistry<K>,
  order: readonly BackendName[],
  takes: (kernel: K) => string | undefined,
  name: string,
): Promise<{ backend: BackendName; kernel: K }> {
  const reasons: string[] = [];
  for (const backend of order) {
    if (!registry.backends().includes(backend)) {
      reasons.push(`${backend}: no kernel`);
      continue;
    }
    try {
      const kernel = await registry.get(backend);
      const refusal = takes(kernel);
      if (refusal === undefined) return { backend, kernel };
      reasons.push(`${backend}: ${refusal}`);
    } catch (error) {
      reasons.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new AlgorithmError('unavailable', `${name}: no backend runs here (${reasons.join('; ')})`);
}

function escalatedMaxEntry(kernels: KernelRegistry<EscalatedMaxKernel>): CatalogEntry {
  return {
    name: escalatedMax.name,
    version: escalatedMax.version,
    params: (input) => escalatedMax.params(input),
    async start(params, dtype, backend, preferred = []) {
      const chosen = await firstTaking(
        kernels,
        backendOrder(backend, preferred),
        (kernel) => (kernel.dtypes.includes(dtype) ? undefined : `does not take ${dtype}`),
        escalatedMax.name,
      );
      const state = escalatedMax.init(params as EscalatedMaxParams, dtype);
      const runner: Runner = {
        backend: chosen.backend,
        update: (chunk) =>
          slot.run(async (kernel) => {
            const values = arrayOf(dtype, chunk.length);
            state.next = await kernel.run(chunk, values, state.max, state.next);
            return { values };
          }),
        finish: () => Promise.resolve({ values: arrayOf(dtype, 0) }),
      };
      // The running maxima are the state a failed chunk may have touched: put them back.
      const slot = kernelSlot(runner, chosen, jsEscalatedMaxKernel, () => {
        const max = [...state.max];
        const next = state.next;
        return () => {
          state.max = max;
          state.next = next;
        };
      });
      return runner;
    },
  };
}

type RobustName = 'meanStd' | 'medianMad' | 'zscore';

const OUTPUTS: Record<RobustName, readonly string[]> = {
  meanStd: ['mean', 'std'],
  medianMad: ['median', 'mad'],
  zscore: ['z'],
};

const ROBUST = {
  meanStd: rollingMeanStd,
  medianMad: rollingMedianMad,
  zscore: robustZScore,
} as const;

/** One block of the statistic (tail + chunk) through a kernel, as named outputs. */
async function robustStep(
  kernel: RobustKernel,
  statistic: RobustName,
  params: MeanStdParams | MedianMadParams,
  tail: FloatArray,
  chunk: FloatArray,
  dtype: FloatDtype,
): Promise<{ outputs: ComputeOutputs; tail: FloatArray }> {
  if (statistic === 'meanStd') {
    const run = await runRobustBlock(kernel, 'meanStd', params as MeanStdParams, tail, chunk);
    return { outputs: { ...run.outputs }, tail: run.tail };
  }
  if (statistic === 'medianMad') {
    const run = await runRobustBlock(kernel, 'medianMad', params as MedianMadParams, tail, chunk);
    return { outputs: { ...run.outputs }, tail: run.tail };
  }
  // The z-score from float64 median and MAD: zscore.ts's value exactly (robustZ.ts).
  const run = await runRobustBlock(
    kernel,
    'medianMad',
    params as MedianMadParams,
    tail,
    chunk,
    'float64',
  );
  const z = arrayOf(dtype, run.outputs.median.length);
  robustZ(
    concatArrays(dtype, [tail, chunk]),
    params.window,
    run.outputs.median,
    run.outputs.mad,
    z,
  );
  return { outputs: { z }, tail: run.tail };
}

function robustEntry(statistic: RobustName, kernels: KernelRegistry<RobustKernel>): CatalogEntry {
  const algorithm = ROBUST[statistic];
  const kernelStatistic: RobustStatistic = statistic === 'meanStd' ? 'meanStd' : 'medianMad';
  return {
    name: algorithm.name,
    version: algorithm.version,
    params: (input) => algorithm.params(input),
    async start(params, dtype, backend, preferred = []) {
      const checked = params as MeanStdParams | MedianMadParams;
      const chosen = await firstTaking(
        kernels,
        backendOrder(backend, preferred),
        (kernel) => kernel.unsupported(kernelStatistic, checked, dtype),
        algorithm.name,
      );
      // The last window − 1 samples: the kernels are stateless, the stream's state is this.
      let tail = arrayOf(dtype, 0);
      const runner: Runner = {
        backend: chosen.backend,
        update: (chunk) =>
          slot.run(async (kernel) => {
            const step = await robustStep(kernel, statistic, checked, tail, chunk, dtype);
            tail = step.tail;
            return step.outputs;
          }),
        // Every window ended in some chunk: nothing is left at the end ('valid' alignment).
        finish: () =>
          Promise.resolve(
            Object.fromEntries(OUTPUTS[statistic].map((name) => [name, arrayOf(dtype, 0)])),
          ),
      };
      const slot = kernelSlot(runner, chosen, jsRobustKernel);
      return runner;
    },
  };
}

/** A Welch result as named arrays; `segments` = [averaged, skipped]. */
export function welchOutputs(result: WelchResult): ComputeOutputs {
  return {
    frequencies: result.frequencies,
    psd: result.psd,
    segments: Float64Array.of(result.segments, result.skippedSegments),
  };
}

function welchEntry(kernels: KernelRegistry<WelchKernel>): CatalogEntry {
  return {
    name: welch.name,
    version: welch.version,
    params: welchParams,
    async start(params, dtype, backend, preferred = []) {
      const checked = params as WelchParams;
      const order = backendOrder(backend, preferred);
      const nfft = checked.nfft ?? checked.nperseg;
      const chosen = await firstTaking(
        kernels,
        order,
        (kernel) => kernel.refusal(checked, dtype, { nperseg: checked.nperseg, nfft }),
        welch.name,
      );
      // The stream falls through the rest of the order on its own when a block is refused
      // (a lost device, a short signal's segment pffft does not take).
      const stream = createWelchRunner(kernels, order.slice(order.indexOf(chosen.backend)));
      const state = stream.init(checked, dtype);
      const runner: Runner = {
        backend: chosen.backend,
        async update(chunk) {
          await stream.update(state, chunk);
          noteFallThrough();
          return {};
        },
        async finish() {
          const result = await stream.finish(state);
          noteFallThrough();
          return welchOutputs(result);
        },
      };
      const noteFallThrough = () => {
        const last = [...stream.used].at(-1);
        if (last === undefined || last === runner.backend) return;
        runner.fellBack = `${runner.backend}: refused a block; ${last} ran it`;
        runner.backend = last;
      };
      return runner;
    },
  };
}

export function kernelEntries(options: KernelEntriesOptions = {}): CatalogEntry[] {
  const gpu = options.gpu === undefined ? {} : { gpu: options.gpu };
  const robust = createRobustKernels(gpu);
  return [
    welchEntry(createWelchKernels(gpu)),
    escalatedMaxEntry(createEscalatedMaxKernels(gpu)),
    robustEntry('meanStd', robust),
    robustEntry('medianMad', robust),
    robustEntry('zscore', robust),
  ];
}
