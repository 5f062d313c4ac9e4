// What Welch and the STFT share: their segment parameters (scipy's names and defaults), and
// the streaming segmenter. The segmenter's state is the unfinished tail (fewer than nperseg
// samples, starting at the next segment's first sample), so segments come out the same
// whatever the split of the input: segment k covers samples [k·step, k·step + nperseg).
import { badRequest, finiteNumber, positiveInteger } from '../errors.ts';
import type { FloatArray } from '../types.ts';
import { MAX_WINDOW_LENGTH, windowName, type WindowName } from './windows.ts';

export interface SegmentParams {
  /** Sampling frequency (Hz); frequencies and times are in its units. Default 1. */
  fs: number;
  /** Window name (periodic, as scipy's get_window). Default 'hann'. */
  window: WindowName;
  /** Samples per segment. Default 256. */
  nperseg: number;
  /** Samples shared by consecutive segments, 0 ≤ noverlap < nperseg. Default ⌊nperseg/2⌋. */
  noverlap: number;
  /** FFT length ≥ nperseg (zero padding), or null for nperseg. */
  nfft: number | null;
  /** Per-segment detrending: 'constant' subtracts the segment's mean; false does nothing. */
  detrend: 'constant' | false;
  /** One-sided spectrum of the real input (true, default) or the full two-sided one. */
  onesided: boolean;
}

export function segmentParams(
  name: string,
  input: Record<string, unknown>,
  defaultDetrend: 'constant' | false,
): SegmentParams {
  const {
    fs = 1,
    window = 'hann',
    nperseg = 256,
    noverlap,
    nfft = null,
    detrend = defaultDetrend,
    onesided = true,
  } = input;
  const rate = finiteNumber(`${name}: fs`, fs);
  if (rate <= 0) throw badRequest(`${name}: fs must be positive, not ${rate}`);
  const length = positiveInteger(`${name}: nperseg`, nperseg, MAX_WINDOW_LENGTH);
  const overlap = noverlap === undefined || noverlap === null ? Math.floor(length / 2) : noverlap;
  if (typeof overlap !== 'number' || !Number.isInteger(overlap) || overlap < 0) {
    throw badRequest(`${name}: noverlap must be an integer ≥ 0, not ${shown(overlap)}`);
  }
  if (overlap >= length) {
    throw badRequest(`${name}: noverlap must be less than nperseg (${overlap} ≥ ${length})`);
  }
  if (nfft !== null) {
    positiveInteger(`${name}: nfft`, nfft, MAX_WINDOW_LENGTH);
    if ((nfft as number) < length) {
      throw badRequest(`${name}: nfft must be at least nperseg (${shown(nfft)} < ${length})`);
    }
  }
  if (detrend !== 'constant' && detrend !== false) {
    throw badRequest(`${name}: detrend must be "constant" or false, not ${String(detrend)}`);
  }
  if (typeof onesided !== 'boolean') throw badRequest(`${name}: onesided must be a boolean`);
  return {
    fs: rate,
    window: windowName(window),
    nperseg: length,
    noverlap: overlap,
    nfft: nfft as number | null,
    detrend,
    onesided,
  };
}

/** A parameter value in an error message (objects as JSON). */
export function shown(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** The tail of the signal not yet in a segment (plain data, part of a stream's state). */
export interface SegmentTail {
  /** nperseg slots; the first `filled` are the samples from the next segment's start. */
  tail: Float64Array;
  filled: number;
}

/** Whole segments that `tail` + `extra` more samples complete. */
export function segmentsCompleted(
  tail: SegmentTail,
  extra: number,
  nperseg: number,
  step: number,
): number {
  const total = tail.filled + extra;
  return total < nperseg ? 0 : Math.floor((total - nperseg) / step) + 1;
}

/**
 * Copies each segment that `chunk` completes into `segment` (nperseg long) and calls `visit`,
 * then keeps what is left in the tail. Returns the number of segments.
 */
export function forEachSegment(
  state: SegmentTail,
  chunk: FloatArray,
  nperseg: number,
  step: number,
  segment: Float64Array,
  visit: (segment: Float64Array) => void,
): number {
  const { tail, filled } = state;
  const total = filled + chunk.length;
  let start = 0;
  let count = 0;
  for (; start + nperseg <= total; start += step, count++) {
    // Copied by loops, not set(subarray): no view object per segment in a long stream.
    let i = 0;
    for (let from = start; from < filled; from++) segment[i++] = tail[from] as number;
    for (let from = Math.max(0, start - filled); i < nperseg; from++) {
      segment[i++] = chunk[from] as number;
    }
    visit(segment);
  }
  // What is left starts at `start` and is shorter than a segment.
  if (start < filled) {
    tail.copyWithin(0, start, filled);
    tail.set(chunk, filled - start);
  } else {
    tail.set(chunk.subarray(start - filled));
  }
  state.filled = total - start;
  return count;
}

/** Subtracts the mean (scipy's detrend 'constant'). */
export function detrendConstant(segment: Float64Array, length: number): void {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += segment[i] as number;
  const mean = sum / length;
  for (let i = 0; i < length; i++) segment[i] = (segment[i] as number) - mean;
}

/** Whether every value is finite (NaN and ±Infinity are not). */
export function allFinite(values: Float64Array, length: number): boolean {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += (values[i] as number) * 0;
  // x·0 is 0 for finite x and NaN for NaN or ±Infinity.
  return sum === 0;
}

/** rfftfreq (one-sided) or fftfreq (two-sided) of nfft points at fs. */
export function frequencies(nfft: number, fs: number, onesided: boolean): Float64Array {
  const count = onesided ? Math.floor(nfft / 2) + 1 : nfft;
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const index = onesided || k < Math.ceil(nfft / 2) ? k : k - nfft;
    out[k] = (index * fs) / nfft;
  }
  return out;
}
