// Short-time Fourier transform, streaming: equal to scipy.signal.stft (1.17) for real input,
// frames emitted by the `update` that completes them and the rest by `finish`. Output is
// frames × bins, each bin interleaved (re, im), in the input's dtype (scipy: complex64 for
// float32 input); arithmetic is float64.
//
// scipy's defaults are boundary='zeros', padded=True; the streaming default here is
// boundary=null, padded=false (frames of the signal itself, no made-up samples). Both are
// supported: boundary 'zeros' puts ⌊nperseg/2⌋ zeros before the first sample (at init) and
// after the last (at finish); padded appends at finish the zeros that make the last frame
// whole, as scipy does. scaling 'spectrum' divides by Σw, 'psd' by √(fs·Σw²); no one-sided
// doubling (as scipy's stft). Frame k's time (scipy's `t`) is (nperseg/2 + k·step)/fs, minus
// (nperseg/2)/fs with boundary zeros: the centre of its segment on the input's time axis.
//
// A signal shorter than nperseg (after the boundary zeros) gives no frame; scipy instead
// shrinks nperseg to the signal's length (with a warning), which a stream cannot do.
//
// NaN rule: as the FFT's, NaN or ±Infinity in a frame's samples makes every bin of that frame
// NaN (or infinite); other frames are unaffected.
//
// For long signals `stftInto` writes frames into a caller's buffer (sized by `stftFrameCount`):
// no allocation per frame or per call.
import { badRequest } from '../errors.ts';
import { fftPlan, type FftPlan } from '../fft/index.ts';
import type { FloatArray, FloatDtype, StreamingAlgorithm } from '../types.ts';
import {
  detrendConstant,
  forEachSegment,
  frequencies,
  segmentParams,
  segmentsCompleted,
  shown,
} from './segments.ts';
import type { SegmentParams } from './segments.ts';
import { getWindow } from './windows.ts';

export interface StftParams extends SegmentParams {
  /** 'spectrum' (divide by Σw, scipy's default) or 'psd' (divide by √(fs·Σw²)). */
  scaling: 'spectrum' | 'psd';
  /** 'zeros': ⌊nperseg/2⌋ zeros at both ends (scipy's default); null: none (default here). */
  boundary: 'zeros' | null;
  /** Zeros at the end so that the last frame is whole (scipy's default true; false here). */
  padded: boolean;
}

export interface StftState {
  params: StftParams;
  dtype: FloatDtype;
  tail: Float64Array;
  filled: number;
  /** Input samples seen (boundary zeros not counted). */
  samples: number;
  /** Frames emitted so far. */
  frames: number;
}

export interface StftOutput {
  /** frames × bins complex values, interleaved (re, im), in the input's dtype. */
  data: FloatArray;
  frames: number;
  /** Bins per frame: ⌊nfft/2⌋+1 one-sided, nfft two-sided (fftfreq order). */
  bins: number;
  /** Index in the whole stream of this output's first frame. */
  firstFrame: number;
  /** Time of each frame (scipy's `t`), in fs's units. */
  times: Float64Array;
}

export function stftParams(input: unknown): StftParams {
  if (typeof input !== 'object' || input === null)
    throw badRequest('stft: params must be an object');
  const record = input as Record<string, unknown>;
  const { scaling = 'spectrum', boundary = null, padded = false } = record;
  if (scaling !== 'spectrum' && scaling !== 'psd') {
    throw badRequest(`stft: scaling must be "spectrum" or "psd", not ${String(scaling)}`);
  }
  if (boundary !== null && boundary !== 'zeros') {
    throw badRequest(`stft: boundary must be "zeros" or null, not ${shown(boundary)}`);
  }
  if (typeof padded !== 'boolean') throw badRequest('stft: padded must be a boolean');
  return { ...segmentParams('stft', record, false), scaling, boundary, padded };
}

interface Setup {
  /** The window with scipy's scale folded in. */
  window: Float64Array;
  nfft: number;
  bins: number;
  plan: FftPlan;
  input: Float64Array;
  output: Float64Array;
  segment: Float64Array;
}

