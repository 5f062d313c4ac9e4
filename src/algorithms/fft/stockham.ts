// The complex FFT for n = 2^a·3^b·5^c: Stockham autosort, decimation in frequency, radix 8, 4, 2,
// 3 and 5 passes ping-ponging between two float64 buffers (no bit reversal; the output comes out
// in natural order). Forward sign only (e^{−2πi…}): plans get the inverse by conjugating on the
// way in and out, which they do anyway while copying. Stage twiddles are computed once per plan.
//
// Stage of radix r on sub-length L with stride s (m = L / r): for p < m, q < s,
//   y[q + s(rp + k)] = w_L^{pk} · Σ_j x[q + s(p + jm)] · w_r^{jk},   w_L = e^{−2πi/L}.
// After the stage L ← m, s ← s·r; the last stage has m = 1.
import { rootOfUnity } from './twiddle.ts';

/** A forward complex transform of fixed size on interleaved float64 data. */
export interface ComplexCore {
  readonly n: number;
  /** Where the caller writes the input (2n interleaved values); `run` may overwrite it. */
  readonly input: Float64Array;
  /** Transforms `input`; returns the buffer that holds the output (valid until the next run). */
  run(): Float64Array;
}

interface Stage {
  radix: number;
  length: number;
  stride: number;
  /** (cos, −sin) of 2πpk/L for p < m, k = 1 … r−1, p-major. */
  twiddles: Float64Array;
}

/** The radices of n in pass order, or undefined when n has a prime factor above 5. */
export function smoothFactors(n: number): number[] | undefined {
  const factors: number[] = [];
  let rest = n;
  let twos = 0;
  while (rest % 2 === 0) {
    twos++;
    rest /= 2;
  }
  // Radix 8 where it can (fewest passes over memory), then 4s; a lone 2 only for n = 2.
  let eights = Math.floor(twos / 3);
  let fours = 0;
  let pairs = 0;
  if (twos % 3 === 2) fours = 1;
  if (twos % 3 === 1) {
    if (eights > 0) {
      eights--;
      fours = 2;
    } else {
      pairs = 1;
    }
  }
  for (let i = 0; i < eights; i++) factors.push(8);
  for (let i = 0; i < fours; i++) factors.push(4);
  for (let i = 0; i < pairs; i++) factors.push(2);
  for (const radix of [3, 5]) {
    while (rest % radix === 0) {
      factors.push(radix);
      rest /= radix;
    }
  }
  return rest === 1 ? factors : undefined;
}

function stageTwiddles(radix: number, length: number): Float64Array {
  const m = length / radix;
  const out = new Float64Array(2 * m * (radix - 1));
  const root = new Float64Array(2);
  for (let p = 0; p < m; p++) {
    for (let k = 1; k < radix; k++) {
      rootOfUnity(p * k, length, root, 0);
      const at = 2 * (p * (radix - 1) + k - 1);
      out[at] = root[0] as number;
      out[at + 1] = -(root[1] as number);
    }
  }
  return out;
}

export function createStockhamCore(n: number, factors: readonly number[]): ComplexCore {
  const stages: Stage[] = [];
  let length = n;
  let stride = 1;
  for (const radix of factors) {
    stages.push({ radix, length, stride, twiddles: stageTwiddles(radix, length) });
    length /= radix;
    stride *= radix;
  }
  const a = new Float64Array(2 * n);
  const b = new Float64Array(2 * n);
  return {
    n,
    input: a,
    run() {
      let x = a;
      let y = b;
      for (const stage of stages) {
        const { length: l, stride: s, twiddles: tw } = stage;
        switch (stage.radix) {
          case 8:
            radix8(x, y, l, s, tw);
            break;
          case 4:
            radix4(x, y, l, s, tw);
            break;
          case 2:
            radix2(x, y, l, s, tw);
            break;
          case 3:
            radix3(x, y, l, s, tw);
            break;
          default:
            radix5(x, y, l, s, tw);
        }
        const t = x;
        x = y;
        y = t;
      }
      return x;
    },
  };
}

function radix2(x: Float64Array, y: Float64Array, l: number, s: number, tw: Float64Array): void {
  const m = l >> 1;
  const d = 2 * s * m;
  for (let p = 0; p < m; p++) {
    const wr = tw[2 * p] as number;
    const wi = tw[2 * p + 1] as number;
    const inBase = 2 * s * p;
    const outBase = 4 * s * p;
    for (let q = 0; q < 2 * s; q += 2) {
      const i0 = inBase + q;
      const o0 = outBase + q;
      const ar = x[i0] as number;
      const ai = x[i0 + 1] as number;
      const br = x[i0 + d] as number;
      const bi = x[i0 + d + 1] as number;
      y[o0] = ar + br;
      y[o0 + 1] = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      y[o0 + 2 * s] = dr * wr - di * wi;
      y[o0 + 2 * s + 1] = dr * wi + di * wr;
    }
  }
}

