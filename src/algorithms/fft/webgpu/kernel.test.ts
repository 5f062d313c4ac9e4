// The WebGPU FFT kernel beyond the case table (fft.test.ts runs the numpy fixtures on it):
// batches of many frames against the js plans frame by frame, splits under injected small
// binding limits (same bytes as one submission), a frame over the limit (unavailable, and the
// batch registry falls through to js), no adapter, the NaN rule, bad input, and the chirp's
// exact angle reduction. GPU: this runtime's (Dawn on SwiftShader in Node).
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../../accuracy.ts';
import { isAlgorithmError } from '../../errors.ts';
import { testGpu } from '../../gpu/test-support/test-gpu.suite.ts';
import type { FloatArray } from '../../types.ts';
import { fftPlan, type FftKind } from '../plan.ts';
import { createBatchFftKernels, jsBatchFftKernel, transformOn } from './batch.ts';
import {
  bluesteinChirp,
  bluesteinLength,
  createWebgpuFftKernel,
  frameLengths,
  type GpuFftKernel,
} from './kernel.ts';

function randomArray(length: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 31 - 1;
  });
}

/** The js plan (float64 inside) frame by frame: the reference for the batches. */
function jsFrames(input: Float32Array, n: number, kind: FftKind, inverse: boolean): Float64Array {
  const plan = fftPlan(n, { kind, dtype: 'float64' });
  const lengths = frameLengths(n, kind, inverse);
  const frames = input.length / lengths.input;
  const out = new Float64Array(frames * lengths.output);
  for (let f = 0; f < frames; f++) {
    const frame = Float64Array.from(input.subarray(f * lengths.input, (f + 1) * lengths.input));
    out.set(inverse ? plan.inverse(frame) : plan.forward(frame), f * lengths.output);
  }
  return out;
}

/** Per-frame norm-wise errors (a batch must not be right on average only). */
function frameErrors(got: FloatArray, expected: Float64Array, frameLength: number): number[] {
  const errors: number[] = [];
  for (let at = 0; at < expected.length; at += frameLength) {
    const part = got.subarray(at, at + frameLength);
    errors.push(compareArrays(part, expected.subarray(at, at + frameLength)).relativeError);
  }
  return errors;
}

/** Complex values as one number each: NaN when either part is. */
function pairs(values: FloatArray): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += 2) out.push((values[i] ?? 0) + (values[i + 1] ?? 0));
  return out;
}

async function errorOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

const made: GpuFftKernel[] = [];
async function gpuKernel(limits?: Record<string, number>): Promise<GpuFftKernel> {
  const { gpu } = await testGpu();
  const kernel = await createWebgpuFftKernel(gpu, limits === undefined ? {} : { limits });
  made.push(kernel);
  return kernel;
}
let shared: Promise<GpuFftKernel> | undefined;
const kernel = () => (shared ??= gpuKernel());

afterAll(() => {
  for (const each of made) each.dispose();
});

const shapes: [FftKind, boolean][] = [
  ['complex', false],
  ['complex', true],
  ['real', false],
  ['real', true],
];

