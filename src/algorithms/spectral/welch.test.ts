import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { decodeFloat64 } from '../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../types.ts';
import { welch, welchParams, type WelchResult } from './index.ts';
import { CHUNK_SIZES, chunksOf, fixture, inputOf, type InputSpec } from './spectral.suite.ts';

interface WelchCase extends InputSpec {
  name: string;
  dtype: FloatDtype;
  params: Record<string, unknown>;
  segments: number;
  skippedSegments: number;
  expected: { frequencies: string; psd: string };
}

const cases: WelchCase[] = (fixture.welch as Omit<WelchCase, 'dtype'>[]).flatMap((testCase) =>
  (['float32', 'float64'] as const).map((dtype) => ({ ...testCase, dtype })),
);

/** Streams the input through welch in chunks, carrying the state through a structured clone. */
function run(testCase: WelchCase, chunks: FloatArray[]): WelchResult {
  let state = welch.init(welchParams(testCase.params), testCase.dtype);
  for (const chunk of chunks) {
    expect(welch.update(state, chunk)).toBeNull();
    state = structuredClone(state);
  }
  const result = welch.finish(state);
  if (result === null) throw new Error('welch.finish gave no result');
  return result;
}

runCaseTable<WelchCase>({
  algorithm: 'welch',
  cases,
  expected: (testCase) => ({
    frequencies: decodeFloat64(testCase.expected.frequencies),
    psd: decodeFloat64(testCase.expected.psd),
    counts: [testCase.segments, testCase.skippedSegments],
  }),
  backends: [
    {
      backend: 'js',
      // float64 arithmetic throughout; float32 inputs are exact, so both meet 1e-12.
      tolerance: { float32: 1e-12, float64: 1e-12 },
      run: async (testCase) => {
        const result = run(testCase, chunksOf(inputOf(testCase, testCase.dtype), 1000));
        return {
          frequencies: result.frequencies,
          psd: result.psd,
          counts: [result.segments, result.skippedSegments],
        };
      },
    },
  ],
});

describe('welch', () => {
  it('gives the same output whatever the chunk sizes', () => {
    for (const testCase of cases.filter((c) => c.dtype === 'float32')) {
      const input = inputOf(testCase, testCase.dtype);
      const once = run(testCase, [input]);
      for (const size of CHUNK_SIZES) {
        const split = run(testCase, chunksOf(input, size));
        expect(split, `${testCase.name}, chunks of ${size}`).toEqual(once);
      }
    }
  });

  it('gives empty arrays for an empty signal', () => {
    const state = welch.init(welchParams({}), 'float64');
    const result = welch.finish(state);
    expect(result?.psd.length).toBe(0);
    expect(result?.segments).toBe(0);
  });

  it('gives NaN in every bin when every segment held NaN', () => {
    const state = welch.init(welchParams({ nperseg: 8 }), 'float64');
    welch.update(
      state,
      Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? NaN : i)),
    );
    const result = welch.finish(state);
    expect(result?.segments).toBe(0);
    expect(result?.skippedSegments).toBe(3);
    expect(result?.psd.every((value) => Number.isNaN(value))).toBe(true);
  });

  it('refuses chunks of another dtype than the stream', () => {
    const state = welch.init(welchParams({}), 'float64');
    expect(() => welch.update(state, new Float32Array(4))).toThrow(/Float64Array/);
  });

  it('refuses bad parameters with bad_request', () => {
    const bad: unknown[] = [
      null,
      { nperseg: 0 },
      { nperseg: 16, noverlap: 16 },
      { nperseg: 16, noverlap: -1 },
      { nperseg: 16, nfft: 8 },
      { fs: 0 },
      { fs: Number.NaN },
      { window: 'kaiser' },
      { detrend: 'linear' },
      { scaling: 'magnitude' },
      { average: 'max' },
      { onesided: 'yes' },
    ];
    for (const params of bad) {
      try {
        welchParams(params);
        expect.unreachable(JSON.stringify(params));
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
      }
    }
  });
});
