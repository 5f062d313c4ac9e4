// The STFT as a job, on the backend the order picks: js (own FFT plans), wasm (pffft's SIMD
// plan for a float32 stream, through stftOnPlan: same frames and times) or webgpu (window,
// FFT and bin selection chained on the GPU per block of whole frames; boundary/padded streams,
// float64 and non-power-of-2 FFTs are not taken there and fall through).
import { AlgorithmError, isAlgorithmError } from '../../algorithms/errors.ts';
import { createFftKernels, planOn } from '../../algorithms/fft/index.ts';
import {
  createStftKernels,
  stftBlockFrames,
  stftOutputLength,
  type StftKernel,
} from '../../algorithms/spectral/stft-kernels.ts';
import {
  stft,
  stftOnPlan,
  stftParams,
  type StftOutput,
  type StftParams,
} from '../../algorithms/spectral/stft.ts';
import type { KernelRegistry } from '../../algorithms/registry.ts';
import type { FloatDtype } from '../../algorithms/types.ts';
import { backendOrder, type CatalogEntry, type Runner } from './catalog.ts';
import type { ComputeOutputs } from './jobs.ts';

const outputsOf = (output: StftOutput): ComputeOutputs => ({
  spectrum: output.data,
  times: output.times,
});

function referenceRunner(params: StftParams, dtype: FloatDtype): Runner {
  const state = stft.init(params, dtype);
  return {
    backend: 'js',
    update: (chunk) => Promise.resolve(outputsOf(stft.update(state, chunk))),
    finish: () => Promise.resolve(outputsOf(stft.finish(state))),
  };
}

async function pffftRunner(params: StftParams, dtype: FloatDtype): Promise<Runner> {
  if (dtype !== 'float32') throw new AlgorithmError('unavailable', 'pffft takes float32 only');
  const plan = await planOn(
    createFftKernels(),
    params.nfft ?? params.nperseg,
    {
      kind: 'real',
      dtype: 'float32',
    },
    ['wasm'],
  );
  const state = stft.init(params, dtype);
  return {
    backend: 'wasm',
    update: (chunk) => Promise.resolve(outputsOf(stftOnPlan.update(state, chunk, plan))),
    finish: () => Promise.resolve(outputsOf(stftOnPlan.finish(state, plan))),
  };
}

/** Whole frames per GPU call: blocks of samples are gathered until this many frames fit. */
const GPU_FRAMES = 2048;

function gpuRunner(kernel: StftKernel, params: StftParams): Runner {
  const step = params.nperseg - params.noverlap;
  let block = new Float32Array(0);
  let firstFrame = 0;
  const run = async (final: boolean): Promise<ComputeOutputs> => {
    const frames = stftBlockFrames(params, block.length);
    if (frames === 0 || (!final && frames < GPU_FRAMES)) return {};
    const spectrum = new Float32Array(stftOutputLength(params, frames));
    await kernel.frames(block, params, spectrum);
    const times = Float64Array.from(
      { length: frames },
      (_, i) => (params.nperseg / 2 + (firstFrame + i) * step) / params.fs,
    );
    firstFrame += frames;
    block = block.slice(frames * step);
    return { spectrum, times };
  };
  return {
    backend: 'webgpu',
    async update(chunk) {
      const joined = new Float32Array(block.length + chunk.length);
      joined.set(block);
      joined.set(chunk, block.length);
      block = joined;
      return run(false);
    },
    finish: () => run(true),
  };
}

async function webgpuRunner(
  kernels: KernelRegistry<StftKernel>,
  params: StftParams,
  dtype: FloatDtype,
): Promise<Runner> {
  if (params.boundary !== null || params.padded) {
    throw new AlgorithmError('unavailable', 'the WebGPU STFT takes boundary null, padded false');
  }
  const kernel = await kernels.get('webgpu');
  const refusal = kernel.refusal(params, dtype);
  if (refusal !== undefined) throw new AlgorithmError('unavailable', refusal);
  return gpuRunner(kernel, params);
}

export function stftEntry(kernels: KernelRegistry<StftKernel> = createStftKernels()): CatalogEntry {
  return {
    name: stft.name,
    version: stft.version,
    params: stftParams,
    async start(params, dtype, backend, preferred = []) {
      const checked = params as StftParams;
      const reasons: string[] = [];
      for (const name of backendOrder(backend, preferred)) {
        try {
          if (name === 'js') return referenceRunner(checked, dtype);
          if (name === 'wasm') return await pffftRunner(checked, dtype);
          return await webgpuRunner(kernels, checked, dtype);
        } catch (error) {
          if (!isAlgorithmError(error, 'unavailable')) throw error;
          reasons.push(`${name}: ${error.message}`);
        }
      }
      throw new AlgorithmError('unavailable', `stft: no backend runs here (${reasons.join('; ')})`);
    },
  };
}
