// The robust z-score from a kernel's rolling median and scaled MAD: zscore.ts's formula on
// outputs instead of a sorted window, so every RobustKernel gives the z-score through its
// medianMad (run with the z-score's params: scale 1.4826 by default).
//
// NaN rule (zscore.ts's): a NaN sample gives NaN; a window under minPeriods has median and MAD
// NaN, so z NaN; MAD 0 gives ±∞ off the median and NaN on it; an infinite median has MAD NaN.
// Given float64 median and MAD (as a kernel writes them when asked for float64 outputs) z is
// zscore.ts's value exactly: its MAD output is the same product scale · MAD.
import { badRequest } from '../errors.ts';
import type { FloatArray } from '../types.ts';

/** z[k] = (values[k + window − 1] − median[k]) / mad[k] for every output k of `out`. */
export function robustZ(
  values: ArrayLike<number>,
  window: number,
  median: ArrayLike<number>,
  mad: ArrayLike<number>,
  out: FloatArray,
): void {
  const count = out.length;
  const samples = count > 0 ? count + window - 1 : 0;
  if (median.length < count || mad.length < count || values.length < samples) {
    throw badRequest(
      `robustZ: ${String(count)} outputs need ${String(count)} medians and MADs and ${String(samples)} samples`,
    );
  }
  for (let k = 0; k < count; k++) {
    out[k] = ((values[k + window - 1] as number) - (median[k] as number)) / (mad[k] as number);
  }
}
