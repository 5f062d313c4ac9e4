import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { castTo, decodeFloat64 } from '../test-support/fixtures.ts';
import { arrayOf, type FloatArray, type FloatDtype, type StreamingAlgorithm } from '../types.ts';
import fixture from './fixtures/robust.json' with { type: 'json' };
import {
  createRobustKernels,
  meanStdParams,
  medianMadParams,
  robustOutputs,
  robustZ,
  robustZScore,
  rollingMeanStd,
  rollingMedianMad,
  windowsIn,
  type RobustKernel,
} from './index.ts';

type Statistic = 'meanStd' | 'medianMad' | 'zscore';

interface RobustCase {
  name: string;
  statistic: Statistic;
  dtype: FloatDtype;
  params: Record<string, unknown>;
  input: keyof typeof fixture.inputs;
  count: number;
  expected: Record<string, string>;
}

type Outputs = Record<string, FloatArray>;
type Rolling = StreamingAlgorithm<unknown, unknown, Outputs>;

const ALGORITHMS: Record<Statistic, Rolling> = {
  meanStd: rollingMeanStd as unknown as Rolling,
  medianMad: rollingMedianMad as unknown as Rolling,
  zscore: robustZScore as unknown as Rolling,
};

const cases = fixture.cases as unknown as RobustCase[];
const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

function inputOf(testCase: RobustCase): FloatArray {
  const all = inputs.get(testCase.input);
  if (all === undefined) throw new Error(`no input ${testCase.input}`);
  return castTo(testCase.dtype, all.subarray(0, testCase.count));
}

function join(parts: Outputs[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const part of parts) {
    for (const [key, values] of Object.entries(part)) (out[key] ??= []).push(...values);
  }
  return out;
}

/** Streams `values` at the given cut points, cloning the state between chunks as a job may. */
function stream(
  algorithm: Rolling,
  params: unknown,
  dtype: FloatDtype,
  values: FloatArray,
  cuts: number[],
) {
  let state = algorithm.init(algorithm.params(params), dtype);
  const parts: Outputs[] = [];
  let from = 0;
  for (const to of [...cuts, values.length]) {
    parts.push(algorithm.update(state, values.subarray(from, to)));
    state = structuredClone(state);
    from = to;
  }
  parts.push(algorithm.finish(state));
  return join(parts);
}

function chunked(length: number, size: number): number[] {
  const cuts: number[] = [];
  for (let at = size; at < length; at += size) cuts.push(at);
  return cuts;
}

function runCase(testCase: RobustCase, size: number) {
  const values = inputOf(testCase);
  return stream(
    ALGORITHMS[testCase.statistic],
    testCase.params,
    testCase.dtype,
    values,
    chunked(values.length, size),
  );
}

runCaseTable<RobustCase>({
  algorithm: 'robust',
  cases,
  expected: (testCase) =>
    Object.fromEntries(
      Object.entries(testCase.expected).map(([key, text]) => [key, decodeFloat64(text)]),
    ),
  backends: [
    {
      backend: 'js',
      // Both sides compute in float64 and round once to the dtype: float32 differs only where
      // numpy's pairwise sums and ours round the float64 value to different float32 neighbours.
      tolerance: { float32: 1e-7, float64: 1e-14 },
      run: (testCase) => Promise.resolve(runCase(testCase, 1000)),
    },
  ],
});

/**
 * The case through the kernel contract: the whole input as one block. The z-score comes from
 * the kernel's median/MAD with the z-score's params (scale 1.4826), asked for in float64 so z
 * is zscore.ts's value before its one rounding to the dtype.
 */
async function runBlock(kernel: RobustKernel, testCase: RobustCase): Promise<Outputs> {
  const block = inputOf(testCase);
  const { dtype, statistic } = testCase;
  if (statistic === 'meanStd') {
    const params = meanStdParams(testCase.params);
    const out = robustOutputs('meanStd', dtype, windowsIn(block.length, params.window));
    await kernel.meanStd(block, params, out);
    return { mean: out.mean, std: out.std };
  }
  const params =
    statistic === 'medianMad'
      ? medianMadParams(testCase.params)
      : robustZScore.params(testCase.params);
  const count = windowsIn(block.length, params.window);
  if (statistic === 'medianMad') {
    const out = robustOutputs('medianMad', dtype, count);
    await kernel.medianMad(block, params, out);
    return { median: out.median, mad: out.mad };
  }
  const out = robustOutputs('medianMad', 'float64', count);
  await kernel.medianMad(block, params, out);
  const z = arrayOf(dtype, count);
  robustZ(block, params.window, out.median, out.mad, z);
  return { z };
}

const kernels = createRobustKernels();

// The kernels through the block contract. Tolerances as the js row's: the wasm kernel runs the
// reference's float64 operations in the same order (its own test checks the bytes).
runCaseTable<RobustCase>({
  algorithm: 'robust kernels (one block)',
  cases,
  expected: (testCase) =>
    Object.fromEntries(
      Object.entries(testCase.expected).map(([key, text]) => [key, decodeFloat64(text)]),
    ),
  backends: (['js', 'wasm'] as const).map((backend) => ({
    backend,
    tolerance: { float32: 1e-7, float64: 1e-14 },
    run: async (testCase: RobustCase) => runBlock(await kernels.get(backend), testCase),
  })),
});

