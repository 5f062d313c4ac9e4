// FFT plans in numpy's conventions (np.fft.fft / ifft / rfft / irfft): forward unscaled with
// e^{−2πikn/N}, inverse scaled by 1/N. Complex data is interleaved (re, im, re, im…); a real
// transform of size N has N/2+1 bins (floor), so 2·(⌊N/2⌋+1) numbers. All arithmetic is float64;
// float32 plans convert on the way in and out (one rounding of the float64 result).
//
// The real transform of even N runs a complex transform of N/2 on the samples taken in pairs
// (z_j = x_2j + i·x_2j+1) and splits the result with one pass of twiddles; odd N runs a complex
// transform of N with zero imaginary parts. The inverse real transform ignores the imaginary
// parts of bin 0 and (for even N) bin N/2, as numpy's irfft does.
//
// NaN rule: NaN and ±Infinity propagate as IEEE arithmetic gives. Every output bin depends on
// every input sample, so one NaN or infinity in the input makes every bin non-finite: at least
// one of its two parts, since transforms skip multiplications by trivial twiddles (±1, ±i) and
// a part they never reach stays finite — pffft's and numpy's alike. The imaginary parts of a
// real transform's bins 0 and N/2 follow their real parts (NaN when those are not finite).
// Callers that want spectra of gappy signals filter first (Welch skips segments with NaN).
import { badRequest } from '../errors.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import { complexCore, forgetCore } from './core.ts';
import { rootOfUnity } from './twiddle.ts';

export type FftKind = 'complex' | 'real';

export interface FftPlanOptions {
  kind: FftKind;
  dtype: FloatDtype;
}

export interface FftPlan {
  readonly n: number;
  readonly kind: FftKind;
  readonly dtype: FloatDtype;
  readonly backend: BackendName;
  /** Numbers in a time-domain array: 2n (complex) or n (real). */
  readonly timeLength: number;
  /** Numbers in a spectrum: 2n (complex) or 2·(⌊n/2⌋+1) (real, interleaved bins). */
  readonly frequencyLength: number;
  /** Time → frequency, unscaled. `output` (optional, same dtype) may be the input for complex. */
  forward(input: FloatArray, output?: FloatArray): FloatArray;
  /** Frequency → time, scaled by 1/n. */
  inverse(input: FloatArray, output?: FloatArray): FloatArray;
  /**
   * Zero-copy access for batched callers (wasm plans only; undefined on js plans): views of
   * the plan's own buffers in pffft's memory. Fill `input`, call `run()` (the forward
   * transform), read `output` in the same layout `forward` returns. Read the property again
   * rather than keeping its views: a growth of the module's memory (another plan's allocation)
   * detaches them, and `run()` on an object read before the growth throws. After `dispose`
   * the property gives empty views whose `run()` throws.
   */
  readonly wasmBuffers?: FftWasmBuffers;
  /**
   * Releases the plan: wasm memory for wasm plans; for js plans, drops it and its size's core
   * from the caches (a 2^27-point plan holds gigabytes), the garbage collector doing the rest.
   * A disposed js plan still works; a disposed wasm plan refuses calls.
   */
  dispose(): void;
}

/** A wasm plan's buffers, written and read in place (see `FftPlan.wasmBuffers`). */
export interface FftWasmBuffers {
  /** `timeLength` numbers: the next `run()`'s input (left as it is by the transform). */
  readonly input: Float32Array;
  /** `frequencyLength` numbers: the last `run()`'s spectrum, unscaled, numpy's layout. */
  readonly output: Float32Array;
  /** The forward transform of `input` into `output`. */
  run(): void;
}

/** The largest transform: 2^27 points (a 2 GiB float64 complex work buffer pair). */
export const MAX_FFT_SIZE = 2 ** 27;

