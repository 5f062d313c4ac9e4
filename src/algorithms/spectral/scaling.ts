// Turning FFT bins into spectra, in scipy's conventions (scipy.signal.welch / periodogram):
//   power spectrum ('spectrum', units V²):   |X_k|² / (Σw)²       — a sine of amplitude A on a
//                                            bin reads A²/2 one-sided (its RMS squared)
//   power spectral density ('density', V²/Hz): |X_k|² / (fs·Σw²)
//   one-sided (real input): every bin but DC and, for even nfft, Nyquist counted twice.
//   amplitude spectrum: the square root of the power spectrum (RMS amplitude, V; a sine of
//   amplitude A reads A/√2 one-sided; multiply by √2 for peak amplitude).
//   dB: 10·log10(power), 20·log10(amplitude). Zero has no logarithm: it reads as the floor
//   (DEFAULT_DB_FLOOR, −300 dB, below any float64 power a signal can carry but finite for
//   plotting); NaN stays NaN.
import { badRequest, finiteNumber } from '../errors.ts';

export type SpectralScaling = 'density' | 'spectrum';

export const DEFAULT_DB_FLOOR = -300;

export function spectralScaling(value: unknown): SpectralScaling {
  if (value !== 'density' && value !== 'spectrum') {
    throw badRequest(`scaling must be "density" or "spectrum", not ${String(value)}`);
  }
  return value;
}

/** The factor on |X_k|² (before one-sided doubling) of scipy's `scaling`. */
export function powerScale(
  window: ArrayLike<number>,
  scaling: SpectralScaling,
  fs: number,
): number {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < window.length; i++) {
    const w = window[i] as number;
    sum += w;
    squares += w * w;
  }
  return scaling === 'density' ? 1 / (fs * squares) : 1 / (sum * sum);
}

/**
 * Power from interleaved bins: |X_k|²·scale, doubled one-sided as scipy does (all but DC and,
 * for even `nfft`, the last bin). `out` gets one number per bin.
 */
export function powerFromBins(
  bins: ArrayLike<number>,
  scale: number,
  onesided: boolean,
  nfft: number,
  out: Float64Array = new Float64Array(bins.length / 2),
): Float64Array {
  const count = bins.length / 2;
  const lastDoubled = nfft % 2 === 0 ? count - 1 : count;
  for (let k = 0; k < count; k++) {
    const re = bins[2 * k] as number;
    const im = bins[2 * k + 1] as number;
    const doubled = onesided && k > 0 && k < lastDoubled;
    out[k] = (re * re + im * im) * scale * (doubled ? 2 : 1);
  }
  return out;
}

/** RMS amplitude from a power spectrum ('spectrum' scaling). */
export function amplitudeFromPower(
  power: ArrayLike<number>,
  out: Float64Array = new Float64Array(power.length),
): Float64Array {
  for (let i = 0; i < power.length; i++) out[i] = Math.sqrt(power[i] as number);
  return out;
}

function toDb(
  values: ArrayLike<number>,
  factor: number,
  floorDb: number,
  out: Float64Array,
): Float64Array {
  finiteNumber('dB floor', floorDb);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value < 0) throw badRequest(`dB of a negative value (${value} at ${i})`);
    const db = factor * Math.log10(value);
    // NaN fails `db > floorDb` and must stay NaN, so test for it first.
    out[i] = Number.isNaN(db) ? db : db > floorDb ? db : floorDb;
  }
  return out;
}

/** 10·log10(power), zero (and anything below the floor) reading as `floorDb`. */
export function powerToDb(
  power: ArrayLike<number>,
  floorDb = DEFAULT_DB_FLOOR,
  out: Float64Array = new Float64Array(power.length),
): Float64Array {
  return toDb(power, 10, floorDb, out);
}

/** 20·log10(amplitude), zero reading as `floorDb`. */
export function amplitudeToDb(
  amplitude: ArrayLike<number>,
  floorDb = DEFAULT_DB_FLOOR,
  out: Float64Array = new Float64Array(amplitude.length),
): Float64Array {
  return toDb(amplitude, 20, floorDb, out);
}
