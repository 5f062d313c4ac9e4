// Rolling mean and standard deviation over a trailing window of `window` samples:
// numpy's sliding_window_view(x, window).mean(-1) and .std(-1, ddof=ddof). Output i is the
// window x[i … i + window − 1] ('valid' alignment): n − window + 1 outputs, none while the
// first window fills.
//
// NaN rule (pandas' rolling rule, numpy's by default): NaN is a gap, left out of the sums; a
// window with fewer than `minPeriods` non-NaN samples is NaN (default minPeriods = window, so
// any NaN makes the window NaN as in numpy). ±∞ are observations: the mean is ±∞ (NaN when
// both signs are present) and the std NaN, as numpy gives.
//
// Accuracy: sums of d = x − K for a shift K (the window's mean at the last rescan), kept in
// double-double, so adding and removing samples leaves no drift and the variance is not lost
// to cancellation (an offset of 1e6 on unit noise keeps ~1e-15 relative accuracy). The shift is
// rescanned every `window` samples (O(1) per sample amortised) and at once when the mean has
// moved far from it relative to the spread (an outlier leaving a quiet window), since then the
// rounding of d itself would show. State: the last `window` samples, the sums, the counts.
import { arrayOf, type FloatArray, type FloatDtype, type StreamingAlgorithm } from '../types.ts';
import { addTo, productError, type DoubleDouble } from './compensated.ts';
import { paramsObject, rollingWindow, shown, type RollingWindow } from './params.ts';
import { badRequest } from '../errors.ts';

/** The largest window: the ring of samples is then 128 MiB of float64. */
export const MAX_MEAN_STD_WINDOW = 2 ** 24;

/** Rescan when (mean of d)² exceeds this many times the variance: d's rounding stays < 1e-13. */
const DRIFT_LIMIT = 2 ** 20;

/** …and only when the mean of d exceeds this fraction of the shift (2^-30: far above an ulp). */
const RESCAN_FLOOR = 2 ** -30;

export interface MeanStdParams extends RollingWindow {
  /** Delta degrees of freedom of the std: 0 (numpy's default) or 1 (sample std). */
  ddof: 0 | 1;
}

export interface MeanStdState {
  params: MeanStdParams;
  dtype: FloatDtype;
  /** The last `window` samples (a ring; slot `at` is the oldest once full). */
  ring: Float64Array;
  at: number;
  filled: number;
  shift: number;
  /** Σ(x − shift) and Σ(x − shift)² over the finite samples of the window. */
  sum: DoubleDouble;
  squares: DoubleDouble;
  finite: number;
  positiveInfinite: number;
  negativeInfinite: number;
  sinceRescan: number;
}

export interface MeanStdOutput {
  mean: FloatArray;
  std: FloatArray;
}

export function meanStdParams(input: unknown): MeanStdParams {
  const raw = paramsObject('rollingMeanStd', input);
  const ddof = raw.ddof ?? 0;
  if (ddof !== 0 && ddof !== 1)
    throw badRequest(`rollingMeanStd: ddof must be 0 or 1, not ${shown(ddof)}`);
  return { ...rollingWindow('rollingMeanStd', raw, MAX_MEAN_STD_WINDOW), ddof };
}

/** Adds (sign 1) or removes (sign −1) one sample's terms. */
function account(state: MeanStdState, value: number, sign: 1 | -1): void {
  if (value - value === 0) {
    const d = value - state.shift;
    addTo(state.sum, sign * d, 0);
    addTo(state.squares, sign * (d * d), sign * productError(d, d));
    state.finite += sign;
  } else if (value === Number.POSITIVE_INFINITY) {
    state.positiveInfinite += sign;
  } else if (value === Number.NEGATIVE_INFINITY) {
    state.negativeInfinite += sign;
  }
}