export function checkPlanOptions(n: unknown, options: unknown): FftPlanOptions & { n: number } {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_FFT_SIZE) {
    throw badRequest(`fft: n must be an integer from 1 to 2^27, not ${String(n)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw badRequest('fft: options must be an object');
  }
  const { kind, dtype } = options as Record<string, unknown>;
  if (kind !== 'complex' && kind !== 'real') {
    throw badRequest(`fft: kind must be "complex" or "real", not ${String(kind)}`);
  }
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw badRequest(`fft: dtype must be "float32" or "float64", not ${String(dtype)}`);
  }
  return { n, kind, dtype };
}

/** Checks a call's arrays and returns the output to write (allocated when absent). */
export function checkArrays(
  what: string,
  dtype: FloatDtype,
  input: unknown,
  inputLength: number,
  output: unknown,
  outputLength: number,
): FloatArray {
  const Type = dtype === 'float32' ? Float32Array : Float64Array;
  if (!(input instanceof Type)) {
    throw badRequest(`fft ${what}: input must be a ${Type.name} for a ${dtype} plan`);
  }
  if (input.length !== inputLength) {
    throw badRequest(`fft ${what}: input must hold ${inputLength} numbers, not ${input.length}`);
  }
  if (output === undefined) return new Type(outputLength);
  if (!(output instanceof Type) || output.length !== outputLength) {
    throw badRequest(`fft ${what}: output must be a ${Type.name} of ${outputLength} numbers`);
  }
  return output;
}

function createComplexPlan(n: number, dtype: FloatDtype): FftPlan {
  const core = complexCore(n);
  const length = 2 * n;
  return {
    n,
    kind: 'complex',
    dtype,
    backend: 'js',
    timeLength: length,
    frequencyLength: length,
    forward(input, output) {
      const out = checkArrays('forward', dtype, input, length, output, length);
      core.input.set(input);
      out.set(core.run());
      return out;
    },
    inverse(input, output) {
      const out = checkArrays('inverse', dtype, input, length, output, length);
      // ifft(x) = conj(fft(conj(x))) / n
      const work = core.input;
      for (let i = 0; i < length; i += 2) {
        work[i] = input[i] as number;
        work[i + 1] = -(input[i + 1] as number);
      }
      const result = core.run();
      const scale = 1 / n;
      for (let i = 0; i < length; i += 2) {
        out[i] = (result[i] as number) * scale;
        out[i + 1] = -(result[i + 1] as number) * scale;
      }
      return out;
    },
    dispose() {
      forget('complex', dtype, n);
    },
  };
}

/** e^{−2πik/n} for k = 0 … n/4, interleaved (the split pass of the even real transform). */
function quarterTwiddles(n: number): Float64Array {
  const quarter = Math.floor(n / 4);
  const out = new Float64Array(2 * (quarter + 1));
  for (let k = 0; k <= quarter; k++) {
    rootOfUnity(k, n, out, 2 * k);
    out[2 * k + 1] = -(out[2 * k + 1] as number);
  }
  return out;
}

// The split pass works on bin pairs (k, M−k), M = n/2: with Z = FFT_M(z), the even part
// E = (Z_k + conj Z_{M−k})/2 and odd part O = (Z_k − conj Z_{M−k})/2i give X_k = E + w^k·O and
// X_{M−k} = conj(E − w^k·O) (w = e^{−2πi/n}, w^{M−k} = −conj w^k), so each pair loads its two
// bins and one twiddle once. The inverse undoes it the same way: Z_k = E + i·O and
// Z_{M−k} = conj(E) + i·conj(O) with E = (X_k + conj X_{M−k})/2, O = (X_k − conj X_{M−k})·conj(w^k)/2.
function createEvenRealPlan(n: number, dtype: FloatDtype): FftPlan {
  const half = n / 2;
  const core = complexCore(half);
  const tw = quarterTwiddles(n);
  const bins = 2 * (half + 1);
  const pairs = Math.floor(half / 2);
  return {
    n,
    kind: 'real',
    dtype,
    backend: 'js',
    timeLength: n,
    frequencyLength: bins,
    forward(input, output) {
      const out = checkArrays('forward', dtype, input, n, output, bins);
      // The real samples in pairs are the complex input z_j = x_2j + i·x_2j+1.
      core.input.set(input);
      const z = core.run();
      for (let k = 0; k <= pairs; k++) {
        const m = half - k;
        const ar = z[2 * k] as number;
        const ai = z[2 * k + 1] as number;
        const mz = m === half ? 0 : 2 * m;
        const br = z[mz] as number;
        const bi = z[mz + 1] as number;
        const er = 0.5 * (ar + br);
        const ei = 0.5 * (ai - bi);
        const or = 0.5 * (ai + bi);
        const oi = -0.5 * (ar - br);
        const wr = tw[2 * k] as number;
        const wi = tw[2 * k + 1] as number;
        const pr = or * wr - oi * wi;
        const pi = or * wi + oi * wr;
        out[2 * k] = er + pr;
        out[2 * k + 1] = ei + pi;
        out[2 * m] = er - pr;
        out[2 * m + 1] = pi - ei;
      }
      return out;
    },
    inverse(input, output) {
      const out = checkArrays('inverse', dtype, input, bins, output, n);
      const work = core.input;
      for (let k = 0; k <= pairs; k++) {
        const m = half - k;
        const xr = input[2 * k] as number;
        // numpy's irfft ignores the imaginary parts of bins 0 and n/2.
        const xi = k === 0 ? 0 : (input[2 * k + 1] as number);
        const mr = input[2 * m] as number;
        const mi = m === half ? 0 : (input[2 * m + 1] as number);
        const er = 0.5 * (xr + mr);
        const ei = 0.5 * (xi - mi);
        const dr = xr - mr;
        const di = xi + mi;
        const wr = tw[2 * k] as number;
        const wi = -(tw[2 * k + 1] as number);
        const or = 0.5 * (dr * wr - di * wi);
        const oi = 0.5 * (dr * wi + di * wr);
        // Z_k = E + i·O and Z_{M−k} = conj E + i·conj O, conjugated for the forward-core inverse.
        work[2 * k] = er - oi;
        work[2 * k + 1] = -(ei + or);
        if (m < half) {
          work[2 * m] = er + oi;
          work[2 * m + 1] = ei - or;
        }
      }
      const z = core.run();
      const scale = 1 / half;
      for (let i = 0; i < n; i += 2) {
        out[i] = (z[i] as number) * scale;
        out[i + 1] = -(z[i + 1] as number) * scale;
      }
      return out;
    },
    dispose() {
      forget('real', dtype, n);
    },
  };
}

function createOddRealPlan(n: number, dtype: FloatDtype): FftPlan {
  const core = complexCore(n);
  const count = (n - 1) / 2 + 1;
  const bins = 2 * count;
  return {
    n,
    kind: 'real',
    dtype,
    backend: 'js',
    timeLength: n,
    frequencyLength: bins,
    forward(input, output) {
      const out = checkArrays('forward', dtype, input, n, output, bins);
      const work = core.input;
      for (let j = 0; j < n; j++) {
        work[2 * j] = input[j] as number;
        work[2 * j + 1] = 0;
      }
      out.set(core.run().subarray(0, bins));
      return out;
    },
    inverse(input, output) {
      const out = checkArrays('inverse', dtype, input, bins, output, n);
      // The Hermitian spectrum, conjugated (forward-core inverse): bins k and n−k.
      const work = core.input;
      work[0] = input[0] as number;
      work[1] = 0;
      for (let k = 1; k < count; k++) {
        const re = input[2 * k] as number;
        const im = input[2 * k + 1] as number;
        work[2 * k] = re;
        work[2 * k + 1] = -im;
        work[2 * (n - k)] = re;
        work[2 * (n - k) + 1] = im;
      }
      const z = core.run();
      const scale = 1 / n;
      for (let j = 0; j < n; j++) out[j] = (z[2 * j] as number) * scale;
      return out;
    },
    dispose() {
      forget('real', dtype, n);
    },
  };
}

const PLAN_CACHE_SIZE = 32;
const plans = new Map<string, FftPlan>();

function keyOf(kind: FftKind, dtype: FloatDtype, n: number): string {
  return `${kind}:${dtype}:${String(n)}`;
}

function forget(kind: FftKind, dtype: FloatDtype, n: number): void {
  plans.delete(keyOf(kind, dtype, n));
  forgetCore(kind === 'real' && n % 2 === 0 ? n / 2 : n);
}

/** The js plan of size n (cached by size, kind and dtype). */
export function fftPlan(n: number, options: FftPlanOptions): FftPlan {
  const checked = checkPlanOptions(n, options);
  const key = keyOf(checked.kind, checked.dtype, checked.n);
  let plan = plans.get(key);
  if (plan !== undefined) {
    plans.delete(key);
  } else {
    plan =
      checked.kind === 'complex'
        ? createComplexPlan(checked.n, checked.dtype)
        : checked.n % 2 === 0
          ? createEvenRealPlan(checked.n, checked.dtype)
          : createOddRealPlan(checked.n, checked.dtype);
    if (plans.size >= PLAN_CACHE_SIZE) {
      const oldest = plans.keys().next();
      if (oldest.done !== true) plans.delete(oldest.value);
    }
  }
  plans.set(key, plan);
  return plan;
}
