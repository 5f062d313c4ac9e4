// Welch's power spectral density, streaming: equal to scipy.signal.welch over the whole signal
// (same parameters, real input) whatever the split of the input into chunks. The state holds
// the unfinished segment tail and the per-bin sum of |X_k|² of the segments so far; `update`
// returns null (the estimate exists once the signal ends) and `finish` scales and averages:
// mean (default) or median (scipy's median, divided by its bias; the state then keeps every
// segment's spectrum, segments × bins numbers).
//
// Arithmetic is float64 whatever the input dtype, and the result is float64 (scipy returns
// float32 for float32 input, computed in float32; the two agree to ~1e-7).
//
// A signal shorter than nperseg gives what scipy gives: one segment of the whole signal with a
// window of its length (and nfft = that length unless nfft was given). An empty signal gives
// empty arrays. (scipy raises instead when an explicit noverlap is not below the shorter
// length; here the single segment is computed anyway.)
//
// NaN rule: a segment holding NaN or ±Infinity is skipped and counted in `skippedSegments`; the
// estimate is the average of the finite segments (NaN in every bin when none is left). scipy
// would propagate the NaN into every bin of the estimate instead.
import { badRequest } from '../errors.ts';
import { fftPlan, type FftPlan } from '../fft/index.ts';
import type { FloatArray, FloatDtype, StreamingAlgorithm } from '../types.ts';
import { powerScale, spectralScaling, type SpectralScaling } from './scaling.ts';
import {
  allFinite,
  detrendConstant,
  forEachSegment,
  frequencies,
  segmentParams,
  type SegmentParams,
} from './segments.ts';
import { getWindow } from './windows.ts';

export interface WelchParams extends SegmentParams {
  /** 'density' (V²/Hz, default) or 'spectrum' (V²). */
  scaling: SpectralScaling;
  average: 'mean' | 'median';
}

export interface WelchState {
  params: WelchParams;
  dtype: FloatDtype;
  tail: Float64Array;
  filled: number;
  /** Samples seen so far. */
  samples: number;
  /** Σ|X_k|² over the segments kept (one-sided bins, unscaled). */
  sum: Float64Array;
  segments: number;
  skippedSegments: number;
  /** Per-segment |X_k|² (median only). */
  spectra: Float64Array[];
}

export interface WelchResult {
  /** Bin frequencies: rfftfreq (one-sided) or fftfreq order (two-sided), in fs's units. */
  frequencies: Float64Array;
  /** The estimate per bin, in the order of `frequencies`. */
  psd: Float64Array;
  /** Segments averaged. */
  segments: number;
  /** Segments left out because they held NaN or ±Infinity. */
  skippedSegments: number;
  /** The segment and FFT lengths used (shorter than asked for a signal shorter than nperseg). */
  nperseg: number;
  nfft: number;
}

export function welchParams(input: unknown): WelchParams {
  if (typeof input !== 'object' || input === null)
    throw badRequest('welch: params must be an object');
  const record = input as Record<string, unknown>;
  const { scaling = 'density', average = 'mean' } = record;
  if (average !== 'mean' && average !== 'median') {
    throw badRequest(`welch: average must be "mean" or "median", not ${String(average)}`);
  }
  return {
    ...segmentParams('welch', record, 'constant'),
    scaling: spectralScaling(scaling),
    average,
  };
}

export interface WelchSetup {
  window: Float64Array;
  nfft: number;
  plan: FftPlan;
  input: Float64Array;
  output: Float64Array;
  segment: Float64Array;
}

const setups = new Map<string, WelchSetup>();

/** Window, plan and scratch buffers of a segment length (cached: a stream reuses them). */
export function welchSetup(params: WelchParams, nperseg: number, nfft: number): WelchSetup {
  const key = `${params.window}:${nperseg}:${nfft}`;
  let setup = setups.get(key);
  if (setup === undefined) {
    const plan = fftPlan(nfft, { kind: 'real', dtype: 'float64' });
    setup = {
      window: getWindow(params.window, nperseg),
      nfft,
      plan,
      input: new Float64Array(nfft),
      output: new Float64Array(plan.frequencyLength),
      segment: new Float64Array(nperseg),
    };
    if (setups.size >= 8) setups.delete(setups.keys().next().value ?? '');
    setups.set(key, setup);
  }
  return setup;
}

/** |X_k|² of one segment into `power`; false (nothing written) when it holds NaN/±Infinity. */
export function segmentPower(
  setup: WelchSetup,
  detrend: 'constant' | false,
  segment: Float64Array,
  power: Float64Array,
  accumulate: boolean,
): boolean {
  const n = segment.length;
  if (!allFinite(segment, n)) return false;
  if (detrend === 'constant') detrendConstant(segment, n);
  const { window, input, output } = setup;
  for (let i = 0; i < n; i++) input[i] = (segment[i] as number) * (window[i] as number);
  setup.plan.forward(input, output);
  for (let k = 0; k < power.length; k++) {
    const re = output[2 * k] as number;
    const im = output[2 * k + 1] as number;
    power[k] = (accumulate ? (power[k] as number) : 0) + re * re + im * im;
  }
  return true;
}

