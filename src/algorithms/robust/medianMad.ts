// Rolling median and MAD (median absolute deviation) over a trailing window of `window`
// samples: for each window v = x[i … i + window − 1] ('valid' alignment, n − window + 1
// outputs), median(v) and scale · median(|v − median(v)|) as numpy computes them
// (np.median: the mean of the middle two for an even count). `scale` is 1 by default (the raw
// MAD); 1.4826 (NORMAL_MAD_SCALE) makes it estimate σ for normal data.
//
// NaN rule (pandas' rolling rule): NaN is a gap, left out; a window with fewer than
// `minPeriods` non-NaN samples gives NaN (default minPeriods = window: any NaN gives NaN, as
// numpy's median does). ±∞ are observations, ordered as numbers; a window whose median is ±∞
// (or NaN, from −∞ and +∞ in the middle) has MAD NaN, as numpy gives.
//
// Cost per sample: O(log w) compares and an O(w) memmove (sortedWindow.ts); window ≤ 2^16.
// State: the ring of the last `window` samples and their sorted non-NaN values.
import { arrayOf, type FloatArray, type FloatDtype, type StreamingAlgorithm } from '../types.ts';
import { paramsObject, positiveScale, rollingWindow, type RollingWindow } from './params.ts';
import {
  createSortedWindow,
  median,
  medianAbsoluteDeviation,
  slide,
  type SortedWindow,
} from './sortedWindow.ts';

/** The largest window: each sample then shifts up to 512 KiB. */
export const MAX_MEDIAN_WINDOW = 2 ** 16;

/** The MAD's consistency constant for normal data, as the z-score's usual definition rounds it. */
export const NORMAL_MAD_SCALE = 1.4826;

export interface MedianMadParams extends RollingWindow {
  /** Multiplies the MAD (1: raw; 1.4826: σ-consistent). */
  scale: number;
}

export interface MedianMadState {
  params: MedianMadParams;
  dtype: FloatDtype;
  window: SortedWindow;
}

export interface MedianMadOutput {
  median: FloatArray;
  mad: FloatArray;
}

export function medianMadParams(
  input: unknown,
  name = 'rollingMedianMad',
  scale = 1,
): MedianMadParams {
  const raw = paramsObject(name, input);
  return {
    ...rollingWindow(name, raw, MAX_MEDIAN_WINDOW),
    scale: positiveScale(`${name}: scale`, raw.scale, scale),
  };
}

/** Slides `chunk` through the window, calling `emit(i, value)` for each full window. */
export function slideChunk(
  state: MedianMadState,
  chunk: FloatArray,
  emit: (i: number, value: number, window: SortedWindow) => void,
): number {
  const { window } = state.params;
  const first = Math.max(0, window - 1 - state.window.filled);
  for (let i = 0; i < chunk.length; i++) {
    const value = chunk[i] as number;
    slide(state.window, value);
    if (i >= first) emit(i - first, value, state.window);
  }
  return Math.max(0, chunk.length - first);
}

/** The number of outputs `chunk` completes (before it slides through). */
export function outputsOf(state: MedianMadState, chunk: FloatArray): number {
  return Math.max(0, chunk.length - Math.max(0, state.params.window - 1 - state.window.filled));
}

export const rollingMedianMad: StreamingAlgorithm<
  MedianMadParams,
  MedianMadState,
  MedianMadOutput
> = {
  name: 'rolling_median_mad',
  version: 1,
  params: (input) => medianMadParams(input),
  init(params, dtype) {
    return { params, dtype, window: createSortedWindow(params.window) };
  },
  update(state, chunk) {
    const count = outputsOf(state, chunk);
    const out: MedianMadOutput = {
      median: arrayOf(state.dtype, count),
      mad: arrayOf(state.dtype, count),
    };
    const { minPeriods, scale } = state.params;
    slideChunk(state, chunk, (i, _value, window) => {
      if (window.size < minPeriods) {
        out.median[i] = Number.NaN;
        out.mad[i] = Number.NaN;
        return;
      }
      const m = median(window);
      out.median[i] = m;
      out.mad[i] = scale * medianAbsoluteDeviation(window, m);
    });
    return out;
  },
  finish(state) {
    return { median: arrayOf(state.dtype, 0), mad: arrayOf(state.dtype, 0) };
  },
};
