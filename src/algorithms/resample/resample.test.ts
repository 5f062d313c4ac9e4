import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { lazyGpuKernel } from '../gpu/test-support/test-gpu.suite.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { runSplit } from '../test-support/split-run.suite.ts';
import { castTo, decodeFloat64 } from '../test-support/fixtures.ts';
import {
  concatArrays,
  type FloatArray,
  type FloatDtype,
  type StreamingAlgorithm,
} from '../types.ts';
import fixture from './fixtures/resample.json' with { type: 'json' };
import {
  createPolyphaseKernels,
  decimate,
  firwin,
  limitDenominator,
  resampleParams,
  resamplePoly,
  type FirWindow,
  type PolyphaseKernel,
  type PolyphaseState,
} from './index.ts';
import { type AnyPolyphaseKernel, jsPolyphaseKernel } from './kernels.ts';
import {
  finishPolyphase,
  finishPolyphaseAsync,
  updatePolyphase,
  updatePolyphaseAsync,
} from './polyphase.ts';
import { createWebgpuPolyphaseKernel } from './webgpu/kernel.ts';

interface ResampleCase {
  name: string;
  algorithm: 'resample_poly' | 'decimate';
  dtype: FloatDtype;
  params: Record<string, unknown>;
  input: keyof typeof fixture.inputs;
  count: number;
  expected: string;
}

const cases = fixture.cases as ResampleCase[];
const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

function inputOf(testCase: ResampleCase): FloatArray {
  const all = inputs.get(testCase.input);
  if (all === undefined) throw new Error(`no input ${testCase.input}`);
  return castTo(testCase.dtype, all.subarray(0, testCase.count));
}

type Resampler = StreamingAlgorithm<unknown, PolyphaseState, FloatArray>;

function algorithmOf(testCase: ResampleCase): Resampler {
  return testCase.algorithm === 'decimate' ? decimate : resamplePoly;
}

/**
 * Streams `values` in chunks of `chunk` samples, as a worker does: through the algorithm's own
 * update/finish (the js kernel), or through the polyphase core on `kernel`.
 */
function stream(
  algorithm: Resampler,
  params: unknown,
  dtype: FloatDtype,
  values: FloatArray,
  chunk: number,
  kernel?: PolyphaseKernel,
) {
  const state = algorithm.init(algorithm.params(params), dtype);
  const parts: FloatArray[] = [];
  for (let at = 0; at < values.length; at += chunk) {
    const part = values.subarray(at, at + chunk);
    parts.push(
      kernel === undefined ? algorithm.update(state, part) : updatePolyphase(state, part, kernel),
    );
  }
  parts.push(kernel === undefined ? algorithm.finish(state) : finishPolyphase(state, kernel));
  return concatArrays(dtype, parts);
}

function runCase(testCase: ResampleCase, chunk: number, kernel?: PolyphaseKernel): FloatArray {
  return stream(
    algorithmOf(testCase),
    testCase.params,
    testCase.dtype,
    inputOf(testCase),
    chunk,
    kernel,
  );
}

/** `runCase` through the async block runner, which takes any kernel (webgpu's included). */
async function runCaseAsync(
  testCase: ResampleCase,
  chunk: number,
  kernel: AnyPolyphaseKernel,
): Promise<FloatArray> {
  const algorithm = algorithmOf(testCase);
  const values = inputOf(testCase);
  const state = algorithm.init(algorithm.params(testCase.params), testCase.dtype);
  const parts: FloatArray[] = [];
  for (let at = 0; at < values.length; at += chunk) {
    parts.push(await updatePolyphaseAsync(state, values.subarray(at, at + chunk), kernel));
  }
  parts.push(await finishPolyphaseAsync(state, kernel));
  return concatArrays(testCase.dtype, parts);
}

const wasmKernel = createPolyphaseKernels().get('wasm');
// This runtime's GPU: Dawn on SwiftShader in Node, navigator.gpu in Chromium.
const gpu = lazyGpuKernel((found) => createWebgpuPolyphaseKernel(found, jsPolyphaseKernel));