/** Samples between the starts of consecutive segments. */
export function welchStep(params: WelchParams): number {
  return params.nperseg - params.noverlap;
}

function feed(state: WelchState, chunk: FloatArray): void {
  const { params } = state;
  const nfft = params.nfft ?? params.nperseg;
  const setup = welchSetup(params, params.nperseg, nfft);
  forEachSegment(state, chunk, params.nperseg, welchStep(params), setup.segment, (segment) => {
    const median = params.average === 'median';
    const power = median ? new Float64Array(state.sum.length) : state.sum;
    if (segmentPower(setup, params.detrend, segment, power, !median)) {
      state.segments++;
      if (median) state.spectra.push(power);
    } else {
      state.skippedSegments++;
    }
  });
}

/** scipy's _median_bias: the median of n χ²₂ variables over their mean. */
function medianBias(n: number): number {
  let bias = 1;
  for (let k = 1; k <= (n - 1) / 2; k++) bias += 1 / (2 * k + 1) - 1 / (2 * k);
  return bias;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1
    ? (values[middle] as number)
    : 0.5 * ((values[middle - 1] as number) + (values[middle] as number));
}

/**
 * The estimate from the state's sums (or per-segment spectra): averaging, scaling, one-sided
 * doubling or two-sided mirroring. Backends that fill the state themselves finish with it.
 */
export function welchResult(state: WelchState, nperseg: number, nfft: number): WelchResult {
  const { params, segments } = state;
  const window = welchSetup(params, nperseg, nfft).window;
  const scale = powerScale(window, params.scaling, params.fs);
  const half = Math.floor(nfft / 2) + 1;
  const onesided = new Float64Array(half);
  if (segments === 0) {
    onesided.fill(Number.NaN);
  } else if (params.average === 'median' && segments > 1) {
    const bias = medianBias(segments);
    for (let k = 0; k < half; k++) {
      onesided[k] = median(state.spectra.map((power) => power[k] as number)) / bias;
    }
  } else {
    const sum = params.average === 'median' ? (state.spectra[0] as Float64Array) : state.sum;
    for (let k = 0; k < half; k++) onesided[k] = (sum[k] as number) / segments;
  }
  const psd = new Float64Array(params.onesided ? half : nfft);
  for (let k = 0; k < psd.length; k++) {
    // Two-sided bins above nfft/2 mirror those below (real input: X_{n−k} = conj X_k).
    const source = k < half ? k : nfft - k;
    const doubled = params.onesided && k > 0 && (nfft % 2 === 1 || k < half - 1);
    psd[k] = (onesided[source] as number) * scale * (doubled ? 2 : 1);
  }
  return {
    frequencies: frequencies(nfft, params.fs, params.onesided),
    psd,
    segments,
    skippedSegments: state.skippedSegments,
    nperseg,
    nfft,
  };
}

/** The result of an empty signal. */
export function welchEmptyResult(state: WelchState): WelchResult {
  const nfft = state.params.nfft ?? state.params.nperseg;
  return {
    frequencies: new Float64Array(0),
    psd: new Float64Array(0),
    segments: 0,
    skippedSegments: 0,
    nperseg: state.params.nperseg,
    nfft,
  };
}

export const welch: StreamingAlgorithm<WelchParams, WelchState, WelchResult | null> = {
  name: 'welch',
  version: 1,
  params: welchParams,
  init(params, dtype) {
    const nfft = params.nfft ?? params.nperseg;
    return {
      params,
      dtype,
      tail: new Float64Array(params.nperseg),
      filled: 0,
      samples: 0,
      sum: new Float64Array(Math.floor(nfft / 2) + 1),
      segments: 0,
      skippedSegments: 0,
      spectra: [],
    };
  },
  update(state, chunk) {
    const Type = state.dtype === 'float32' ? Float32Array : Float64Array;
    if (!(chunk instanceof Type)) {
      throw badRequest(`welch: chunks must be ${Type.name}s (the stream's dtype)`);
    }
    state.samples += chunk.length;
    feed(state, chunk);
    return null;
  },
  finish(state) {
    const { params } = state;
    if (state.samples === 0) return welchEmptyResult(state);
    if (state.samples >= params.nperseg) {
      return welchResult(state, params.nperseg, params.nfft ?? params.nperseg);
    }
    // Shorter than a segment: scipy's one segment of the whole signal (the tail holds it).
    const nperseg = state.samples;
    const nfft = params.nfft ?? nperseg;
    const setup = welchSetup(params, nperseg, nfft);
    setup.segment.set(state.tail.subarray(0, nperseg));
    state.sum = new Float64Array(Math.floor(nfft / 2) + 1);
    const median = params.average === 'median';
    if (segmentPower(setup, params.detrend, setup.segment, state.sum, false)) {
      state.segments = 1;
      if (median) state.spectra = [state.sum];
    } else {
      state.skippedSegments = 1;
    }
    return welchResult(state, nperseg, nfft);
  },
};
