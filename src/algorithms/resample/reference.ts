// Polyphase resampling, streamed: scipy.signal.resample_poly(x, up, down,
// window=('kaiser', 5.0), padtype='constant') over the whole signal, whatever the chunks.
//
// Filter: up/down are reduced by their gcd (up = down = 1 is scipy's plain copy); then
// firwin(2·half + 1, 1/max(up, down), window) with half = 10·max(up, down), cast to the input's
// dtype and multiplied by `up` in it (float32 taps for float32 input, as scipy). A caller FIR
// (`fir`) is used as given, times up, in float64 — scipy keeps a float64 window in float64 too
// (it then returns float64 for float32 input; here the output stays float32).
// A float `ratio` instead of up/down becomes the closest up/down with down ≤ maxDenominator
// (ratio.ts; refused when that is more than maxRelativeError away or a factor exceeds 2^16).
//
// NaN rule (scipy's, kept): a NaN or ±∞ sample reaches every output whose polyphase taps touch
// it, zero-valued padding taps included (0·NaN and 0·∞ are NaN); other outputs are untouched.
// Output: ⌈n·up/down⌉ samples in the input's dtype, summed in float64. Empty input: no output.
import { badRequest, finiteNumber, positiveInteger } from '../errors.ts';
import type { FloatArray, FloatDtype, StreamingAlgorithm } from '../types.ts';
import { DEFAULT_WINDOW, firWindow, firwin, MAX_TAPS, type FirWindow } from './firwin.ts';
import {
  finishPolyphase,
  initPolyphase,
  updatePolyphase,
  type PolyphaseState,
} from './polyphase.ts';
import { gcd, ratioToUpDown } from './ratio.ts';

/** The largest up or down: the designed filter then has 20·2^16 + 1 taps (10 MB of state). */
export const MAX_FACTOR = 2 ** 16;

export interface ResampleParams {
  /** Reduced by the gcd. */
  up: number;
  down: number;
  window: FirWindow;
  /** A caller FIR used instead of the designed one, or null. */
  fir: number[] | null;
}

/** What `params` takes: up/down, or a float ratio (output rate / input rate). */
export interface ResampleInput {
  up?: number;
  down?: number;
  ratio?: number;
  /** For `ratio`: the largest denominator tried (default 1000, at most 2^16). */
  maxDenominator?: number;
  /** For `ratio`: the largest relative error of up/down accepted (default 1e-9). */
  maxRelativeError?: number;
  window?: FirWindow;
  fir?: ArrayLike<number>;
}

function checkedFir(fir: unknown): number[] {
  if (!Array.isArray(fir) && !(fir instanceof Float64Array) && !(fir instanceof Float32Array)) {
    throw badRequest('resample: fir must be an array of numbers');
  }
  const taps = Array.from(fir as ArrayLike<unknown>, (tap, i) =>
    finiteNumber(`resample: fir[${String(i)}]`, tap),
  );
  if (taps.length < 1 || taps.length > MAX_TAPS) {
    throw badRequest(
      `resample: fir must have 1 to ${String(MAX_TAPS)} taps, not ${String(taps.length)}`,
    );
  }
  return taps;
}

export function resampleParams(input: unknown): ResampleParams {
  if (typeof input !== 'object' || input === null)
    throw badRequest('resample: params must be an object');
  const raw = input as Record<string, unknown>;
  let up: number;
  let down: number;
  if (raw.ratio !== undefined) {
    if (raw.up !== undefined || raw.down !== undefined) {
      throw badRequest('resample: give either ratio or up and down, not both');
    }
    const maxDenominator = positiveInteger(
      'resample: maxDenominator',
      raw.maxDenominator ?? 1000,
      MAX_FACTOR,
    );
    const maxRelativeError = finiteNumber(
      'resample: maxRelativeError',
      raw.maxRelativeError ?? 1e-9,
    );
    if (maxRelativeError < 0) throw badRequest('resample: maxRelativeError must be ≥ 0');
    const ratio = finiteNumber('resample: ratio', raw.ratio);
    ({ up, down } = ratioToUpDown(ratio, {
      maxDenominator,
      maxRelativeError,
      maxFactor: MAX_FACTOR,
    }));
  } else {
    up = positiveInteger('resample: up', raw.up, MAX_FACTOR);
    down = positiveInteger('resample: down', raw.down, MAX_FACTOR);
  }
  const divisor = gcd(up, down);
  return {
    up: up / divisor,
    down: down / divisor,
    window: raw.window === undefined ? DEFAULT_WINDOW : firWindow(raw.window),
    fir: raw.fir === undefined ? null : checkedFir(raw.fir),
  };
}

/** Taps in the arithmetic scipy uses for `dtype`: float32 rounding after the cast and the gain. */
export function tapsInDtype(h: Float64Array, gain: number, dtype: FloatDtype): Float64Array {
  const out = new Float64Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const tap = h[i] as number;
    out[i] = dtype === 'float32' ? Math.fround(Math.fround(tap) * gain) : tap * gain;
  }
  return out;
}

export const resamplePoly: StreamingAlgorithm<ResampleParams, PolyphaseState, FloatArray> = {
  name: 'resample_poly',
  version: 1,
  params: resampleParams,
  init(params, dtype) {
    const { up, down } = params;
    if (up === 1 && down === 1) return initPolyphase(dtype, 1, 1, Float64Array.of(1));
    let h: Float64Array;
    if (params.fir !== null) {
      h = tapsInDtype(Float64Array.from(params.fir), up, 'float64');
    } else {
      const max = Math.max(up, down);
      h = tapsInDtype(firwin(2 * 10 * max + 1, 1 / max, params.window), up, dtype);
    }
    return initPolyphase(dtype, up, down, h);
  },
  update: (state, chunk) => updatePolyphase(state, chunk),
  finish: (state) => finishPolyphase(state),
};