/** Recomputes the sums around the window's current mean. */
function rescan(state: MeanStdState): void {
  const { ring, filled } = state;
  let total = 0;
  let count = 0;
  let any = 0;
  for (let i = 0; i < filled; i++) {
    const value = ring[i] as number;
    if (value - value === 0) {
      total += value;
      count++;
      any = value;
    }
  }
  const mean = count > 0 ? total / count : 0;
  // A sum that overflowed gives no mean; any finite sample is a fine shift then.
  state.shift = Number.isFinite(mean) ? mean : any;
  state.sum = { hi: 0, lo: 0 };
  state.squares = { hi: 0, lo: 0 };
  state.finite = 0;
  state.positiveInfinite = 0;
  state.negativeInfinite = 0;
  for (let i = 0; i < filled; i++) account(state, ring[i] as number, 1);
  state.sinceRescan = 0;
}

/** Σ(d − m)² for m = `meanD`, with exact products so nothing cancels away. */
function spread(state: MeanStdState, meanD: number): number {
  const { sum, squares, finite } = state;
  // Σ(d − m)² = Σd² − m·Σd − m·(Σd − finite·m) for any m; m ≈ the mean keeps each term small.
  const residual = sum.hi - finite * meanD - productError(finite, meanD) + sum.lo;
  const m1 = meanD * sum.hi;
  const e1 = productError(meanD, sum.hi);
  return squares.hi - m1 + (squares.lo - e1 - meanD * sum.lo - meanD * residual);
}

function meanOfD(state: MeanStdState): number {
  return (state.sum.hi + state.sum.lo) / state.finite;
}

function emit(state: MeanStdState, out: MeanStdOutput, i: number): void {
  const { finite, positiveInfinite, negativeInfinite } = state;
  const { minPeriods, ddof } = state.params;
  if (finite + positiveInfinite + negativeInfinite < minPeriods) {
    out.mean[i] = Number.NaN;
    out.std[i] = Number.NaN;
    return;
  }
  if (positiveInfinite > 0 || negativeInfinite > 0) {
    out.mean[i] =
      positiveInfinite > 0 && negativeInfinite > 0
        ? Number.NaN
        : positiveInfinite > 0
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY;
    out.std[i] = Number.NaN;
    return;
  }
  let meanD = meanOfD(state);
  let m2 = spread(state, meanD);
  // Only a drift well above the shift's own rounding: a rescan cannot do better than that, and
  // a constant window (m2 = 0, meanD one ulp of the shift) would otherwise rescan every sample.
  const drifted = meanD * meanD * finite > DRIFT_LIMIT * Math.max(m2, 0);
  if (finite > 1 && drifted && Math.abs(meanD) > RESCAN_FLOOR * Math.abs(state.shift)) {
    rescan(state);
    meanD = meanOfD(state);
    m2 = spread(state, meanD);
  }
  out.mean[i] = state.shift + meanD;
  out.std[i] = finite - ddof > 0 ? Math.sqrt(Math.max(m2, 0) / (finite - ddof)) : Number.NaN;
}

export const rollingMeanStd: StreamingAlgorithm<MeanStdParams, MeanStdState, MeanStdOutput> = {
  name: 'rolling_mean_std',
  version: 1,
  params: meanStdParams,
  init(params, dtype) {
    return {
      params,
      dtype,
      ring: new Float64Array(params.window),
      at: 0,
      filled: 0,
      shift: 0,
      sum: { hi: 0, lo: 0 },
      squares: { hi: 0, lo: 0 },
      finite: 0,
      positiveInfinite: 0,
      negativeInfinite: 0,
      sinceRescan: 0,
    };
  },
  update(state, chunk) {
    const { window } = state.params;
    const first = Math.max(0, window - 1 - state.filled);
    const count = Math.max(0, chunk.length - first);
    const out: MeanStdOutput = {
      mean: arrayOf(state.dtype, count),
      std: arrayOf(state.dtype, count),
    };
    const ring = state.ring;
    for (let i = 0; i < chunk.length; i++) {
      const value = chunk[i] as number;
      if (state.filled === window) account(state, ring[state.at] as number, -1);
      else state.filled++;
      ring[state.at] = value;
      state.at = state.at + 1 === window ? 0 : state.at + 1;
      account(state, value, 1);
      if (++state.sinceRescan >= window) rescan(state);
      if (state.filled === window) emit(state, out, i - first);
    }
    return out;
  },
  finish(state) {
    return { mean: arrayOf(state.dtype, 0), std: arrayOf(state.dtype, 0) };
  },
};
