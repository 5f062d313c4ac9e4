// The trailing window kept twice: a ring of the last `window` samples (to know which one
// leaves) and a sorted array of its non-NaN values. Insertion and removal find their place by
// binary search and shift the tail with copyWithin: O(log w) compares and an O(w) memmove,
// which for w ≤ 4096 is a few hundred nanoseconds (a memmove of 32 KiB at most) and beats a
// heap pair with lazy deletion in constant factors; windows are capped at 2^16 for that reason.
// The median is then O(1) and the MAD O(log w): the deviations |s − median| of a sorted array
// are two sorted runs (left of the median, read leftwards, and right of it), and the k-th
// smallest of two sorted runs is a binary search.

export interface SortedWindow {
  /** The last `window` samples (a ring; slot `at` is the oldest once full). */
  ring: Float64Array;
  at: number;
  filled: number;
  /** The window's non-NaN values, ascending, in `sorted[0 … size − 1]`. */
  sorted: Float64Array;
  size: number;
}

export function createSortedWindow(window: number): SortedWindow {
  return {
    ring: new Float64Array(window),
    at: 0,
    filled: 0,
    sorted: new Float64Array(window),
    size: 0,
  };
}

/** The first index whose value is ≥ `value` (NaN never asked). */
function lowerBound(sorted: Float64Array, size: number, value: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Moves the window one sample on: `value` enters, the oldest leaves once the ring is full. */
export function slide(w: SortedWindow, value: number): void {
  const { ring, sorted } = w;
  if (w.filled === ring.length) {
    const leaving = ring[w.at] as number;
    if (leaving === leaving) {
      const at = lowerBound(sorted, w.size, leaving);
      sorted.copyWithin(at, at + 1, w.size);
      w.size--;
    }
  } else {
    w.filled++;
  }
  ring[w.at] = value;
  w.at = w.at + 1 === ring.length ? 0 : w.at + 1;
  if (value === value) {
    // + 0: −0 and 0 are one value here, so the sorted array never depends on which was kept.
    const entering = value + 0;
    const at = lowerBound(sorted, w.size, entering);
    sorted.copyWithin(at + 1, at, w.size);
    sorted[at] = entering;
    w.size++;
  }
}

/** numpy's median of the non-NaN values: the middle one, or the mean of the middle two. */
export function median(w: SortedWindow): number {
  const { sorted, size } = w;
  if (size === 0) return Number.NaN;
  const half = size >>> 1;
  if (size % 2 === 1) return sorted[half] as number;
  return ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
}

/**
 * The k-th smallest (0-based) of |s − m| over the sorted values, m finite. Left run:
 * m − sorted[p − 1 − i] for the p values below m; right run: sorted[p + j] − m.
 */
function kthDeviation(sorted: Float64Array, size: number, p: number, m: number, k: number): number {
  const left = (i: number) => m - (sorted[p - 1 - i] as number);
  const right = (j: number) => (sorted[p + j] as number) - m;
  const rightCount = size - p;
  // Take i from the left run and k + 1 − i from the right; find the i where both runs agree.
  let lo = Math.max(0, k + 1 - rightCount);
  let hi = Math.min(k + 1, p);
  while (lo < hi) {
    const i = (lo + hi) >>> 1;
    if (right(k - i) > left(i)) lo = i + 1;
    else hi = i;
  }
  const j = k + 1 - lo;
  const fromLeft = lo > 0 ? left(lo - 1) : Number.NEGATIVE_INFINITY;
  const fromRight = j > 0 ? right(j - 1) : Number.NEGATIVE_INFINITY;
  return Math.max(fromLeft, fromRight);
}

/**
 * numpy's median(|v − median(v)|) over the non-NaN values v, unscaled. NaN when the median is
 * not finite (numpy: ∞ − ∞ makes a NaN deviation, and the median of those is NaN).
 */
export function medianAbsoluteDeviation(w: SortedWindow, m: number): number {
  const { sorted, size } = w;
  if (size === 0 || !Number.isFinite(m)) return Number.NaN;
  const p = lowerBound(sorted, size, m);
  const half = size >>> 1;
  if (size % 2 === 1) return kthDeviation(sorted, size, p, m, half);
  return (kthDeviation(sorted, size, p, m, half - 1) + kthDeviation(sorted, size, p, m, half)) / 2;
}
