// FIR low-pass design as scipy.signal.firwin(numtaps, cutoff, window=…) does it (scipy 1.17,
// fs = 2 so `cutoff` is relative to Nyquist, pass_zero = True, scale = True): the windowed sinc,
// divided by its sum. Every step follows scipy's arithmetic in the same order (numpy's sinc with
// its eps at 0, numpy's linspace for the cosine windows, cephes' I0 for Kaiser, numpy's pairwise
// summation for the scale) so the taps agree with scipy's to the last bit or two: the only
// differences left come from Math.sin/cos/exp against the C library (≤ 1 ulp each).
import { badRequest, finiteNumber, positiveInteger } from '../errors.ts';

/** Windows scipy's get_window names, the ones resampling uses (symmetric, fftbins=False). */
export type FirWindow =
  | { readonly name: 'kaiser'; readonly beta: number }
  | { readonly name: 'hamming' }
  | { readonly name: 'hann' }
  | { readonly name: 'boxcar' };

/** resample_poly's default window, ('kaiser', 5.0). */
export const DEFAULT_WINDOW: FirWindow = { name: 'kaiser', beta: 5 };

/** The longest filter designed here (2^16-fold resampling needs 20·2^16 + 1 taps). */
export const MAX_TAPS = 2 ** 21;

/** Checks a window description (plain data, as carried in params). */
export function firWindow(input: unknown): FirWindow {
  if (typeof input === 'object' && input !== null) {
    const { name, beta } = input as Record<string, unknown>;
    if (name === 'kaiser') {
      const checked = finiteNumber('window.beta', beta);
      if (checked < 0) throw badRequest(`window.beta must be ≥ 0, not ${String(checked)}`);
      return { name, beta: checked };
    }
    if (name === 'hamming' || name === 'hann' || name === 'boxcar') return { name };
  }
  throw badRequest(
    'window must be {name: "kaiser", beta}, {name: "hamming"}, {name: "hann"} or {name: "boxcar"}',
  );
}

// Cephes' Chebyshev coefficients for exp(−x)·I0(x) on [0, 8] and exp(−x)·√x·I0(x) on (8, ∞),
// as numpy (np.i0) and scipy.special.i0 hold them.
const I0_A = [
  -4.4153416464793395e-18, 3.3307945188222384e-17, -2.431279846547955e-16, 1.715391285555133e-15,
  -1.1685332877993451e-14, 7.676185498604936e-14, -4.856446783111929e-13, 2.95505266312964e-12,
  -1.726826291441556e-11, 9.675809035373237e-11, -5.189795601635263e-10, 2.6598237246823866e-9,
  -1.300025009986248e-8, 6.046995022541919e-8, -2.670793853940612e-7, 1.1173875391201037e-6,
  -4.4167383584587505e-6, 1.6448448070728896e-5, -5.754195010082104e-5, 0.00018850288509584165,
  -0.0005763755745385824, 0.0016394756169413357, -0.004324309995050576, 0.010546460394594998,
  -0.02373741480589947, 0.04930528423967071, -0.09490109704804764, 0.17162090152220877,
  -0.3046826723431984, 0.6767952744094761,
];
const I0_B = [
  -7.233180487874754e-18, -4.830504485944182e-18, 4.46562142029676e-17, 3.461222867697461e-17,
  -2.8276239805165836e-16, -3.425485619677219e-16, 1.7725601330565263e-15, 3.8116806693526224e-15,
  -9.554846698828307e-15, -4.150569347287222e-14, 1.54008621752141e-14, 3.8527783827421426e-13,
  7.180124451383666e-13, -1.7941785315068062e-12, -1.3215811840447713e-11, -3.1499165279632416e-11,
  1.1889147107846439e-11, 4.94060238822497e-10, 3.3962320257083865e-9, 2.266668990498178e-8,
  2.0489185894690638e-7, 2.8913705208347567e-6, 6.889758346916825e-5, 0.0033691164782556943,
  0.8044904110141088,
];

