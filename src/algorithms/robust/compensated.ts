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

function split(a: number): [number, number] {
  const c = SPLIT * a;
  const high = c - (c - a);
  return [high, a - high];
}

/** The exact product a·b as (hi, lo): hi + lo = a·b (barring overflow and underflow). */
export function product(a: number, b: number): [number, number] {
  const p = a * b;
  // Beyond ~1e300 the split overflows; the product is ±∞ or huge anyway, the error term moot.
  if (!Number.isFinite(SPLIT * a) || !Number.isFinite(SPLIT * b)) return [p, 0];
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