describe('robust streaming', () => {
  it.each(
    cases.map(
      (testCase) =>
        [`${testCase.statistic} ${testCase.name} (${testCase.dtype})`, testCase] as const,
    ),
  )('gives the one-shot bytes in chunks of any size: %s', (_title, testCase) => {
    const once = runCase(testCase, Math.max(1, testCase.count));
    for (const size of [1, 3, 64, 333]) expect(runCase(testCase, size)).toEqual(once);
  });

  it.each(Object.keys(ALGORITHMS) as Statistic[])(
    '%s: any split of the input gives the same bytes',
    (statistic) => {
      const algorithm = ALGORITHMS[statistic];
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.double({ min: -1e3, max: 1e3, noNaN: true }),
              fc.integer({ min: -2, max: 2 }),
              fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e6),
            ),
            { maxLength: 200 },
          ),
          fc.integer({ min: 1, max: 40 }),
          fc.array(fc.nat(200), { maxLength: 6 }),
          (list, window, cuts) => {
            const values = Float64Array.from(list);
            const params = { window, minPeriods: Math.max(1, window >> 1), ddof: 1 };
            const whole = stream(algorithm, params, 'float64', values, []);
            const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort(
              (a, b) => a - b,
            );
            const split = stream(algorithm, params, 'float64', values, points);
            expect(split).toEqual(whole);
            for (const output of Object.values(whole))
              expect(output.length).toBe(Math.max(0, values.length - window + 1));
          },
        ),
        { numRuns: 100 },
      );
    },
  );
});

describe('robust numerics and rules', () => {
  it('keeps 1e-12 relative accuracy on 1e6 + noise over a long stream', () => {
    const n = 200_000;
    const window = 500;
    const values = new Float64Array(n);
    let seed = 1;
    for (let i = 0; i < n; i++) {
      seed = (seed * 16807) % 2147483647;
      values[i] = 1e6 + (seed / 2147483647 - 0.5);
    }
    const got = stream(
      rollingMeanStd as unknown as Rolling,
      { window },
      'float64',
      values,
      chunked(n, 4096),
    );
    // The last windows against a two-pass float64 computation of their own.
    for (const i of [n - window, n - window - 12345, 100_000]) {
      const slice = values.subarray(i, i + window);
      // Shifted by a sample, so the reference's own sum loses nothing to the offset.
      const shift = slice[0] as number;
      const mean = shift + slice.reduce((a, b) => a + (b - shift), 0) / window;
      const m2 = slice.reduce((a, b) => a + (b - mean) ** 2, 0);
      expect(Math.abs((got.mean?.[i] as number) - mean) / mean).toBeLessThan(1e-15);
      expect(
        Math.abs((got.std?.[i] as number) - Math.sqrt(m2 / window)) / Math.sqrt(m2 / window),
      ).toBeLessThan(1e-12);
    }
  });

  it('gives a std of 0 for a constant window after an outlier left it', () => {
    const values = Float64Array.from({ length: 40 }, (_, i) => (i === 3 ? 1e9 : 0.1));
    const got = stream(rollingMeanStd as unknown as Rolling, { window: 8 }, 'float64', values, []);
    expect(got.std?.slice(-20).every((std) => std === 0)).toBe(true);
    expect(got.mean?.slice(-20).every((mean) => Math.abs(mean - 0.1) < 1e-16)).toBe(true);
  });

  it('rescans a constant signal only on schedule (once per window), not every sample', () => {
    const state = rollingMeanStd.init(rollingMeanStd.params({ window: 1000 }), 'float64');
    const out = rollingMeanStd.update(state, new Float64Array(5500).fill(0.1));
    expect(state.sinceRescan).toBe(500);
    expect(out.std.every((std) => std === 0)).toBe(true);
  });

  it('z-score: ±Infinity off the median and NaN on it when the MAD is 0', () => {
    const values = Float64Array.of(5, 5, 5, 7, 5, 3, 5);
    const got = stream(robustZScore as unknown as Rolling, { window: 5 }, 'float64', values, []);
    // Windows [5,5,5,7,5] [5,5,7,5,3] [5,7,5,3,5]: MAD 0 each; last samples 5, 3, 5.
    expect(got.z).toEqual([Number.NaN, Number.NEGATIVE_INFINITY, Number.NaN]);
  });

  it('NaN gaps: minPeriods decides, a NaN sample has z NaN', () => {
    const values = Float64Array.of(1, Number.NaN, 3, 4, Number.NaN);
    const median = stream(
      rollingMedianMad as unknown as Rolling,
      { window: 3, minPeriods: 2 },
      'float64',
      values,
      [],
    );
    expect(median.median).toEqual([2, 3.5, 3.5]);
    const strict = stream(
      rollingMedianMad as unknown as Rolling,
      { window: 3 },
      'float64',
      values,
      [],
    );
    expect(strict.median).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    const z = stream(
      robustZScore as unknown as Rolling,
      { window: 3, minPeriods: 2 },
      'float64',
      values,
      [],
    );
    expect(Number.isNaN(z.z?.[2])).toBe(true);
  });

  it('refuses bad windows, minPeriods, ddof and scales', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '8', undefined, 2 ** 30]) {
      expect(() => meanStdParams({ window: bad })).toThrow(/window must be an integer/);
      expect(() => medianMadParams({ window: bad })).toThrow(/window must be an integer/);
    }
    expect(() => medianMadParams({ window: 2 ** 16 + 1 })).toThrow(/window must be an integer/);
    expect(() => meanStdParams({ window: 8, minPeriods: 9 })).toThrow(/minPeriods/);
    expect(() => meanStdParams({ window: 8, ddof: 2 })).toThrow(/ddof/);
    expect(() => medianMadParams({ window: 8, scale: 0 })).toThrow(/scale/);
    expect(() => robustZScore.params({ window: 8, scale: Number.NaN })).toThrow(/scale/);
    try {
      rollingMeanStd.params(null);
      expect.unreachable();
    } catch (error) {
      expect(isAlgorithmError(error, 'bad_request')).toBe(true);
    }
  });
});