function radix4(x: Float64Array, y: Float64Array, l: number, s: number, tw: Float64Array): void {
  const m = l >> 2;
  const d = 2 * s * m;
  const s2 = 2 * s;
  for (let p = 0; p < m; p++) {
    const w1r = tw[6 * p] as number;
    const w1i = tw[6 * p + 1] as number;
    const w2r = tw[6 * p + 2] as number;
    const w2i = tw[6 * p + 3] as number;
    const w3r = tw[6 * p + 4] as number;
    const w3i = tw[6 * p + 5] as number;
    const end = 2 * s * (p + 1);
    // The butterfly stays inline: a call with double arguments would box each one.
    for (let i0 = 2 * s * p, o0 = 8 * s * p; i0 < end; i0 += 2, o0 += 2) {
      const a0r = x[i0] as number;
      const a0i = x[i0 + 1] as number;
      const a1r = x[i0 + d] as number;
      const a1i = x[i0 + d + 1] as number;
      const a2r = x[i0 + 2 * d] as number;
      const a2i = x[i0 + 2 * d + 1] as number;
      const a3r = x[i0 + 3 * d] as number;
      const a3i = x[i0 + 3 * d + 1] as number;
      const t0r = a0r + a2r;
      const t0i = a0i + a2i;
      const t1r = a0r - a2r;
      const t1i = a0i - a2i;
      const t2r = a1r + a3r;
      const t2i = a1i + a3i;
      // (a1 − a3)·(−i)
      const t3r = a1i - a3i;
      const t3i = a3r - a1r;
      y[o0] = t0r + t2r;
      y[o0 + 1] = t0i + t2i;
      const y1r = t1r + t3r;
      const y1i = t1i + t3i;
      y[o0 + s2] = y1r * w1r - y1i * w1i;
      y[o0 + s2 + 1] = y1r * w1i + y1i * w1r;
      const y2r = t0r - t2r;
      const y2i = t0i - t2i;
      y[o0 + 2 * s2] = y2r * w2r - y2i * w2i;
      y[o0 + 2 * s2 + 1] = y2r * w2i + y2i * w2r;
      const y3r = t1r - t3r;
      const y3i = t1i - t3i;
      y[o0 + 3 * s2] = y3r * w3r - y3i * w3i;
      y[o0 + 3 * s2 + 1] = y3r * w3i + y3i * w3r;
    }
  }
}

const SIN_THIRD = Math.sqrt(3) / 2;

function radix3(x: Float64Array, y: Float64Array, l: number, s: number, tw: Float64Array): void {
  const m = l / 3;
  const d = 2 * s * m;
  const s2 = 2 * s;
  for (let p = 0; p < m; p++) {
    const w1r = tw[4 * p] as number;
    const w1i = tw[4 * p + 1] as number;
    const w2r = tw[4 * p + 2] as number;
    const w2i = tw[4 * p + 3] as number;
    const inBase = 2 * s * p;
    const outBase = 6 * s * p;
    for (let q = 0; q < s2; q += 2) {
      const i0 = inBase + q;
      const o0 = outBase + q;
      const a0r = x[i0] as number;
      const a0i = x[i0 + 1] as number;
      const a1r = x[i0 + d] as number;
      const a1i = x[i0 + d + 1] as number;
      const a2r = x[i0 + 2 * d] as number;
      const a2i = x[i0 + 2 * d + 1] as number;
      const br = a1r + a2r;
      const bi = a1i + a2i;
      const tr = a0r - 0.5 * br;
      const ti = a0i - 0.5 * bi;
      // −i·sin(2π/3)·(a1 − a2)
      const ur = SIN_THIRD * (a1i - a2i);
      const ui = SIN_THIRD * (a2r - a1r);
      y[o0] = a0r + br;
      y[o0 + 1] = a0i + bi;
      const y1r = tr + ur;
      const y1i = ti + ui;
      y[o0 + s2] = y1r * w1r - y1i * w1i;
      y[o0 + s2 + 1] = y1r * w1i + y1i * w1r;
      const y2r = tr - ur;
      const y2i = ti - ui;
      y[o0 + 2 * s2] = y2r * w2r - y2i * w2i;
      y[o0 + 2 * s2 + 1] = y2r * w2i + y2i * w2r;
    }
  }
}

