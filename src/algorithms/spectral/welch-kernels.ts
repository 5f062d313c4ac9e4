// Welch's batch step per backend, and the streaming runner that drives it. A kernel takes one
// contiguous block of whole segments — segment k covers block[k·step, k·step + nperseg) with
// step = nperseg − noverlap, as the STFT kernels take whole frames — and, per segment it keeps,
// adds |X_k|² of the one-sided bins k ≤ nfft/2 into a float64 sum (mean averaging) or appends
// that spectrum to a list (median averaging). Two-sided output needs nothing more: for real
// input the upper bins mirror these, and welch.ts's finish mirrors them, as the reference does.
// Kernels carry no state; the runner (`createWelchRunner`) keeps welch.ts's state and tail,
// hands each update's completed segments to the first kernel of its order that takes them,
// and finishes with the reference's own averaging and scaling (welchResult).
//
// Backends:
//   js     — welch.ts's own per-segment arithmetic (float64), so the runner on js gives the
//            reference's bytes whatever the chunking.
//   wasm   — the segment FFTs on pffft (SIMD wasm, float32); detrend, window and |X_k|² in
//            float64 around it. float32 streams only: pffft would round a float64 stream's
//            samples to float32 (a precision the caller did not ask for), so float64 is
//            `unavailable` and falls through to js. nfft must be a size pffft takes
//            (2^a·3^b·5^c, a multiple of 32); other sizes are `unavailable` too.
//   webgpu — webgpu/welch-kernel.ts: mean, window, batched FFT and the |X|² sums on the GPU.
//
// NaN rule: the reference's — a segment holding NaN or ±Infinity is skipped (not added) and
// reported in `skipped` (its index in the block); the runner counts it in skippedSegments.
import { navigatorGpu, type GpuContextOptions, type WebGpu } from '../gpu/device.ts';
import { AlgorithmError, badRequest, isAlgorithmError } from '../errors.ts';
import { createPffftKernel, type FftKernel } from '../fft/kernels.ts';
import type { PffftModuleOptions } from '../fft/pffft-types.ts';
import { createKernelRegistry, type KernelRegistry } from '../registry.ts';
import { BACKENDS, dtypeOf, type BackendName, type FloatArray, type FloatDtype } from '../types.ts';
import { allFinite, detrendConstant, segmentsCompleted } from './segments.ts';
import { createWebgpuWelchKernel } from './webgpu/welch-kernel.ts';
import {
  segmentPower,
  welch,
  welchEmptyResult,
  welchParams,
  welchResult,
  welchSetup,
  welchStep,
  type WelchParams,
  type WelchResult,
  type WelchState,
} from './welch.ts';

/** The segment and FFT lengths of a block: the params' own, or a short signal's one segment. */
export interface WelchLengths {
  nperseg: number;
  nfft: number;
}

/** Where a kernel puts what it computes (the runner passes its state's arrays). */
export interface WelchSink {
  /** ⌊nfft/2⌋+1 sums of |X_k|² (mean averaging). */
  sum: Float64Array;
  /** Per-segment |X_k|², one array per kept segment, in order (median averaging). */
  spectra: Float64Array[];
}

export interface WelchBlockResult {
  /** Segments added (to `sum`, or to `spectra` for median averaging). */
  added: number;
  /** Indices in the block of the segments skipped for a NaN or ±Infinity sample. */
  skipped: number[];
}

export interface WelchKernel {
  readonly backend: BackendName;
  readonly dtypes: readonly FloatDtype[];
  /** Why this kernel does not take these params, dtype and lengths (undefined when it does). */
  refusal(params: WelchParams, dtype: FloatDtype, lengths: WelchLengths): string | undefined;
  /**
   * Adds the segments of `block` (`welchBlockSegments` of them) into `sink`: to `sink.sum`
   * for mean averaging, appended to `sink.spectra` for median. A refusal →
   * AlgorithmError('unavailable', reason), with nothing added.
   */
  segments(
    block: FloatArray,
    params: WelchParams,
    lengths: WelchLengths,
    sink: WelchSink,
  ): Promise<WelchBlockResult>;
}

/** Whole segments in a block of `length` samples (0 when shorter than a segment). */
export function welchBlockSegments(
  params: WelchParams,
  lengths: WelchLengths,
  length: number,
): number {
  return length < lengths.nperseg
    ? 0
    : Math.floor((length - lengths.nperseg) / welchStep(params)) + 1;
}

/** One-sided bins of an FFT of nfft points: what a kernel adds per segment. */
export function welchBins(nfft: number): number {
  return Math.floor(nfft / 2) + 1;
}

function checkSink(lengths: WelchLengths, sink: WelchSink): void {
  if (sink.sum.length !== welchBins(lengths.nfft)) {
    throw badRequest(
      `welch: the sum holds ${sink.sum.length} bins, ${welchBins(lengths.nfft)} needed`,
    );
  }
}

