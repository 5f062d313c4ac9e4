import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { runSplit } from '../test-support/split-run.suite.ts';
import { castTo, decodeFloat64 } from '../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../types.ts';
import fixture from './fixtures/windowed.json' with { type: 'json' };
import { jsWindowKernel, type WindowKernel } from './kernels.ts';
import { windowed, windowedParams, type WindowedOutput } from './reference.ts';
import { updateWithKernel } from './run.ts';
import { createWasmWindowKernel, type WasmWindowKernel } from './wasm/kernel.ts';
import {
  nodeWebgpuWindowKernel,
  webgpuAbsence,
  webgpuDtypeSkip,
} from './webgpu/node-kernel.suite.ts';

interface WindowedCase {
  name: string;
  dtype: FloatDtype;
  params: { window: number; partial: 'keep' | 'drop' };
  input: keyof typeof fixture.inputs;
  count: number;
  expected: Record<'min' | 'max' | 'mean' | 'count', string>;
}

const cases = fixture.cases as WindowedCase[];
const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

function inputOf(testCase: WindowedCase): FloatArray {
  const all = inputs.get(testCase.input);
  if (all === undefined) throw new Error(`no input ${testCase.input}`);
  return castTo(testCase.dtype, all.subarray(0, testCase.count));
}

function join(parts: WindowedOutput[]): Record<string, number[]> {
  const out: Record<string, number[]> = { min: [], max: [], mean: [], count: [] };
  for (const part of parts) {
    for (const key of ['min', 'max', 'mean', 'count'] as const) out[key]?.push(...part[key]);
  }
  return out;
}

/** Streams `values` in chunks of `chunk` samples through `kernel`, as a worker does. */
async function stream(
  kernel: WindowKernel,
  testCase: WindowedCase,
  values: FloatArray,
  chunk: number,
  nanFree = false,
) {
  const state = windowed.init(windowedParams(testCase.params), testCase.dtype);
  const parts: WindowedOutput[] = [];
  for (let at = 0; at < values.length; at += chunk) {
    parts.push(await updateWithKernel(kernel, state, values.subarray(at, at + chunk), nanFree));
  }
  parts.push(windowed.finish(state));
  return join(parts);
}

let wasmKernel: Promise<WasmWindowKernel> | undefined;
const wasm = () => (wasmKernel ??= createWasmWindowKernel());

/** Why the wasm backend cannot run here (no SIMD128), or undefined. */
async function wasmAbsence(): Promise<string | undefined> {
  try {
    await wasm();
    return undefined;
  } catch (error) {
    if (isAlgorithmError(error, 'unavailable')) return error.message;
    throw error;
  }
}

/** The wasm row: min, max and count exact; the mean from float64 lane sums (see below). */
const wasmRow = (nanFree: boolean) => ({
  backend: 'wasm' as const,
  // The mean sums in float64 over SIMD lanes, not in sequence: float32 means round the same
  // but for a last-bit tie (1e-6 allows it); float64 as the js row (numpy sums pairwise).
  tolerance: { float32: 1e-6, float64: 1e-14 },
  run: async (testCase: WindowedCase) =>
    stream(await wasm(), testCase, inputOf(testCase), 1000, nanFree),
});

const expected = (testCase: WindowedCase) => ({
  min: decodeFloat64(testCase.expected.min),
  max: decodeFloat64(testCase.expected.max),
  mean: decodeFloat64(testCase.expected.mean),
  count: decodeFloat64(testCase.expected.count),
});

runCaseTable<WindowedCase>({
  algorithm: 'windowed',
  cases,
  expected,
  backends: [
    {
      backend: 'js',
      // float32 is exact (float64 sums rounded once); float64 differs from numpy's pairwise
      // summation in the last bits only.
      tolerance: { float32: 0, float64: 1e-14 },
      run: (testCase) => stream(jsWindowKernel, testCase, inputOf(testCase), 1000),
    },
    {
      backend: 'webgpu',
      // min, max and count exact; the mean from compensated float32 sums (1e-5 norm-wise).
      tolerance: { float32: 1e-5 },
      skip: (testCase) => webgpuDtypeSkip(testCase.dtype),
      run: async (testCase) =>
        stream(await nodeWebgpuWindowKernel(), testCase, inputOf(testCase), 1000),
    },
    wasmRow(false),
  ],
  unavailable: async (backend) =>
    backend === 'webgpu' ? webgpuAbsence() : backend === 'wasm' ? wasmAbsence() : undefined,
});

// The same cases with the manifest's promise of no NaN, where the input keeps it: the path a
// NaN-free chunk takes must give the same answers (±Infinity included).
runCaseTable<WindowedCase>({
  algorithm: 'windowed (nanFree)',
  cases,
  expected,
  backends: [
    {
      ...wasmRow(true),
      skip: (testCase) =>
        inputOf(testCase).some(Number.isNaN)
          ? 'the input holds NaN: no nanFree promise'
          : undefined,
    },
  ],
  unavailable: async (backend) => (backend === 'wasm' ? wasmAbsence() : undefined),
});

describe('windowed', () => {
  it('gives the same bytes whatever the split of the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: false }), fc.constant(Number.NaN)), {
          maxLength: 500,
        }),
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.nat(500), { maxLength: 6 }),
        (list, window, cuts) => {
          const values = Float64Array.from(list);
          const once = windowed.init({ window, partial: 'keep' }, 'float64');
          const whole = join([windowed.update(once, values), windowed.finish(once)]);
          const parts = runSplit(windowed, { window, partial: 'keep' }, 'float64', values, cuts);
          expect(join(parts)).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a window that is not a positive integer, and an unknown partial rule', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, '8', undefined, 2 ** 40]) {
      expect(() => windowedParams({ window: bad })).toThrow(/window must be an integer/);
    }
    try {
      windowedParams({ window: 4, partial: 'pad' });
      expect.unreachable();
    } catch (error) {
      expect(isAlgorithmError(error, 'bad_request')).toBe(true);
    }
  });
});