const setups = new Map<string, Setup>();

/** The window with scipy's stft scale folded in (float64): the js setup's and the GPU's. */
export function stftScaledWindow(params: StftParams): Float64Array {
  const window = getWindow(params.window, params.nperseg);
  let sum = 0;
  let squares = 0;
  for (const w of window) {
    sum += w;
    squares += w * w;
  }
  const scale = params.scaling === 'spectrum' ? 1 / sum : 1 / Math.sqrt(params.fs * squares);
  for (let i = 0; i < window.length; i++) window[i] = (window[i] as number) * scale;
  return window;
}

function setupOf(params: StftParams): Setup {
  const nfft = params.nfft ?? params.nperseg;
  // Everything the setup depends on: `onesided` sets its bin count (a two-sided run after a
  // one-sided one with the same window once reused the wrong one).
  const key = `${params.window}:${params.nperseg}:${nfft}:${params.scaling}:${params.fs}:${String(params.onesided)}`;
  let setup = setups.get(key);
  if (setup === undefined) {
    const window = stftScaledWindow(params);
    const plan = fftPlan(nfft, { kind: 'real', dtype: 'float64' });
    setup = {
      window,
      nfft,
      bins: params.onesided ? Math.floor(nfft / 2) + 1 : nfft,
      plan,
      input: new Float64Array(nfft),
      output: new Float64Array(plan.frequencyLength),
      segment: new Float64Array(params.nperseg),
    };
    if (setups.size >= 8) setups.delete(setups.keys().next().value ?? '');
    setups.set(key, setup);
  }
  return setup;
}

function stepOf(params: StftParams): number {
  return params.nperseg - params.noverlap;
}

/** Bins per frame of these parameters. */
export function stftBins(params: StftParams): number {
  const nfft = params.nfft ?? params.nperseg;
  return params.onesided ? Math.floor(nfft / 2) + 1 : nfft;
}

/** Frequencies of the bins (rfftfreq one-sided, fftfreq two-sided). */
export function stftFrequencies(params: StftParams): Float64Array {
  return frequencies(params.nfft ?? params.nperseg, params.fs, params.onesided);
}

/** Frames that `update` with a chunk of `length` samples will emit. */
export function stftFrameCount(state: StftState, length: number): number {
  return segmentsCompleted(state, length, state.params.nperseg, stepOf(state.params));
}

/** Scratch buffers of a caller's plan (in its dtype; the zero padding stays zero). */
const planBuffers = new WeakMap<FftPlan, { input: FloatArray; output: FloatArray }>();

function buffersOf(plan: FftPlan): { input: FloatArray; output: FloatArray } {
  let buffers = planBuffers.get(plan);
  if (buffers === undefined) {
    const Type = plan.dtype === 'float32' ? Float32Array : Float64Array;
    buffers = { input: new Type(plan.timeLength), output: new Type(plan.frequencyLength) };
    planBuffers.set(plan, buffers);
  }
  return buffers;
}

/**
 * Streams `chunk` and writes the frames it completes into `out` from frame `at` (out holds
 * whole frames of 2·bins numbers, the state's dtype). Returns the number of frames written.
 * `plan` (optional) is a real FFT plan of nfft points from another backend — e.g. pffft's wasm
 * plan from `planOn` for float32 streams; it must not be less precise than the stream's dtype.
 */