describe('webgpu fft kernel', () => {
  it('transforms batches of frames of any size as the js plans do, frame by frame', async () => {
    const gpu = await kernel();
    const worst: string[] = [];
    for (const n of [1, 2, 6, 17, 64, 100, 255, 256, 1000, 4097]) {
      for (const [kind, inverse] of shapes) {
        const lengths = frameLengths(n, kind, inverse);
        const frames = n > 1000 ? 2 : 5;
        const input = randomArray(frames * lengths.input, n * 7 + frames);
        const got = await gpu.transform(input, n, { kind, inverse });
        expect(got).toBeInstanceOf(Float32Array);
        expect(got.length).toBe(frames * lengths.output);
        const errors = frameErrors(got, jsFrames(input, n, kind, inverse), lengths.output);
        const max = Math.max(...errors);
        worst.push(`${kind}${inverse ? ' inverse' : ''} n=${String(n)}: ${max.toExponential(1)}`);
        expect(max, worst.at(-1)).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('gives each frame the bytes it gets alone (frames do not mix)', async () => {
    const gpu = await kernel();
    for (const n of [48, 97]) {
      const input = randomArray(4 * n, n);
      const batch = await gpu.transform(input, n, { kind: 'real' });
      const bins = 2 * (Math.floor(n / 2) + 1);
      for (let f = 0; f < 4; f++) {
        const alone = await gpu.transform(input.subarray(f * n, (f + 1) * n), n, { kind: 'real' });
        expect(batch.subarray(f * bins, (f + 1) * bins)).toEqual(alone);
      }
    }
  });

  it('splits batches over submissions under small binding limits, with identical bytes', async () => {
    const whole = await kernel();
    // 4 KiB bindings: 512 complex samples a binding.
    const small = await gpuKernel({
      maxStorageBufferBindingSize: 4096,
      maxComputeWorkgroupsPerDimension: 1,
    });
    // n 100: Bluestein m 256, 2 frames a submission; n 64 real: 8 a submission.
    for (const [n, kind, frames, submits] of [
      [100, 'complex', 7, 4],
      [64, 'real', 20, 3],
      [100, 'real', 5, 3],
    ] as const) {
      for (const inverse of [false, true]) {
        const lengths = frameLengths(n, kind, inverse);
        const input = randomArray(frames * lengths.input, n + frames);
        const before = small.stats.submits;
        const split = await small.transform(input, n, { kind, inverse });
        expect(small.stats.submits - before, `${kind} n=${String(n)}`).toBe(submits);
        expect(split).toEqual(await whole.transform(input, n, { kind, inverse }));
      }
    }
  });

  it('refuses a frame over one binding with unavailable, and the registry falls through to js', async () => {
    const limits = { maxStorageBufferBindingSize: 4096 };
    const small = await gpuKernel(limits);
    // n 300: Bluestein m 1024 > 512; n 1024: a power of two over 512.
    for (const n of [300, 1024]) {
      const error = await errorOf(() =>
        small.transform(randomArray(2 * n, 1), n, { kind: 'complex' }),
      );
      expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    }
    const { gpu } = await testGpu();
    const registry = createBatchFftKernels(gpu, { limits });
    const input = randomArray(2 * 300, 3);
    const far = await transformOn(registry, input, 300, { kind: 'complex' });
    expect(far.backend).toBe('js');
    const near = await transformOn(registry, input.subarray(0, 200), 100, { kind: 'complex' });
    expect(near.backend).toBe('webgpu');
    const float64 = await transformOn(registry, new Float64Array(200), 100, { kind: 'complex' });
    expect(float64.backend).toBe('js');
    expect(float64.output).toBeInstanceOf(Float64Array);
    (await registry.get('webgpu')).dispose();
  });

  it('is unavailable without a GPU or adapter, and the batch registry runs js instead', async () => {
    const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
    for (const gpu of [null, undefined, noAdapter]) {
      const error = await errorOf(() => createWebgpuFftKernel(gpu));
      expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
      const registry = createBatchFftKernels(gpu);
      const input = randomArray(30, 2);
      const { output, backend } = await transformOn(registry, input, 30, { kind: 'real' });
      expect(backend).toBe('js');
      expect(output).toEqual(fftPlan(30, { kind: 'real', dtype: 'float32' }).forward(input));
      const first = await registry.first();
      expect(first.backend).toBe('js');
    }
  });

  it('follows the js NaN rule: a frame with NaN comes back all NaN, the others as alone', async () => {
    const gpu = await kernel();
    for (const [kind, inverse] of shapes) {
      const n = 24;
      const lengths = frameLengths(n, kind, inverse);
      const input = randomArray(3 * lengths.input, 11);
      input[lengths.input + 4] = NaN;
      const got = await gpu.transform(input, n, { kind, inverse });
      const middle = got.subarray(lengths.output, 2 * lengths.output);
      expect(middle.every((value) => Number.isNaN(value))).toBe(true);
      // The js plan's bins are NaN too, as complex numbers: on its radix sizes one part of
      // bin 0 (a plain sum, no twiddle) may stay finite; its real samples are all NaN.
      const js = await jsBatchFftKernel.transform(input, n, { kind, inverse });
      const jsMiddle = js.subarray(lengths.output, 2 * lengths.output);
      const values = kind === 'real' && inverse ? [...jsMiddle] : pairs(jsMiddle);
      expect(values.every(Number.isNaN)).toBe(true);
      for (const f of [0, 2]) {
        const frame = input.subarray(f * lengths.input, (f + 1) * lengths.input);
        const alone = await gpu.transform(frame, n, { kind, inverse });
        expect(got.subarray(f * lengths.output, (f + 1) * lengths.output)).toEqual(alone);
      }
    }
  });

  it('ignores NaN where irfft ignores it (imaginary parts of bin 0 and bin n/2)', async () => {
    const gpu = await kernel();
    for (const n of [8, 9]) {
      const bins = randomArray(2 * (Math.floor(n / 2) + 1), n);
      const clean = Float32Array.from(bins);
      bins[1] = NaN;
      if (n % 2 === 0) bins[n + 1] = NaN;
      const got = await gpu.transform(bins, n, { kind: 'real', inverse: true });
      expect(got).toEqual(await gpu.transform(clean, n, { kind: 'real', inverse: true }));
      const js = fftPlan(n, { kind: 'real', dtype: 'float32' }).inverse(bins);
      expect(js.some(Number.isNaN)).toBe(false);
    }
  });

  it('makes a frame holding ±Infinity NaN throughout, the others as alone', async () => {
    const gpu = await kernel();
    const input = randomArray(3 * 16, 1);
    input[16 + 5] = -Infinity;
    const got = await gpu.transform(input, 16, { kind: 'real' });
    const bins = 2 * 9;
    expect(got.subarray(bins, 2 * bins).every(Number.isNaN)).toBe(true);
    expect(got.subarray(0, bins)).toEqual(
      await gpu.transform(input.subarray(0, 16), 16, { kind: 'real' }),
    );
    // The js plan: every bin non-finite in at least one part (plan.ts's rule).
    const js = await jsBatchFftKernel.transform(input, 16, { kind: 'real' });
    for (let bin = 9; bin < 18; bin++) {
      expect([js[2 * bin], js[2 * bin + 1]].some((value) => !Number.isFinite(value))).toBe(true);
    }
  });

  it('refuses bad calls with bad_request, float64 with unavailable', async () => {
    const gpu = await kernel();
    const bad: (() => Promise<unknown>)[] = [
      () => gpu.transform(new Float32Array(8), 0, { kind: 'complex' }),
      () => gpu.transform(new Float32Array(8), 1.5, { kind: 'complex' }),
      () => gpu.transform(new Float32Array(8), 2 ** 27 + 1, { kind: 'complex' }),
      () => gpu.transform(new Float32Array(10), 4, { kind: 'complex' }),
      () => gpu.transform(new Float32Array(8), 8, { kind: 'real', inverse: true }),
      () => gpu.transform(new Float32Array(8), 4, { kind: 'hartley' as FftKind }),
      () => gpu.transform(new Float32Array(8), 4, { kind: 'real', inverse: 'yes' as never }),
      () => gpu.transform(new Float32Array(8), 4, undefined as never),
      () => gpu.transform(new Int16Array(8) as never, 4, { kind: 'complex' }),
    ];
    for (const call of bad) {
      const error = await errorOf(call);
      expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
    }
    const error = await errorOf(() => gpu.transform(new Float64Array(8), 4, { kind: 'complex' }));
    expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    expect(String(error)).toMatch(/webgpu: no float64/);
    expect(await gpu.transform(new Float32Array(0), 12, { kind: 'real' })).toHaveLength(0);
  });

  it('reduces the chirp angle exactly: j² mod 2n in integers, as BigInt gives it', () => {
    const n = 100_003;
    const forward = bluesteinChirp(n, false);
    const inverse = bluesteinChirp(n, true);
    for (const j of [0, 1, 2, 316, 50_000, 99_999, 100_002]) {
      const r = Number((BigInt(j) * BigInt(j)) % BigInt(2 * n));
      const angle = (Math.PI * r) / n;
      expect(forward[2 * j]).toBeCloseTo(Math.cos(angle), 12);
      expect(forward[2 * j + 1]).toBeCloseTo(-Math.sin(angle), 12);
      expect(inverse[2 * j + 1]).toBeCloseTo(Math.sin(angle), 12);
    }
    expect(bluesteinLength(5)).toBe(16);
    expect(bluesteinLength(1000)).toBe(2048);
  });
});