const C1 = Math.cos((2 * Math.PI) / 5);
const C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5);
const S2 = Math.sin((4 * Math.PI) / 5);

function radix5(x: Float64Array, y: Float64Array, l: number, s: number, tw: Float64Array): void {
  const m = l / 5;
  const d = 2 * s * m;
  const s2 = 2 * s;
  for (let p = 0; p < m; p++) {
    const t = 8 * p;
    const w1r = tw[t] as number;
    const w1i = tw[t + 1] as number;
    const w2r = tw[t + 2] as number;
    const w2i = tw[t + 3] as number;
    const w3r = tw[t + 4] as number;
    const w3i = tw[t + 5] as number;
    const w4r = tw[t + 6] as number;
    const w4i = tw[t + 7] as number;
    const inBase = 2 * s * p;
    const outBase = 10 * s * p;
    for (let q = 0; q < s2; q += 2) {
      const i0 = inBase + q;
      const o0 = outBase + q;
      const a0r = x[i0] as number;
      const a0i = x[i0 + 1] as number;
      const a1r = x[i0 + d] as number;
      const a1i = x[i0 + d + 1] as number;
      const a2r = x[i0 + 2 * d] as number;
      const a2i = x[i0 + 2 * d + 1] as number;
      const a3r = x[i0 + 3 * d] as number;
      const a3i = x[i0 + 3 * d + 1] as number;
      const a4r = x[i0 + 4 * d] as number;
      const a4i = x[i0 + 4 * d + 1] as number;
      const b1r = a1r + a4r;
      const b1i = a1i + a4i;
      const b2r = a2r + a3r;
      const b2i = a2i + a3i;
      const d1r = a1r - a4r;
      const d1i = a1i - a4i;
      const d2r = a2r - a3r;
      const d2i = a2i - a3i;
      const t1r = a0r + C1 * b1r + C2 * b2r;
      const t1i = a0i + C1 * b1i + C2 * b2i;
      const t2r = a0r + C2 * b1r + C1 * b2r;
      const t2i = a0i + C2 * b1i + C1 * b2i;
      // u1 = −i(S1·d1 + S2·d2), u2 = −i(S2·d1 − S1·d2); −i(x + iy) = y − ix
      const u1r = S1 * d1i + S2 * d2i;
      const u1i = -(S1 * d1r + S2 * d2r);
      const u2r = S2 * d1i - S1 * d2i;
      const u2i = -(S2 * d1r - S1 * d2r);
      y[o0] = a0r + b1r + b2r;
      y[o0 + 1] = a0i + b1i + b2i;
      let zr = t1r + u1r;
      let zi = t1i + u1i;
      y[o0 + s2] = zr * w1r - zi * w1i;
      y[o0 + s2 + 1] = zr * w1i + zi * w1r;
      zr = t2r + u2r;
      zi = t2i + u2i;
      y[o0 + 2 * s2] = zr * w2r - zi * w2i;
      y[o0 + 2 * s2 + 1] = zr * w2i + zi * w2r;
      zr = t2r - u2r;
      zi = t2i - u2i;
      y[o0 + 3 * s2] = zr * w3r - zi * w3i;
      y[o0 + 3 * s2 + 1] = zr * w3i + zi * w3r;
      zr = t1r - u1r;
      zi = t1i - u1i;
      y[o0 + 4 * s2] = zr * w4r - zi * w4i;
      y[o0 + 4 * s2 + 1] = zr * w4i + zi * w4r;
    }
  }
}

const HALF_SQRT2 = Math.SQRT1_2;