function chebyshev(x: number, coefficients: readonly number[]): number {
  let b0 = coefficients[0] as number;
  let b1 = 0;
  let b2 = 0;
  for (let i = 1; i < coefficients.length; i++) {
    b2 = b1;
    b1 = b0;
    b0 = x * b1 - b2 + (coefficients[i] as number);
  }
  return 0.5 * (b0 - b2);
}

/** The modified Bessel function of the first kind, order 0 (cephes i0). */
export function besselI0(x: number): number {
  const a = Math.abs(x);
  if (a <= 8) return Math.exp(a) * chebyshev(a / 2 - 2, I0_A);
  return (Math.exp(a) * chebyshev(32 / a - 2, I0_B)) / Math.sqrt(a);
}

/**
 * numpy's pairwise summation of float64 (np.sum on a contiguous array): blocks of 128 summed
 * with 8 accumulators, larger runs halved at a multiple of 8. Matching it keeps firwin's scale
 * bit-identical to scipy's instead of 1 ulp off.
 */
export function pairwiseSum(values: ArrayLike<number>, from = 0, n = values.length - from): number {
  if (n < 8) {
    let sum = -0;
    for (let i = 0; i < n; i++) sum += values[from + i] as number;
    return sum;
  }
  if (n <= 128) {
    const at = (i: number): number => values[from + i] as number;
    let [r0, r1, r2, r3, r4, r5, r6, r7] = [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r0 += at(i);
      r1 += at(i + 1);
      r2 += at(i + 2);
      r3 += at(i + 3);
      r4 += at(i + 4);
      r5 += at(i + 5);
      r6 += at(i + 6);
      r7 += at(i + 7);
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) sum += at(i);
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, half) + pairwiseSum(values, from + half, n - half);
}

/** The symmetric window of `length` points (scipy.signal.get_window(…, fftbins=False)). */
export function windowValues(window: FirWindow, length: number): Float64Array {
  const w = new Float64Array(length);
  if (length <= 1 || window.name === 'boxcar') return w.fill(1);
  if (window.name === 'kaiser') {
    const alpha = (length - 1) / 2;
    const norm = besselI0(window.beta);
    for (let n = 0; n < length; n++) {
      const t = (n - alpha) / alpha;
      w[n] = besselI0(window.beta * Math.sqrt(1 - t * t)) / norm;
    }
    return w;
  }
  // general_hamming(α) as scipy's general_cosine: α·cos(0·fac) + (1 − α)·cos(fac) over
  // numpy's linspace(−π, π, length), whose last point is exactly π.
  const a0 = window.name === 'hamming' ? 0.54 : 0.5;
  const a1 = 1 - a0;
  const step = (Math.PI - -Math.PI) / (length - 1);
  for (let n = 0; n < length; n++) {
    const fac = n === length - 1 ? Math.PI : n * step + -Math.PI;
    w[n] = a0 + a1 * Math.cos(fac);
  }
  return w;
}

/**
 * scipy.signal.firwin(numtaps, cutoff, window=window): a low-pass FIR with unit gain at DC,
 * `cutoff` in (0, 1) relative to Nyquist.
 */
export function firwin(
  numtaps: number,
  cutoff: number,
  window: FirWindow = DEFAULT_WINDOW,
): Float64Array {
  positiveInteger('firwin: numtaps', numtaps, MAX_TAPS);
  const fc = finiteNumber('firwin: cutoff', cutoff);
  if (fc <= 0 || fc >= 1) throw badRequest(`firwin: cutoff must lie in (0, 1), not ${String(fc)}`);
  const checked = firWindow(window);
  const alpha = 0.5 * (numtaps - 1);
  const win = windowValues(checked, numtaps);
  const h = new Float64Array(numtaps);
  for (let i = 0; i < numtaps; i++) {
    // numpy's sinc: π·x, with x = 0 replaced by eps (sin(eps)/eps is exactly 1).
    const x = Math.PI * (fc * (i - alpha));
    const y = x === 0 ? Number.EPSILON : x;
    h[i] = fc * (Math.sin(y) / y) * (win[i] as number);
  }
  const scale = pairwiseSum(h);
  for (let i = 0; i < numtaps; i++) h[i] = (h[i] as number) / scale;
  return h;
}