runCaseTable<ResampleCase>({
  algorithm: 'resample',
  cases,
  expected: (testCase) => ({ y: decodeFloat64(testCase.expected) }),
  backends: [
    {
      backend: 'js',
      // float64: the same taps, summed in another order (scipy's ≈ 1e-16). float32: scipy sums
      // in float32, we in float64 rounded once (≈ 1e-7).
      tolerance: { float32: 1e-6, float64: 1e-14 },
      run: (testCase) => Promise.resolve({ y: runCase(testCase, 1000) }),
    },
    {
      backend: 'wasm',
      // The js kernel's float64 products, summed over SIMD lanes in another order
      // (wasm/polyphase.wat): a few float64 ulps per output, so the js row's tolerances hold.
      tolerance: { float32: 1e-6, float64: 1e-14 },
      run: async (testCase) => ({ y: runCase(testCase, 1000, await wasmKernel) }),
    },
    {
      backend: 'webgpu',
      // float32 taps × samples summed in compensated float32 (webgpu/shader.ts): each product
      // rounded once (≤ 2⁻²⁴ relative), so within the 1e-5 norm-wise float32 tolerance.
      // Outputs reading NaN/±Infinity come from the js kernel (webgpu/kernel.ts).
      tolerance: { float32: 1e-5 },
      skip: (testCase) =>
        testCase.dtype === 'float64' ? 'WebGPU has no float64 (WGSL has no f64 type)' : undefined,
      run: async (testCase) => ({ y: await runCaseAsync(testCase, 1000, await gpu.kernel()) }),
    },
  ],
  unavailable: async (backend) => {
    if (backend === 'webgpu') return gpu.unavailable(backend);
    if (backend !== 'wasm') return undefined;
    try {
      await wasmKernel;
      return undefined;
    } catch (error) {
      if (isAlgorithmError(error, 'unavailable')) return error.message;
      throw error;
    }
  },
});

describe('resample streaming', () => {
  it.each(cases.map((testCase) => [`${testCase.name} (${testCase.dtype})`, testCase] as const))(
    'gives the one-shot bytes in chunks of any size: %s',
    (_title, testCase) => {
      const once = runCase(testCase, Math.max(1, testCase.count));
      for (const chunk of [1, 2, 7, 64, 333]) expect(runCase(testCase, chunk)).toEqual(once);
    },
  );

  it('gives the same bytes whatever the split, with the state cloned between chunks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(Number.NaN)),
          {
            maxLength: 300,
          },
        ),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(300), { maxLength: 6 }),
        (list, up, down, cuts) => {
          const values = Float64Array.from(list);
          const params = resamplePoly.params({ up, down });
          const whole = stream(resamplePoly, { up, down }, 'float64', values, values.length || 1);
          const parts = runSplit(resamplePoly, params, 'float64', values, cuts);
          const joined = concatArrays('float64', parts);
          expect(joined.length).toBe(Math.ceil((values.length * params.up) / params.down));
          expect(joined).toEqual(whole);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('asks for smaller chunks rather than allocating more than it can, leaving the state as it was', () => {
    const state = resamplePoly.init(resamplePoly.params({ up: 2 ** 16, down: 1 }), 'float32');
    const before = structuredClone(state);
    try {
      resamplePoly.update(state, new Float32Array(2 ** 13));
      expect.unreachable();
    } catch (error) {
      expect(isAlgorithmError(error, 'payload_too_large')).toBe(true);
    }
    expect(state).toEqual(before);
    expect(resamplePoly.update(state, new Float32Array(16)).length).toBeGreaterThan(0);
  });

  it('refuses updates after finish', () => {
    const state = resamplePoly.init(resamplePoly.params({ up: 2, down: 3 }), 'float64');
    resamplePoly.finish(state);
    expect(() => resamplePoly.update(state, new Float64Array(3))).toThrow(/after finish/);
  });
});

