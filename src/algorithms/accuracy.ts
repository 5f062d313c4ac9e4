// Norm-wise accuracy, the measure every case table uses: ‖x − ref‖₂ / ‖ref‖₂, with NaN and
// ±Infinity required at the same places with the same value (they are not part of the norm).

export interface Comparison {
  /** Relative L2 error of the finite entries (0 when ref's finite entries are all 0 and x's too). */
  relativeError: number;
  /** The first index where the non-finite pattern differs, or -1. */
  mismatchAt: number;
  lengthMatches: boolean;
}

export function compareArrays(x: ArrayLike<number>, ref: ArrayLike<number>): Comparison {
  if (x.length !== ref.length)
    return { relativeError: Infinity, mismatchAt: -1, lengthMatches: false };
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = x[i] as number;
    const b = ref[i] as number;
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) {
        return { relativeError: Infinity, mismatchAt: i, lengthMatches: true };
      }
      continue;
    }
    diff += (a - b) ** 2;
    norm += b * b;
  }
  const relativeError = norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
  return { relativeError, mismatchAt: -1, lengthMatches: true };
}

/** The default tolerances: float32 1e-5, float64 1e-12 (norm-wise). */
export const DEFAULT_TOLERANCE = { float32: 1e-5, float64: 1e-12 } as const;
