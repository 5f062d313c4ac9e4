// The trailing window kept twice: a ring of the last `window` samples (to know which one
// leaves) and a sorted array of its non-NaN values. A sorted array rather than two heaps with
// lazy deletion because the MAD needs order statistics of the deviations, which heaps do not
// give. A step finds the leaving value by binary search (O(log w)) and moves the values between
// its slot and the entering value's (O(w) at worst: a scan up to 256 values, copyWithin beyond;
// for w ≤ 4096 that is at most a 32 KiB memmove); windows are capped at 2^16 for that reason.
// The median is then O(1) and the MAD O(log w): the deviations |s − median| of a sorted array
// are two sorted runs (left of the median, read leftwards, and right of it), and the k-th
// smallest of two sorted runs is a binary search.

/** Below this many values a plain loop moves them faster than copyWithin's call. */
const SHORT_MOVE = 64;

/** Up to this many values, a replacement scans from the old slot instead of searching. */
const SCAN_WINDOW = 256;

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

/** Removes `value` (present) from the sorted values. */
function remove(w: SortedWindow, value: number): void {
  const { sorted } = w;
  const at = lowerBound(sorted, w.size, value);
  w.size--;
  if (w.size - at > SHORT_MOVE) sorted.copyWithin(at, at + 1, w.size + 1);
  else for (let i = at; i < w.size; i++) sorted[i] = sorted[i + 1] as number;
}

/** Inserts `value` (not NaN) into the sorted values. */
function insert(w: SortedWindow, value: number): void {
  const { sorted } = w;
  const at = lowerBound(sorted, w.size, value);
  if (w.size - at > SHORT_MOVE) sorted.copyWithin(at + 1, at, w.size);
  else for (let i = w.size; i > at; i--) sorted[i] = sorted[i - 1] as number;
  sorted[at] = value;
  w.size++;
}

/**
 * Replaces `leaving` (present) by `entering` (not NaN) in one move: only the values between
 * their two places shift, about a third of the window for noise instead of all of it twice.
 */
function replace(w: SortedWindow, leaving: number, entering: number): void {
  const { sorted, size } = w;
  const out = lowerBound(sorted, size, leaving);
  if (size <= SCAN_WINDOW) {
    // Insertion-sort style from the leaving value's slot: compares and moves in one
    // predictable loop, no second binary search.
    let i = out;
    while (i + 1 < size && (sorted[i + 1] as number) < entering) {
      sorted[i] = sorted[i + 1] as number;
      i++;
    }
    while (i > 0 && (sorted[i - 1] as number) > entering) {
      sorted[i] = sorted[i - 1] as number;
      i--;
    }
    sorted[i] = entering;
    return;
  }
  const at = lowerBound(sorted, size, entering);
  if (at > out) {
    // Values between are below `entering`: they move down one, `entering` goes last.
    sorted.copyWithin(out, out + 1, at);
    sorted[at - 1] = entering;
  } else {
    sorted.copyWithin(at + 1, at, out);
    sorted[at] = entering;
  }
}

/** Moves the window one sample on: `value` enters, the oldest leaves once the ring is full. */
export function slide(w: SortedWindow, value: number): void {
  const { ring } = w;
  // + 0: −0 and 0 are one value here, so the sorted array never depends on which was kept.
  const entering = value + 0;
  if (w.filled === ring.length) {
    const leaving = ring[w.at] as number;
    if (leaving === leaving && entering === entering) replace(w, leaving, entering);
    else {
      if (leaving === leaving) remove(w, leaving);
      if (entering === entering) insert(w, entering);
    }
  } else {
    w.filled++;
    if (entering === entering) insert(w, entering);
  }
  ring[w.at] = value;
  w.at = w.at + 1 === ring.length ? 0 : w.at + 1;
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
  // Take i from the left run and k + 1 − i from the right; find the i where both runs agree:
  // the last right one taken is no larger than the first left one left out.
  let lo = k + 1 - (size - p) > 0 ? k + 1 - (size - p) : 0;
  let hi = k + 1 < p ? k + 1 : p;
  while (lo < hi) {
    const i = (lo + hi) >>> 1;
    if ((sorted[p + k - i] as number) - m > m - (sorted[p - 1 - i] as number)) lo = i + 1;
    else hi = i;
  }
  const j = k + 1 - lo;
  const fromLeft = lo > 0 ? m - (sorted[p - lo] as number) : Number.NEGATIVE_INFINITY;
  const fromRight = j > 0 ? (sorted[p + j - 1] as number) - m : Number.NEGATIVE_INFINITY;
  return fromLeft > fromRight ? fromLeft : fromRight;
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
