// Windowed statistics: consecutive windows of `window` samples, each reduced to min, max, mean
// and count — Wendelin's windowed max and the pyramid's level buckets, as one algorithm.
//
// NaN rule (the pyramid's, so manifests, pyramids and this agree): NaN is a gap, ignored by
// min, max and mean; ±Infinity is a real extreme that min and max show, but it is not counted
// and stays out of the mean. A window of nothing but NaN is min = max = mean = NaN, count 0;
// one with infinities and no finite sample has the infinities as extremes, mean NaN, count 0.
// The last window covers what exists unless `partial: 'drop'` (numpy's reshape(-1, w) drops it).
//
// Streaming: the state is the open window (min, max, finite sum, finite count, filled), so any
// split of the input gives the same output bit for bit; sums are float64 whatever the input.
import { positiveInteger, badRequest } from '../errors.ts';
import type { FloatArray, FloatDtype, StreamingAlgorithm } from '../types.ts';

export interface WindowedParams {
  window: number;
  /** The last, shorter window: reduced (`keep`, default) or dropped (`drop`). */
  partial: 'keep' | 'drop';
}

export interface WindowedState {
  params: WindowedParams;
  dtype: FloatDtype;
  min: number;
  max: number;
  sum: number;
  count: number;
  filled: number;
}

/** Per-window outputs; min/max/mean in the input's dtype, count as float64 (exact ≤ 2^53). */
export interface WindowedOutput {
  min: FloatArray;
  max: FloatArray;
  mean: FloatArray;
  count: Float64Array;
}

/** The largest window: one that big already means a single output for most signals. */
export const MAX_WINDOW = 2 ** 31;

export function windowedParams(input: unknown): WindowedParams {
  if (typeof input !== 'object' || input === null)
    throw badRequest('windowed: params must be an object');
  const { window, partial = 'keep' } = input as Record<string, unknown>;
  if (partial !== 'keep' && partial !== 'drop') {
    throw badRequest(`windowed: partial must be "keep" or "drop", not ${String(partial)}`);
  }
  return { window: positiveInteger('windowed: window', window, MAX_WINDOW), partial };
}

function emptyOutput(dtype: FloatDtype, n: number): WindowedOutput {
  const Out = dtype === 'float32' ? Float32Array : Float64Array;
  return { min: new Out(n), max: new Out(n), mean: new Out(n), count: new Float64Array(n) };
}

function reset(state: WindowedState): void {
  state.min = Number.POSITIVE_INFINITY;
  state.max = Number.NEGATIVE_INFINITY;
  state.sum = 0;
  state.count = 0;
  state.filled = 0;
}

/** Writes the open window of `state` at `out[i]`. min > max means it held only NaN. */
function emit(state: WindowedState, out: WindowedOutput, i: number): void {
  const empty = state.min > state.max;
  // `+ 0`: −0 and 0 are one value here whatever the sample order (as in the pyramid).
  out.min[i] = empty ? Number.NaN : state.min + 0;
  out.max[i] = empty ? Number.NaN : state.max + 0;
  out.mean[i] = state.count > 0 ? state.sum / state.count + 0 : Number.NaN;
  out.count[i] = state.count;
}

export const windowed: StreamingAlgorithm<WindowedParams, WindowedState, WindowedOutput> = {
  name: 'windowed',
  version: 1,
  params: windowedParams,
  init(params, dtype) {
    const state: WindowedState = { params, dtype, min: 0, max: 0, sum: 0, count: 0, filled: 0 };
    reset(state);
    return state;
  },
  update(state, chunk) {
    const { window } = state.params;
    const out = emptyOutput(state.dtype, Math.floor((state.filled + chunk.length) / window));
    let { min, max, sum, count, filled } = state;
    let emitted = 0;
    for (let i = 0; i < chunk.length; i++) {
      const value = chunk[i] as number;
      // NaN fails every comparison; `value − value` is 0 only for finite values.
      if (value < min) min = value;
      if (value > max) max = value;
      if (value - value === 0) {
        sum += value;
        count++;
      }
      if (++filled === window) {
        Object.assign(state, { min, max, sum, count });
        emit(state, out, emitted++);
        min = Number.POSITIVE_INFINITY;
        max = Number.NEGATIVE_INFINITY;
        sum = 0;
        count = 0;
        filled = 0;
      }
    }
    Object.assign(state, { min, max, sum, count, filled });
    return out;
  },
  finish(state) {
    if (state.filled === 0 || state.params.partial === 'drop') return emptyOutput(state.dtype, 0);
    const out = emptyOutput(state.dtype, 1);
    emit(state, out, 0);
    reset(state);
    return out;
  },
};
