// Accurate roots of unity: cos and sin of 2πk/n. Math.cos(2 * Math.PI * k / n) loses accuracy
// as the angle grows (2π is rounded, then multiplied up), so the angle is first reduced with
// integer arithmetic to an octant, [0, π/4], where Math.cos/sin are accurate to an ulp, and the
// symmetries of the circle give the rest. Every twiddle of every plan comes from here.

const QUARTER_PI = Math.PI / 4;

/**
 * Writes cos(2πk/n) and sin(2πk/n) at `out[at]`, `out[at + 1]`. k and n are integers with
 * 0 < n ≤ 2^48 (8k stays exact in a double); k is taken modulo n.
 */
export function rootOfUnity(k: number, n: number, out: Float64Array, at: number): void {
  let r = k % n;
  if (r < 0) r += n;
  // The angle in eighths of a turn: octant o, and the rest `rest` in units of 1/(8n) turn.
  const eighths = 8 * r;
  const octant = Math.floor(eighths / n);
  const rest = eighths - octant * n;
  // Even octants count from their start, odd ones from their end, so φ ∈ [0, π/4].
  const phi = octant % 2 === 0 ? (QUARTER_PI * rest) / n : (QUARTER_PI * (n - rest)) / n;
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  let re: number;
  let im: number;
  switch (octant) {
    case 0:
      re = c;
      im = s;
      break;
    case 1:
      re = s;
      im = c;
      break;
    case 2:
      re = -s;
      im = c;
      break;
    case 3:
      re = -c;
      im = s;
      break;
    case 4:
      re = -c;
      im = -s;
      break;
    case 5:
      re = -s;
      im = -c;
      break;
    case 6:
      re = s;
      im = -c;
      break;
    default:
      re = c;
      im = -s;
  }
  // `+ 0` turns −0 into 0, so exact roots (±1, ±i) carry no signed zeros into the output.
  out[at] = re + 0;
  out[at + 1] = im + 0;
}
