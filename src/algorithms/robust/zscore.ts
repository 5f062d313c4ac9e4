// Robust z-score of each sample against the trailing window that ends at it, inclusive:
// z[i] = (x[t] − median(v)) / (scale · MAD(v)), v = x[t − window + 1 … t], t = i + window − 1
// ('valid' alignment: n − window + 1 outputs), scale = 1.4826 by default, median and MAD as
// rollingMedianMad computes them (medianMad.ts).
//
// NaN rule: a NaN sample has z NaN; NaN in the window is a gap, and a window with fewer than
// `minPeriods` non-NaN samples gives NaN (default minPeriods = window). MAD = 0 (half the
// window or more on one value): z is +∞ or −∞ for a sample off the median and NaN for one on
// it — IEEE division, as numpy gives. A window with an infinite median has MAD NaN, so z NaN.
import { arrayOf, type FloatArray, type StreamingAlgorithm } from '../types.ts';
import {
  medianMadParams,
  NORMAL_MAD_SCALE,
  outputsOf,
  rollingMedianMad,
  slideChunk,
  type MedianMadParams,
  type MedianMadState,
} from './medianMad.ts';
import { median, medianAbsoluteDeviation } from './sortedWindow.ts';

export interface ZScoreOutput {
  z: FloatArray;
}

export const robustZScore: StreamingAlgorithm<MedianMadParams, MedianMadState, ZScoreOutput> = {
  name: 'robust_z_score',
  version: 1,
  params: (input) => medianMadParams(input, 'robustZScore', NORMAL_MAD_SCALE),
  init: (params, dtype) => rollingMedianMad.init(params, dtype),
  update(state, chunk) {
    const z = arrayOf(state.dtype, outputsOf(state, chunk));
    const { minPeriods, scale } = state.params;
    slideChunk(state, chunk, (i, value, window) => {
      if (window.size < minPeriods) {
        z[i] = Number.NaN;
        return;
      }
      const m = median(window);
      z[i] = (value - m) / (scale * medianAbsoluteDeviation(window, m));
    });
    return { z };
  },
  finish(state) {
    return { z: arrayOf(state.dtype, 0) };
  },
};
