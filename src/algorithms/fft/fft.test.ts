import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../accuracy.ts';
import { isAlgorithmError } from '../errors.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { castTo, decodeFloat64 } from '../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../types.ts';
import fixture from './fixtures/fft.json' with { type: 'json' };
import { lazyGpuKernel } from '../gpu/test-support/test-gpu.suite.ts';
import {
  createFftKernels,
  createWebgpuFftKernel,
  fftPlan,
  planOn,
  pffftUnsupported,
  webgpuFftUnsupported,
  type FftKernel,
} from './index.ts';

interface FixtureCase {
  name: string;
  n: number;
  kind: 'complex' | 'real';
  direction: 'forward' | 'inverse';
  inputLength: number;
  expected: string;
  /** Only these bins are stored (the 65536-point case). */
  bins?: number[];
  /** The input is the shared one repeated (x[j % length]). */
  tiled?: boolean;
}

interface FftCase extends FixtureCase {
  dtype: FloatDtype;
}

const shared = decodeFloat64(fixture.input);
const cases: FftCase[] = (fixture.cases as FixtureCase[]).flatMap((testCase) =>
  (['float32', 'float64'] as const).map((dtype) => ({ ...testCase, dtype })),
);

function inputOf(testCase: FftCase): FloatArray {
  const values = testCase.tiled
    ? Float64Array.from({ length: testCase.inputLength }, (_, j) => shared[j % shared.length] ?? 0)
    : shared.subarray(0, testCase.inputLength);
  return castTo(testCase.dtype, values);
}

/** The stored bins of a subsampled case, or the whole output. */
function pick(testCase: FftCase, output: FloatArray): ArrayLike<number> {
  if (testCase.bins === undefined) return output;
  return testCase.bins.flatMap((k) => [output[2 * k] ?? NaN, output[2 * k + 1] ?? NaN]);
}

async function runOn(kernel: FftKernel, testCase: FftCase) {
  const plan = kernel.plan(testCase.n, testCase);
  const input = inputOf(testCase);
  const output = testCase.direction === 'forward' ? plan.forward(input) : plan.inverse(input);
  return { output: pick(testCase, output) };
}

const registry = createFftKernels();
// The webgpu row: this runtime's GPU (Dawn on SwiftShader in Node, navigator.gpu in Chromium).
const gpu = lazyGpuKernel((gpuObject) => createWebgpuFftKernel(gpuObject));
afterAll(async () => {
  const wasm = await registry.get('wasm').catch(() => undefined);
  wasm?.dispose();
  (await gpu.kernel().catch(() => undefined))?.dispose();
});

runCaseTable<FftCase>({
  algorithm: 'fft',
  cases,
  expected: (testCase) => ({ output: decodeFloat64(testCase.expected) }),
  unavailable: async (backend) => {
    if (backend === 'webgpu') return gpu.unavailable(backend);
    try {
      await registry.get(backend);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
  backends: [
    {
      backend: 'js',
      // float64 work throughout: numpy's pocketfft and this agree to ~1e-15 (Bluestein ~1e-15
      // too); float32 is the float64 result rounded once.
      tolerance: { float32: 1e-6, float64: 1e-13 },
      run: async (testCase) => runOn(await registry.get('js'), testCase),
    },
    {
      backend: 'wasm',
      tolerance: { float32: 1e-5 },
      run: async (testCase) => runOn(await registry.get('wasm'), testCase),
      skip: (testCase) => pffftUnsupported(testCase.n, testCase),
    },
    {
      backend: 'webgpu',
      // float32 throughout (radix-2 stages; Bluestein's two FFTs of m ≥ 2n − 1 for other n):
      // the 1e-5 norm-wise.
      tolerance: { float32: 1e-5 },
      run: async (testCase) => {
        const kernel = await gpu.kernel();
        const output = await kernel.transform(inputOf(testCase), testCase.n, {
          kind: testCase.kind,
          inverse: testCase.direction === 'inverse',
        });
        return { output: pick(testCase, output) };
      },
      skip: (testCase) => webgpuFftUnsupported(testCase.n, testCase),
    },
  ],
});

function randomArray(length: number, seed: number): Float64Array {
  let state = seed >>> 0 || 1;
  return Float64Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 31 - 1;
  });
}

/** The O(n²) DFT, e^{−2πikj/n}, with the angle reduced modulo n in integers. */
function naiveDft(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * ((k * j) % n)) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      re += (x[2 * j] as number) * c - (x[2 * j + 1] as number) * s;
      im += (x[2 * j] as number) * s + (x[2 * j + 1] as number) * c;
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

