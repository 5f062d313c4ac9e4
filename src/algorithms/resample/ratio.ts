// Rates as integer ratios. Polyphase resampling needs up/down; a caller with a float ratio
// (48000 → 44100 Hz is 0.91875) gets the closest fraction whose denominator is at most
// `maxDenominator`, by Python's Fraction(ratio).limit_denominator(maxDenominator) rule
// (continued fractions on the exact binary value, then the better of the last convergent and
// the best semiconvergent). A fraction that is further than `maxRelativeError` from the ratio,
// or whose up or down exceeds the factor limit, is refused rather than silently used.
import { badRequest } from '../errors.ts';

export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** The exact value of a positive finite double as numerator / 2^k (both BigInt). */
function exactFraction(value: number): { numerator: bigint; denominator: bigint } {
  let scaled = value;
  let k = 0;
  // Doubling is exact, and 1075 doublings make any double an integer.
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    k++;
  }
  return { numerator: BigInt(scaled), denominator: 2n ** BigInt(k) };
}

/** Fraction(value).limit_denominator(maxDenominator) for a positive finite value. */
export function limitDenominator(value: number, maxDenominator: number): [number, number] {
  const { numerator, denominator } = exactFraction(value);
  const max = BigInt(maxDenominator);
  if (denominator <= max) return [Number(numerator), Number(denominator)];
  let [p0, q0, p1, q1] = [0n, 1n, 1n, 0n];
  let [n, d] = [numerator, denominator];
  for (;;) {
    const a = n / d;
    const q2 = q0 + a * q1;
    if (q2 > max) break;
    [p0, q0, p1, q1] = [p1, q1, p0 + a * p1, q2];
    [n, d] = [d, n - a * d];
  }
  const k = (max - q0) / q1;
  // Python compares the two candidates' distances exactly; this is its test.
  if (2n * d * (q0 + k * q1) <= denominator) return [Number(p1), Number(q1)];
  return [Number(p0 + k * p1), Number(q0 + k * q1)];
}

export interface RatioRule {
  /** The largest denominator tried (default 1000). */
  maxDenominator: number;
  /** The largest |up/down − ratio| / ratio accepted (default 1e-9). */
  maxRelativeError: number;
  /** The largest up or down accepted. */
  maxFactor: number;
}

/** up/down for a float ratio (output rate / input rate) by the rule above, or bad_request. */
export function ratioToUpDown(ratio: number, rule: RatioRule): { up: number; down: number } {
  if (!Number.isFinite(ratio) || ratio <= 0) {
    throw badRequest(`ratio must be a finite number > 0, not ${String(ratio)}`);
  }
  const [up, down] = limitDenominator(ratio, rule.maxDenominator);
  if (up < 1) {
    throw badRequest(
      `ratio ${String(ratio)} is below 1/${String(rule.maxDenominator)}: give up and down`,
    );
  }
  const error = Math.abs(up / down - ratio) / ratio;
  if (error > rule.maxRelativeError) {
    throw badRequest(
      `ratio ${String(ratio)} is ${String(up)}/${String(down)} at best with a denominator ≤ ` +
        `${String(rule.maxDenominator)}, ${error.toExponential(2)} away (more than ` +
        `${String(rule.maxRelativeError)}): give up and down, or allow a larger maxDenominator`,
    );
  }
  if (up > rule.maxFactor || down > rule.maxFactor) {
    throw badRequest(
      `ratio ${String(ratio)} = ${String(up)}/${String(down)} needs a factor above ` +
        `${String(rule.maxFactor)} (the filter would be too long)`,
    );
  }
  return { up, down };
}