function radix8(x: Float64Array, y: Float64Array, l: number, s: number, tw: Float64Array): void {
  const m = l >> 3;
  const d = 2 * s * m;
  const s2 = 2 * s;
  for (let p = 0; p < m; p++) {
    const t = 14 * p;
    const w1r = tw[t] as number;
    const w1i = tw[t + 1] as number;
    const w2r = tw[t + 2] as number;
    const w2i = tw[t + 3] as number;
    const w3r = tw[t + 4] as number;
    const w3i = tw[t + 5] as number;
    const w4r = tw[t + 6] as number;
    const w4i = tw[t + 7] as number;
    const w5r = tw[t + 8] as number;
    const w5i = tw[t + 9] as number;
    const w6r = tw[t + 10] as number;
    const w6i = tw[t + 11] as number;
    const w7r = tw[t + 12] as number;
    const w7i = tw[t + 13] as number;
    const end = 2 * s * (p + 1);
    for (let i0 = 2 * s * p, o0 = 16 * s * p; i0 < end; i0 += 2, o0 += 2) {
      const a0r = x[i0] as number;
      const a0i = x[i0 + 1] as number;
      const a1r = x[i0 + d] as number;
      const a1i = x[i0 + d + 1] as number;
      const a2r = x[i0 + 2 * d] as number;
      const a2i = x[i0 + 2 * d + 1] as number;
      const a3r = x[i0 + 3 * d] as number;
      const a3i = x[i0 + 3 * d + 1] as number;
      const a4r = x[i0 + 4 * d] as number;
      const a4i = x[i0 + 4 * d + 1] as number;
      const a5r = x[i0 + 5 * d] as number;
      const a5i = x[i0 + 5 * d + 1] as number;
      const a6r = x[i0 + 6 * d] as number;
      const a6i = x[i0 + 6 * d + 1] as number;
      const a7r = x[i0 + 7 * d] as number;
      const a7i = x[i0 + 7 * d + 1] as number;
      // Halves: b_j = a_j + a_{j+4}; c_j = (a_j − a_{j+4})·e^{−iπj/4}.
      const b0r = a0r + a4r;
      const b0i = a0i + a4i;
      const b1r = a1r + a5r;
      const b1i = a1i + a5i;
      const b2r = a2r + a6r;
      const b2i = a2i + a6i;
      const b3r = a3r + a7r;
      const b3i = a3i + a7i;
      const c0r = a0r - a4r;
      const c0i = a0i - a4i;
      const e1r = a1r - a5r;
      const e1i = a1i - a5i;
      const c1r = HALF_SQRT2 * (e1r + e1i);
      const c1i = HALF_SQRT2 * (e1i - e1r);
      const c2r = a2i - a6i;
      const c2i = a6r - a2r;
      const e3r = a3r - a7r;
      const e3i = a3i - a7i;
      const c3r = HALF_SQRT2 * (e3i - e3r);
      const c3i = -HALF_SQRT2 * (e3r + e3i);
      // 4-point DFTs: of b → outputs 0, 2, 4, 6; of c → outputs 1, 3, 5, 7.
      let t0r = b0r + b2r;
      let t0i = b0i + b2i;
      let t1r = b0r - b2r;
      let t1i = b0i - b2i;
      let t2r = b1r + b3r;
      let t2i = b1i + b3i;
      let t3r = b1i - b3i;
      let t3i = b3r - b1r;
      y[o0] = t0r + t2r;
      y[o0 + 1] = t0i + t2i;
      let zr = t1r + t3r;
      let zi = t1i + t3i;
      let o = o0 + 2 * s2;
      y[o] = zr * w2r - zi * w2i;
      y[o + 1] = zr * w2i + zi * w2r;
      zr = t0r - t2r;
      zi = t0i - t2i;
      o = o0 + 4 * s2;
      y[o] = zr * w4r - zi * w4i;
      y[o + 1] = zr * w4i + zi * w4r;
      zr = t1r - t3r;
      zi = t1i - t3i;
      o = o0 + 6 * s2;
      y[o] = zr * w6r - zi * w6i;
      y[o + 1] = zr * w6i + zi * w6r;
      t0r = c0r + c2r;
      t0i = c0i + c2i;
      t1r = c0r - c2r;
      t1i = c0i - c2i;
      t2r = c1r + c3r;
      t2i = c1i + c3i;
      t3r = c1i - c3i;
      t3i = c3r - c1r;
      zr = t0r + t2r;
      zi = t0i + t2i;
      o = o0 + s2;
      y[o] = zr * w1r - zi * w1i;
      y[o + 1] = zr * w1i + zi * w1r;
      zr = t1r + t3r;
      zi = t1i + t3i;
      o = o0 + 3 * s2;
      y[o] = zr * w3r - zi * w3i;
      y[o + 1] = zr * w3i + zi * w3r;
      zr = t0r - t2r;
      zi = t0i - t2i;
      o = o0 + 5 * s2;
      y[o] = zr * w5r - zi * w5i;
      y[o + 1] = zr * w5i + zi * w5r;
      zr = t1r - t3r;
      zi = t1i - t3i;
      o = o0 + 7 * s2;
      y[o] = zr * w7r - zi * w7i;
      y[o + 1] = zr * w7i + zi * w7r;
    }
  }
}