describe('resample NaN rule', () => {
  it("spreads a NaN to exactly the outputs whose taps (scipy's zero padding included) read it", () => {
    const gaps = cases.find(
      (testCase) => testCase.name === 'NaN and inf 3/2' && testCase.dtype === 'float64',
    );
    expect(gaps).toBeDefined();
    if (gaps === undefined) return;
    const expected = decodeFloat64(gaps.expected);
    const got = runCase(gaps, 50);
    const nanAt = (values: ArrayLike<number>) => Array.from(values, Number.isNaN);
    expect(nanAt(got)).toEqual(nanAt(expected));
    expect(nanAt(got).filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe('firwin', () => {
  it.each(
    fixture.firwin.map((spec) => [spec.numtaps, spec.cutoff, spec.window, spec.taps] as const),
  )('matches scipy: %i taps, cutoff %f, %o', (numtaps, cutoff, window, taps) => {
    const reference = decodeFloat64(taps);
    const got = firwin(numtaps, cutoff, window as FirWindow);
    const peak = Math.max(...reference.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < numtaps; i++)
      worst = Math.max(worst, Math.abs((got[i] as number) - (reference[i] as number)));
    expect(worst / peak).toBeLessThanOrEqual(1e-15);
  });

  it('refuses a cutoff outside (0, 1) and a bad window', () => {
    expect(() => firwin(21, 1)).toThrow(/cutoff/);
    expect(() => firwin(21, Number.NaN)).toThrow(/cutoff/);
    expect(() => firwin(0, 0.5)).toThrow(/numtaps/);
    expect(() => firwin(21, 0.5, { name: 'kaiser', beta: Number.POSITIVE_INFINITY })).toThrow(
      /beta/,
    );
    expect(() => firwin(21, 0.5, { name: 'tukey' } as unknown as FirWindow)).toThrow(
      /window must be/,
    );
  });
});

describe('resample params', () => {
  it('reduces up/down by their gcd', () => {
    expect(resampleParams({ up: 4, down: 6 })).toMatchObject({ up: 2, down: 3 });
    expect(resampleParams({ up: 44100, down: 48000 })).toMatchObject({ up: 147, down: 160 });
  });

  it('turns a float ratio into the closest up/down with a bounded denominator', () => {
    expect(resampleParams({ ratio: 0.91875 })).toMatchObject({ up: 147, down: 160 });
    expect(resampleParams({ ratio: 2.5 })).toMatchObject({ up: 5, down: 2 });
    expect(resampleParams({ ratio: Math.PI, maxRelativeError: 1e-6 })).toMatchObject({
      up: 355,
      down: 113,
    });
    // Python: Fraction(0.1).limit_denominator(1000) == Fraction(1, 10); Fraction(math.pi)…(100) == 311/99.
    expect(limitDenominator(0.1, 1000)).toEqual([1, 10]);
    expect(limitDenominator(Math.PI, 100)).toEqual([311, 99]);
  });

  it('refuses ratios it cannot express closely or that need too large a factor', () => {
    expect(() => resampleParams({ ratio: Math.PI })).toThrow(/away/);
    expect(() => resampleParams({ ratio: 1e6 })).toThrow(/factor above/);
    expect(() => resampleParams({ ratio: 1e-6 })).toThrow(/below/);
    expect(() => resampleParams({ ratio: 2, up: 2 })).toThrow(/either ratio/);
  });

  it('refuses non-finite, non-integer and too large factors, and bad filters', () => {
    for (const bad of [
      0,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '2',
      undefined,
      2 ** 16 + 1,
    ]) {
      expect(() => resampleParams({ up: bad, down: 1 })).toThrow(/up must be an integer/);
      expect(() => resampleParams({ up: 1, down: bad })).toThrow(/down must be an integer/);
    }
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, -2, 0]) {
      expect(() => resampleParams({ ratio: bad })).toThrow(/ratio must be/);
    }
    expect(() => resampleParams({ up: 2, down: 1, fir: [1, Number.NaN] })).toThrow(/fir\[1\]/);
    expect(() => resampleParams({ up: 2, down: 1, fir: [] })).toThrow(/taps/);
    expect(() => resampleParams({ up: 2, down: 1, fir: 'abc' })).toThrow(/array/);
    expect(() => decimate.params({ q: 0 })).toThrow(/q must be an integer/);
    try {
      resampleParams(null);
      expect.unreachable();
    } catch (error) {
      expect(isAlgorithmError(error, 'bad_request')).toBe(true);
    }
  });

  it('decimates by 1 as a copy (scipy refuses q = 1)', () => {
    const x = Float32Array.of(1, Number.NaN, 3);
    expect(stream(decimate as Resampler, { q: 1 }, 'float32', x, 2)).toEqual(x);
  });
});