describe('fft', () => {
  it('inverts itself: ifft(fft(x)) ≈ x and irfft(rfft(x)) ≈ x for sizes 1 … 5000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), (n, seed) => {
        const x = randomArray(2 * n, seed);
        const complex = fftPlan(n, { kind: 'complex', dtype: 'float64' });
        const back = complex.inverse(complex.forward(x));
        expect(compareArrays(back, x).relativeError).toBeLessThan(1e-13);
        const real = fftPlan(n, { kind: 'real', dtype: 'float64' });
        const samples = x.subarray(0, n);
        expect(
          compareArrays(real.inverse(real.forward(samples)), samples).relativeError,
        ).toBeLessThan(1e-13);
      }),
      { numRuns: 40 },
    );
  });

  it('inverts itself in float32 too (float64 inside: one rounding each way)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), (n, seed) => {
        const x = Float32Array.from(randomArray(2 * n, seed));
        const complex = fftPlan(n, { kind: 'complex', dtype: 'float32' });
        expect(compareArrays(complex.inverse(complex.forward(x)), x).relativeError).toBeLessThan(
          1e-6,
        );
        const real = fftPlan(n, { kind: 'real', dtype: 'float32' });
        const samples = x.subarray(0, n);
        expect(
          compareArrays(real.inverse(real.forward(samples)), samples).relativeError,
        ).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });

  it('agrees with a naive DFT for prime sizes (Bluestein) and smooth ones', () => {
    for (const n of [7, 11, 13, 17, 31, 97, 101, 211, 6, 45, 64]) {
      const x = randomArray(2 * n, n);
      const got = fftPlan(n, { kind: 'complex', dtype: 'float64' }).forward(x);
      expect(compareArrays(got, naiveDft(x, n)).relativeError, `n=${n}`).toBeLessThan(1e-13);
    }
  });

  it('caches plans by size, kind and dtype', () => {
    const a = fftPlan(1000, { kind: 'real', dtype: 'float32' });
    expect(fftPlan(1000, { kind: 'real', dtype: 'float32' })).toBe(a);
    expect(fftPlan(1000, { kind: 'real', dtype: 'float64' })).not.toBe(a);
  });

  it('drops a disposed js plan from the cache, and the plan still works', () => {
    const plan = fftPlan(48, { kind: 'real', dtype: 'float64' });
    const x = randomArray(48, 4);
    const before = plan.forward(x);
    plan.dispose();
    expect(fftPlan(48, { kind: 'real', dtype: 'float64' })).not.toBe(plan);
    expect(plan.forward(x)).toEqual(before);
  });

  it('writes into a given output buffer, and may work in place for complex data', () => {
    const plan = fftPlan(12, { kind: 'complex', dtype: 'float64' });
    const x = randomArray(24, 3);
    const expected = plan.forward(x);
    const out = new Float64Array(24);
    expect(plan.forward(x, out)).toBe(out);
    expect(out).toEqual(expected);
    const copy = Float64Array.from(x);
    plan.forward(copy, copy);
    expect(copy).toEqual(expected);
  });

  it('propagates NaN to every bin (documented rule: callers filter)', () => {
    for (const n of [16, 97]) {
      const x = randomArray(n, 5);
      x[3] = NaN;
      const bins = fftPlan(n, { kind: 'real', dtype: 'float64' }).forward(x);
      expect(bins.every((value) => Number.isNaN(value))).toBe(true);
    }
  });

  it('refuses bad sizes, options and buffers with bad_request', () => {
    const bad: (() => unknown)[] = [
      () => fftPlan(0, { kind: 'real', dtype: 'float64' }),
      () => fftPlan(1.5, { kind: 'real', dtype: 'float64' }),
      () => fftPlan(2 ** 27 + 1, { kind: 'complex', dtype: 'float64' }),
      () => fftPlan(8, { kind: 'hartley' as 'real', dtype: 'float64' }),
      () => fftPlan(8, { kind: 'real', dtype: 'int16' as FloatDtype }),
      () => fftPlan(8, { kind: 'real', dtype: 'float64' }).forward(new Float64Array(7)),
      () => fftPlan(8, { kind: 'real', dtype: 'float64' }).forward(new Float32Array(8)),
      () =>
        fftPlan(8, { kind: 'real', dtype: 'float64' }).forward(
          new Float64Array(8),
          new Float64Array(8),
        ),
      () =>
        fftPlan(8, { kind: 'real', dtype: 'float32' }).inverse(
          new Float32Array(10),
          new Float64Array(8),
        ),
      () => fftPlan(8, { kind: 'complex', dtype: 'float64' }).inverse(new Float64Array(8)),
    ];
    for (const call of bad) {
      try {
        call();
        expect.unreachable();
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
      }
    }
  });

  it('falls through from wasm to js for what pffft does not take', async () => {
    const f32 = { kind: 'real', dtype: 'float32' } as const;
    expect((await planOn(registry, 1024, f32)).backend).toBe('wasm');
    expect((await planOn(registry, 1000, f32)).backend).toBe('js');
    expect((await planOn(registry, 1024, { kind: 'real', dtype: 'float64' })).backend).toBe('js');
    expect(pffftUnsupported(1024, { kind: 'real', dtype: 'float64' })).toMatch(/float32/);
    expect(pffftUnsupported(48, { kind: 'real', dtype: 'float32' })).toMatch(/multiple of 32/);
    expect(pffftUnsupported(48, { kind: 'complex', dtype: 'float32' })).toBeUndefined();
    expect(pffftUnsupported(16 * 7, { kind: 'complex', dtype: 'float32' })).toMatch(/2\^a/);
  });

  it('frees a disposed wasm plan, and a fresh one works again', async () => {
    const wasm = await registry.get('wasm');
    const plan = wasm.plan(64, { kind: 'complex', dtype: 'float32' });
    plan.dispose();
    expect(() => plan.forward(new Float32Array(128))).toThrow(/disposed/);
    const again = wasm.plan(64, { kind: 'complex', dtype: 'float32' });
    expect(again).not.toBe(plan);
    const x = Float32Array.from(randomArray(128, 9));
    expect(compareArrays(again.inverse(again.forward(x)), x).relativeError).toBeLessThan(1e-6);
  });
});
