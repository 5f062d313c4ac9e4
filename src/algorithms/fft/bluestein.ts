// Bluestein's chirp-z for lengths with a prime factor above 5: X_k = c_k · Σ_j (x_j c_j) c̄_{k−j}
// with the chirp c_k = e^{−iπk²/n}, a convolution done by power-of-two FFTs of size
// M ≥ 2n − 1. The filter's spectrum (with the 1/M of the inverse folded in) is computed once.
// The chirp's angle πk²/n is taken as (k² mod 2n) / 2n of a turn, with k² mod 2n kept by
// integer steps ((k+1)² = k² + 2k + 1), so it stays exact where k² itself would not.
import { createStockhamCore, smoothFactors, type ComplexCore } from './stockham.ts';
import { rootOfUnity } from './twiddle.ts';

function chirp(n: number): Float64Array {
  const out = new Float64Array(2 * n);
  const modulus = 2 * n;
  let square = 0;
  for (let k = 0; k < n; k++) {
    rootOfUnity(square, modulus, out, 2 * k);
    out[2 * k + 1] = -(out[2 * k + 1] as number);
    square = (square + 2 * k + 1) % modulus;
  }
  return out;
}

export function createBluesteinCore(n: number): ComplexCore {
  let size = 1;
  while (size < 2 * n - 1) size *= 2;
  const factors = smoothFactors(size) ?? [];
  const inner = createStockhamCore(size, factors);
  const w = chirp(n);
  // The filter b_k = c̄_k for |k| < n (wrapped), its spectrum scaled by 1/M.
  const buffer = inner.input;
  buffer.fill(0);
  for (let k = 0; k < n; k++) {
    const re = w[2 * k] as number;
    const im = -(w[2 * k + 1] as number);
    buffer[2 * k] = re;
    buffer[2 * k + 1] = im;
    if (k > 0) {
      buffer[2 * (size - k)] = re;
      buffer[2 * (size - k) + 1] = im;
    }
  }
  const filter = Float64Array.from(inner.run());
  for (let i = 0; i < filter.length; i++) filter[i] = (filter[i] as number) / size;
  const input = new Float64Array(2 * n);
  const output = new Float64Array(2 * n);
  return {
    n,
    input,
    run() {
      const a = inner.input;
      for (let k = 0; k < n; k++) {
        const xr = input[2 * k] as number;
        const xi = input[2 * k + 1] as number;
        const cr = w[2 * k] as number;
        const ci = w[2 * k + 1] as number;
        a[2 * k] = xr * cr - xi * ci;
        a[2 * k + 1] = xr * ci + xi * cr;
      }
      a.fill(0, 2 * n);
      const spectrum = inner.run();
      // conj(A·B) in, so that a second forward transform gives the conjugated inverse.
      const back = inner.input;
      for (let i = 0; i < 2 * size; i += 2) {
        const ar = spectrum[i] as number;
        const ai = spectrum[i + 1] as number;
        const br = filter[i] as number;
        const bi = filter[i + 1] as number;
        back[i] = ar * br - ai * bi;
        back[i + 1] = -(ar * bi + ai * br);
      }
      const conv = inner.run();
      for (let k = 0; k < n; k++) {
        const gr = conv[2 * k] as number;
        const gi = -(conv[2 * k + 1] as number);
        const cr = w[2 * k] as number;
        const ci = w[2 * k + 1] as number;
        output[2 * k] = gr * cr - gi * ci;
        output[2 * k + 1] = gr * ci + gi * cr;
      }
      return output;
    },
  };
}
