import { describe, expect, it } from 'vitest';
import { compareArrays } from '../accuracy.ts';
import { isAlgorithmError } from '../errors.ts';
import { createFftKernels, fftPlan, pffftUnsupported, planOn } from '../fft/index.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { decodeFloat64 } from '../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../types.ts';
import {
  stft,
  stftFrameCount,
  stftFrequencies,
  stftInto,
  stftOnPlan,
  stftParams,
  type StftOutput,
} from './index.ts';
import { CHUNK_SIZES, chunksOf, fixture, inputOf, type InputSpec } from './spectral.suite.ts';

interface StftCase extends InputSpec {
  name: string;
  dtype: FloatDtype;
  params: Record<string, unknown>;
  frames: number;
  bins: number;
  expected: { frequencies: string; times: string; data: string };
}

const cases: StftCase[] = (fixture.stft as Omit<StftCase, 'dtype'>[]).flatMap((testCase) =>
  (['float32', 'float64'] as const).map((dtype) => ({ ...testCase, dtype })),
);

interface Streamed {
  data: number[];
  times: number[];
  frames: number;
  bins: number;
  firstFrames: number[];
}

/** Streams the input through the STFT in chunks, carrying the state through a structured clone. */
function run(testCase: StftCase, chunks: FloatArray[]): Streamed {
  let state = stft.init(stftParams(testCase.params), testCase.dtype);
  const parts: StftOutput[] = [];
  for (const chunk of chunks) {
    parts.push(stft.update(state, chunk));
    state = structuredClone(state);
  }
  parts.push(stft.finish(state));
  return {
    data: parts.flatMap((part) => Array.from(part.data)),
    times: parts.flatMap((part) => Array.from(part.times)),
    frames: parts.reduce((sum, part) => sum + part.frames, 0),
    bins: parts[0]?.bins ?? 0,
    firstFrames: parts.map((part) => part.firstFrame),
  };
}

const fftKernels = createFftKernels();

/** The FFT length of a case, and why pffft does not take it (the wasm row's skip reason). */
function pffftRefusal(testCase: StftCase): string | undefined {
  const params = stftParams(testCase.params);
  return pffftUnsupported(params.nfft ?? params.nperseg, { kind: 'real', dtype: testCase.dtype });
}

/** The case streamed through stftOnPlan on pffft's plan (the wasm backend, as jobs run it). */
async function runOnPffft(testCase: StftCase) {
  const params = stftParams(testCase.params);
  const plan = await planOn(
    fftKernels,
    params.nfft ?? params.nperseg,
    { kind: 'real', dtype: 'float32' },
    ['wasm'],
  );
  try {
    const state = stft.init(params, testCase.dtype);
    const parts = chunksOf(inputOf(testCase, testCase.dtype), 300).map((chunk) =>
      stftOnPlan.update(state, chunk, plan),
    );
    parts.push(stftOnPlan.finish(state, plan));
    return {
      data: parts.flatMap((part) => Array.from(part.data)),
      times: parts.flatMap((part) => Array.from(part.times)),
      frequencies: stftFrequencies(params),
      shape: [parts.reduce((sum, part) => sum + part.frames, 0), parts[0]?.bins ?? 0],
    };
  } finally {
    plan.dispose();
  }
}

runCaseTable<StftCase>({
  algorithm: 'stft',
  cases,
  expected: (testCase) => ({
    data: decodeFloat64(testCase.expected.data),
    times: decodeFloat64(testCase.expected.times),
    frequencies: decodeFloat64(testCase.expected.frequencies),
    shape: [testCase.frames, testCase.bins],
  }),
  backends: [
    {
      backend: 'js',
      // float64 arithmetic; float32 output is that rounded once (vs scipy's float64 answer).
      tolerance: { float32: 1e-6, float64: 1e-12 },
      run: async (testCase) => {
        const result = run(testCase, chunksOf(inputOf(testCase, testCase.dtype), 300));
        return {
          data: result.data,
          times: result.times,
          frequencies: stftFrequencies(stftParams(testCase.params)),
          shape: [result.frames, result.bins],
        };
      },
    },
    {
      backend: 'wasm',
      // pffft's float32 transform (~1e-7 against scipy's float64 answer); the window, the
      // scaling and the frame bookkeeping are the js row's.
      tolerance: { float32: 1e-5 },
      skip: pffftRefusal,
      run: runOnPffft,
    },
  ],
});