/** welch.ts's own loop: per segment the reference's `segmentPower`, float64. */
export const jsWelchKernel: WelchKernel = {
  backend: 'js',
  dtypes: ['float32', 'float64'],
  refusal: () => undefined,
  segments(block, params, lengths, sink) {
    // A throw in the executor rejects: errors reach the caller as a rejection, as on the GPU.
    return new Promise((resolve) => {
      checkSink(lengths, sink);
      const { nperseg, nfft } = lengths;
      const setup = welchSetup(params, nperseg, nfft);
      const count = welchBlockSegments(params, lengths, block.length);
      const step = welchStep(params);
      const median = params.average === 'median';
      const segment = setup.segment;
      const skipped: number[] = [];
      let added = 0;
      for (let s = 0; s < count; s++) {
        const start = s * step;
        for (let i = 0; i < nperseg; i++) segment[i] = block[start + i] as number;
        const power = median ? new Float64Array(sink.sum.length) : sink.sum;
        if (segmentPower(setup, params.detrend, segment, power, !median)) {
          added++;
          if (median) sink.spectra.push(power);
        } else {
          skipped.push(s);
        }
      }
      resolve({ added, skipped });
    });
  },
};

/** Why pffft does not take these params, dtype and lengths. */
export function wasmWelchRefusal(
  fft: Pick<FftKernel, 'unsupported'>,
  dtype: FloatDtype,
  lengths: WelchLengths,
): string | undefined {
  if (dtype !== 'float32') {
    return 'pffft computes in float32: a float64 stream stays on js (its precision kept)';
  }
  const reason = fft.unsupported(lengths.nfft, { kind: 'real', dtype: 'float32' });
  return reason === undefined ? undefined : `nfft ${lengths.nfft}: ${reason}`;
}

/**
 * The wasm kernel on `fft` (pffft's FFT kernel): the reference's finite check, detrend and
 * window in float64, the window's product rounded once into pffft's float32 input, the
 * transform in wasm, |X_k|² added in float64.
 */
export function createWasmWelchKernel(fft: FftKernel): WelchKernel {
  return {
    backend: 'wasm',
    dtypes: ['float32'],
    refusal: (_params, dtype, lengths) => wasmWelchRefusal(fft, dtype, lengths),
    segments(block, params, lengths, sink) {
      return new Promise((resolve) => {
        const refusal = wasmWelchRefusal(fft, dtypeOf(block), lengths);
        if (refusal !== undefined) throw new AlgorithmError('unavailable', `welch: ${refusal}`);
        checkSink(lengths, sink);
        const { nperseg, nfft } = lengths;
        const plan = fft.plan(nfft, { kind: 'real', dtype: 'float32' });
        const { window, segment } = welchSetup(params, nperseg, nfft);
        // Read once per call: nothing below allocates in the module's memory, so the views
        // stay attached (plan.ts: a growth of the memory detaches them).
        const buffers = plan.wasmBuffers;
        if (buffers === undefined)
          throw new AlgorithmError('unavailable', 'welch: no pffft buffers');
        const { input, output } = buffers;
        // The plan may be shared: its zero padding is set here, not assumed.
        input.fill(0, nperseg);
        const count = welchBlockSegments(params, lengths, block.length);
        const step = welchStep(params);
        const bins = sink.sum.length;
        const median = params.average === 'median';
        const skipped: number[] = [];
        let added = 0;
        for (let s = 0; s < count; s++) {
          const start = s * step;
          for (let i = 0; i < nperseg; i++) segment[i] = block[start + i] as number;
          if (!allFinite(segment, nperseg)) {
            skipped.push(s);
            continue;
          }
          if (params.detrend === 'constant') detrendConstant(segment, nperseg);
          for (let i = 0; i < nperseg; i++)
            input[i] = (segment[i] as number) * (window[i] as number);
          buffers.run();
          const power = median ? new Float64Array(bins) : sink.sum;
          for (let k = 0; k < bins; k++) {
            const re = output[2 * k] as number;
            const im = output[2 * k + 1] as number;
            power[k] = (power[k] as number) + re * re + im * im;
          }
          if (median) sink.spectra.push(power);
          added++;
        }
        resolve({ added, skipped });
      });
    },
  };
}

export interface WelchKernelsOptions {
  /** The WebGPU entry point: navigator.gpu when absent; Node tests inject the webgpu package's. */
  readonly gpu?: WebGpu | null;
  /** Lower GPU limits (tests force the split paths with them). */
  readonly gpuOptions?: GpuContextOptions;
  /** Where pffft's .wasm is (fft/pffft-loader.ts). */
  readonly pffft?: PffftModuleOptions;
}

/** A registry of the Welch kernels (webgpu, wasm, js); one per app or test, never global. */
export function createWelchKernels(options: WelchKernelsOptions = {}): KernelRegistry<WelchKernel> {
  const registry = createKernelRegistry<WelchKernel>();
  registry.register({
    backend: 'webgpu',
    create: () =>
      createWebgpuWelchKernel(
        options.gpu === undefined ? navigatorGpu() : options.gpu,
        options.gpuOptions,
      ),
  });
  registry.register({
    backend: 'wasm',
    create: async () => createWasmWelchKernel(await createPffftKernel(options.pffft)),
  });
  registry.register({ backend: 'js', create: () => jsWelchKernel });
  return registry;
}

