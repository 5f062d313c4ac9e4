// Double-double accumulation (Dekker/Knuth error-free transformations): a running sum kept as
// hi + lo carries about 106 bits, so adding a value and later subtracting the same value
// leaves no drift, and Σd² keeps the variance exact enough when it is small against the sum.
// No FMA in JavaScript, so products are split with Veltkamp's constant.

/** A double-double value; plain fields so it travels in structured-cloned state. */
export interface DoubleDouble {
  hi: number;
  lo: number;
}

const SPLIT = 134217729; // 2^27 + 1

/** dd += a + b, where a + b is an exact (hi, lo) pair or a single value with b = 0. */
export function addTo(dd: DoubleDouble, a: number, b: number): void {
  const s = dd.hi + a;
  const v = s - dd.hi;
  const error = dd.hi - (s - v) + (a - v);
  const lo = error + dd.lo + b;
  const hi = s + lo;
  dd.lo = lo - (hi - s);
  dd.hi = hi;
}

/**
 * The rounding error of a·b: a·b (rounded) + productError(a, b) is the exact product, barring
 * overflow and underflow. A number rather than a pair so the hot loops allocate nothing.
 */
export function productError(a: number, b: number): number {
  const p = a * b;
  const ca = SPLIT * a;
  const cb = SPLIT * b;
  // Beyond ~1e300 the split overflows; the product is ±∞ or huge anyway, the error term moot.
  if (ca - ca !== 0 || cb - cb !== 0) return 0;
  const ah = ca - (ca - a);
  const al = a - ah;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