export function stftInto(
  state: StftState,
  chunk: FloatArray,
  out: FloatArray,
  at = 0,
  plan?: FftPlan,
): number {
  const { params } = state;
  const setup = setupOf(params);
  const { window, nfft, bins } = setup;
  if (
    plan !== undefined &&
    (plan.kind !== 'real' ||
      plan.n !== nfft ||
      (plan.dtype === 'float32' && state.dtype === 'float64'))
  ) {
    throw badRequest(
      `stft: the plan must be a real FFT of ${nfft} points, at least as precise as the stream`,
    );
  }
  const fft = plan ?? setup.plan;
  const { input, output } = plan === undefined ? setup : buffersOf(plan);
  const count = stftFrameCount(state, chunk.length);
  const stride = 2 * bins;
  if (out.length < (at + count) * stride) {
    throw badRequest(`stft: output holds ${out.length} numbers, ${(at + count) * stride} needed`);
  }
  const n = params.nperseg;
  const half = Math.floor(nfft / 2) + 1;
  let frame = at;
  forEachSegment(state, chunk, n, stepOf(params), setup.segment, (segment) => {
    if (params.detrend === 'constant') detrendConstant(segment, n);
    for (let i = 0; i < n; i++) input[i] = (segment[i] as number) * (window[i] as number);
    fft.forward(input, output);
    const base = frame * stride;
    for (let i = 0; i < 2 * half; i++) out[base + i] = output[i] as number;
    // Two-sided: bins above nfft/2 are the conjugates of those below (real input).
    for (let k = half; k < bins; k++) {
      out[base + 2 * k] = output[2 * (nfft - k)] as number;
      out[base + 2 * k + 1] = -(output[2 * (nfft - k) + 1] as number);
    }
    frame++;
  });
  state.frames += count;
  return count;
}

function emit(state: StftState, chunk: FloatArray, plan?: FftPlan): StftOutput {
  const { params } = state;
  const bins = stftBins(params);
  const firstFrame = state.frames;
  const count = stftFrameCount(state, chunk.length);
  const data =
    state.dtype === 'float32'
      ? new Float32Array(count * 2 * bins)
      : new Float64Array(count * 2 * bins);
  stftInto(state, chunk, data, 0, plan);
  const times = new Float64Array(count);
  const step = stepOf(params);
  const shift = params.boundary === 'zeros' ? params.nperseg / 2 / params.fs : 0;
  for (let i = 0; i < count; i++) {
    times[i] = (params.nperseg / 2 + (firstFrame + i) * step) / params.fs - shift;
  }
  return { data, frames: count, bins, firstFrame, times };
}

function checkChunk(state: StftState, chunk: FloatArray): void {
  const Type = state.dtype === 'float32' ? Float32Array : Float64Array;
  if (!(chunk instanceof Type))
    throw badRequest(`stft: chunks must be ${Type.name}s (the stream's dtype)`);
}

/**
 * `stft.update` and `stft.finish` on a caller's FFT plan (pffft's, for a float32 stream): the
 * same frames and times, the transforms on `plan` (a real FFT of nfft points).
 */
export const stftOnPlan = {
  update(state: StftState, chunk: FloatArray, plan: FftPlan): StftOutput {
    checkChunk(state, chunk);
    state.samples += chunk.length;
    return emit(state, chunk, plan);
  },
  finish(state: StftState, plan: FftPlan): StftOutput {
    return emit(state, finalZeros(state), plan);
  },
};

/** The zeros `finish` feeds: the trailing boundary and the padding of the last frame. */
function finalZeros(state: StftState): FloatArray {
  const { params } = state;
  const edge = params.boundary === 'zeros' ? Math.floor(params.nperseg / 2) : 0;
  let zeros = edge;
  if (params.padded) {
    // scipy: nadd = (−(L − nperseg) % step) % nperseg over the boundary-extended length L.
    const length = state.samples + 2 * edge;
    const step = stepOf(params);
    zeros += (((-(length - params.nperseg) % step) + step) % step) % params.nperseg;
  }
  return state.dtype === 'float32' ? new Float32Array(zeros) : new Float64Array(zeros);
}

export const stft: StreamingAlgorithm<StftParams, StftState, StftOutput> = {
  name: 'stft',
  version: 1,
  params: stftParams,
  init(params, dtype) {
    // The leading boundary zeros are already in the tail.
    const filled = params.boundary === 'zeros' ? Math.floor(params.nperseg / 2) : 0;
    return { params, dtype, tail: new Float64Array(params.nperseg), filled, samples: 0, frames: 0 };
  },
  update(state, chunk) {
    checkChunk(state, chunk);
    state.samples += chunk.length;
    return emit(state, chunk);
  },
  finish(state) {
    return emit(state, finalZeros(state));
  },
};