describe('stft', () => {
  it('gives the same frames whatever the chunk sizes', () => {
    for (const testCase of cases.filter((c) => c.dtype === 'float32')) {
      const input = inputOf(testCase, testCase.dtype);
      const once = run(testCase, [input]);
      for (const size of CHUNK_SIZES) {
        const split = run(testCase, chunksOf(input, size));
        expect(split.data, `${testCase.name}, chunks of ${size}`).toEqual(once.data);
        expect(split.times).toEqual(once.times);
      }
    }
  });

  it('gives two-sided frames after a one-sided run with the same window (setups keyed by both)', () => {
    const input = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i / 3) + (i % 5));
    const run = (onesided: boolean) =>
      stft.update(stft.init(stftParams({ nperseg: 16, noverlap: 8, onesided }), 'float64'), input);
    const twoSidedFirst = run(false);
    const oneSided = run(true);
    const twoSidedAfter = run(false);
    expect(oneSided.bins).toBe(9);
    expect(twoSidedAfter.bins).toBe(16);
    expect([...twoSidedAfter.data]).toEqual([...twoSidedFirst.data]);
  });

  it('emits each frame from the update that completes it', () => {
    const state = stft.init(stftParams({ nperseg: 8, noverlap: 4 }), 'float64');
    const counts = [5, 3, 4, 4, 1].map((n) => stft.update(state, new Float64Array(n)).frames);
    // Frames end at samples 8, 12, 16: after 8 samples (1), 12 (2), 16 (3).
    expect(counts).toEqual([0, 1, 1, 1, 0]);
    expect(stft.finish(state).frames).toBe(0);
  });

  it('writes frames into one buffer with stftInto (the batched form)', () => {
    const testCase = cases.find((c) => c.dtype === 'float64');
    if (testCase === undefined) throw new Error('no case');
    const input = inputOf(testCase, 'float64');
    const params = stftParams({ ...testCase.params, boundary: null, padded: false });
    const state = stft.init(params, 'float64');
    const out = new Float64Array(stftFrameCount(state, input.length) * 2 * testCase.bins);
    let at = 0;
    for (const chunk of chunksOf(input, 333)) at += stftInto(state, chunk, out, at);
    const reference = stft.update(stft.init(params, 'float64'), input);
    expect(at).toBe(reference.frames);
    expect(Array.from(out)).toEqual(Array.from(reference.data));
    expect(() => stftInto(state, new Float64Array(1000), new Float64Array(1))).toThrow(/output/);
  });

  it("runs on a caller's plan: pffft-wasm for a float32 stream", async () => {
    const params = stftParams({ fs: 1000, nperseg: 256, noverlap: 128 });
    const input = inputOf({ input: 'sine', count: 4000 }, 'float32');
    const reference = stft.update(stft.init(params, 'float32'), input);
    const plan = await planOn(createFftKernels(), 256, { kind: 'real', dtype: 'float32' });
    const state = stft.init(params, 'float32');
    const out = new Float32Array(reference.data.length);
    expect(stftInto(state, input, out, 0, plan)).toBe(reference.frames);
    expect(compareArrays(out, reference.data).relativeError).toBeLessThan(1e-5);
    const coarse = fftPlan(512, { kind: 'real', dtype: 'float32' });
    expect(() => stftInto(state, input, out, 0, coarse)).toThrow(/real FFT of 256/);
    const f64 = stft.init(params, 'float64');
    expect(() => stftInto(f64, new Float64Array(10), new Float64Array(0), 0, plan)).toThrow(
      /precise/,
    );
    plan.dispose();
  });

  it('refuses bad parameters and chunks of the wrong dtype', () => {
    for (const params of [
      { boundary: 'even' },
      { padded: 1 },
      { scaling: 'density' },
      { nperseg: -4 },
    ]) {
      try {
        stftParams(params);
        expect.unreachable(JSON.stringify(params));
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
      }
    }
    const state = stft.init(stftParams({}), 'float32');
    expect(() => stft.update(state, new Float64Array(4))).toThrow(/Float32Array/);
  });
});