/**
 * Runs one block on the first backend of `order` that is registered, runs here and takes it,
 * falling through on `unavailable` (also mid-run: a lost device, a segment over a GPU
 * binding; a kernel adds nothing before it throws that). Other errors are the caller's.
 */
export async function runWelchSegments(
  registry: KernelRegistry<WelchKernel>,
  block: FloatArray,
  params: WelchParams,
  lengths: WelchLengths,
  sink: WelchSink,
  order: readonly BackendName[] = BACKENDS,
): Promise<WelchBlockResult & { backend: BackendName }> {
  const reasons: string[] = [];
  for (const backend of order) {
    if (!registry.backends().includes(backend)) continue;
    try {
      const kernel = await registry.get(backend);
      const refusal = kernel.refusal(params, dtypeOf(block), lengths);
      if (refusal !== undefined) {
        reasons.push(`${backend}: ${refusal}`);
        continue;
      }
      return { backend, ...(await kernel.segments(block, params, lengths, sink)) };
    } catch (error) {
      if (!isAlgorithmError(error, 'unavailable')) throw error;
      reasons.push(`${backend}: ${error.message}`);
    }
  }
  throw new AlgorithmError('unavailable', `welch: no backend runs this (${reasons.join('; ')})`);
}

export interface WelchRunner {
  params: typeof welchParams;
  /** welch.ts's state: plain data (a structured clone carries it between updates). */
  init(params: WelchParams, dtype: FloatDtype): WelchState;
  /** Streams `chunk`: the segments it completes run on a kernel. Resolves to null. */
  update(state: WelchState, chunk: FloatArray): Promise<null>;
  finish(state: WelchState): Promise<WelchResult>;
  /** The backends that ran blocks so far (a fallthrough shows here). */
  readonly used: ReadonlySet<BackendName>;
}

function sinkOf(state: WelchState): WelchSink {
  return { sum: state.sum, spectra: state.spectra };
}

/**
 * welch.ts's stream on a kernel registry: the same state, tail and result, the segments of
 * each update run as one block on the first kernel of `order` that takes them.
 */
export function createWelchRunner(
  registry: KernelRegistry<WelchKernel>,
  order: readonly BackendName[] = BACKENDS,
): WelchRunner {
  const used = new Set<BackendName>();
  const run = async (
    state: WelchState,
    block: FloatArray,
    lengths: WelchLengths,
  ): Promise<void> => {
    const ran = await runWelchSegments(
      registry,
      block,
      state.params,
      lengths,
      sinkOf(state),
      order,
    );
    used.add(ran.backend);
    state.segments += ran.added;
    state.skippedSegments += ran.skipped.length;
  };
  return {
    params: welchParams,
    init: (params, dtype) => welch.init(params, dtype),
    used,
    async update(state, chunk) {
      const Type = state.dtype === 'float32' ? Float32Array : Float64Array;
      if (!(chunk instanceof Type)) {
        throw badRequest(`welch: chunks must be ${Type.name}s (the stream's dtype)`);
      }
      const { params, filled } = state;
      const step = welchStep(params);
      const count = segmentsCompleted(state, chunk.length, params.nperseg, step);
      state.samples += chunk.length;
      if (count === 0) {
        state.tail.set(chunk, filled);
        state.filled = filled + chunk.length;
        return null;
      }
      // The tail and the chunk as one block of the stream's dtype (a float32 stream's tail
      // holds float32 values, so the copy back is exact).
      const total = filled + chunk.length;
      const all = new Type(total);
      all.set(state.tail.subarray(0, filled));
      all.set(chunk, filled);
      const used = (count - 1) * step + params.nperseg;
      const nfft = params.nfft ?? params.nperseg;
      await run(state, all.subarray(0, used), { nperseg: params.nperseg, nfft });
      // What is left starts at the next segment's first sample, shorter than a segment.
      state.tail.set(all.subarray(count * step));
      state.filled = total - count * step;
      return null;
    },
    async finish(state) {
      const { params } = state;
      if (state.samples === 0) return welchEmptyResult(state);
      const nfft = params.nfft ?? params.nperseg;
      if (state.samples >= params.nperseg) return welchResult(state, params.nperseg, nfft);
      // Shorter than a segment: scipy's one segment of the whole signal (the tail holds it).
      const nperseg = state.samples;
      const lengths = { nperseg, nfft: params.nfft ?? nperseg };
      const Type = state.dtype === 'float32' ? Float32Array : Float64Array;
      state.sum = new Float64Array(welchBins(lengths.nfft));
      state.spectra = [];
      await run(state, Type.from(state.tail.subarray(0, nperseg)), lengths);
      return welchResult(state, lengths.nperseg, lengths.nfft);
    },
  };
}
