// Spectral windows exactly as scipy.signal.get_window(name, n, fftbins=True): periodic by
// default (the symmetric window of n + 1 points without its last point, what a DFT of n points
// wants), symmetric with `symmetric: true` (fftbins=False, what filter design wants). Each is
// scipy's general cosine Σ_k a_k·(−1)^k·cos(2πkj/(M−1)) with M = n (+1 when periodic); cosines
// are taken with the angle reduced in integers (accurate for any n). n = 1 gives [1] as scipy.
import { badRequest, positiveInteger } from '../errors.ts';
import { rootOfUnity } from '../fft/twiddle.ts';

/** scipy's names; 'rectangular' and 'flat-top' are accepted as aliases. */
export const WINDOW_NAMES = ['boxcar', 'hann', 'hamming', 'blackman', 'flattop'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

const ALIASES: Record<string, WindowName> = {
  rectangular: 'boxcar',
  rect: 'boxcar',
  'flat-top': 'flattop',
  hanning: 'hann',
};

/** Cosine-sum coefficients a_k (scipy.signal.windows). */
const COEFFICIENTS: Record<WindowName, readonly number[]> = {
  boxcar: [1],
  hann: [0.5, 0.5],
  hamming: [0.54, 0.46],
  blackman: [0.42, 0.5, 0.08],
  flattop: [0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368],
};

export interface WindowOptions {
  /** scipy's fftbins=False: symmetric instead of periodic. */
  symmetric?: boolean;
}

/** The window's canonical name, or a bad_request naming the choices. */
export function windowName(name: unknown): WindowName {
  const key = typeof name === 'string' ? name.toLowerCase() : '';
  const known = (WINDOW_NAMES as readonly string[]).includes(key)
    ? (key as WindowName)
    : ALIASES[key];
  if (known === undefined) {
    throw badRequest(`window must be one of ${WINDOW_NAMES.join(', ')}, not ${String(name)}`);
  }
  return known;
}

/** The largest window: a segment of 2^27 points is already the FFT's limit. */
export const MAX_WINDOW_LENGTH = 2 ** 27;

export function getWindow(name: string, n: number, options: WindowOptions = {}): Float64Array {
  const coefficients = COEFFICIENTS[windowName(name)];
  positiveInteger('window length', n, MAX_WINDOW_LENGTH);
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = 1;
    return out;
  }
  const m = options.symmetric === true ? n : n + 1;
  const period = m - 1;
  const root = new Float64Array(2);
  for (let j = 0; j < n; j++) {
    let value = 0;
    for (let k = 0; k < coefficients.length; k++) {
      rootOfUnity(k * j, period, root, 0);
      const sign = k % 2 === 0 ? 1 : -1;
      value += sign * (coefficients[k] as number) * (root[0] as number);
    }
    out[j] = value;
  }
  return out;
}
