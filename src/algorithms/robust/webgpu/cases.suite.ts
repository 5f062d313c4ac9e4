// The robust case table's cases for kernel rows (the WebGPU one here): the same fixture and
// input casting as robust.test.ts, each case run as one block through a RobustKernel. The
// z-score has no kernel of its own: it is computed from the kernel's median/MAD outputs as
// zscore.ts does, z = (x_t − median) / (scale · MAD) of the window ending at t (a NaN sample,
// a window under minPeriods or an infinite median give NaN; MAD 0 gives ±∞ or NaN).
import { castTo, decodeFloat64 } from '../../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../../types.ts';
import fixture from '../fixtures/robust.json' with { type: 'json' };
import { robustOutputs, windowsIn, type RobustKernel } from '../kernels.ts';
import { meanStdParams } from '../meanStd.ts';
import { medianMadParams, NORMAL_MAD_SCALE } from '../medianMad.ts';

export type Statistic = 'meanStd' | 'medianMad' | 'zscore';

export interface RobustCase {
  name: string;
  statistic: Statistic;
  dtype: FloatDtype;
  params: Record<string, unknown>;
  input: keyof typeof fixture.inputs;
  count: number;
  expected: Record<string, string>;
}

export const cases = fixture.cases as unknown as RobustCase[];

const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

export function inputOf(testCase: RobustCase): FloatArray {
  const all = inputs.get(testCase.input);
  if (all === undefined) throw new Error(`no input ${testCase.input}`);
  return castTo(testCase.dtype, all.subarray(0, testCase.count));
}

export function expectedOf(testCase: RobustCase): Record<string, Float64Array> {
  return Object.fromEntries(
    Object.entries(testCase.expected).map(([key, text]) => [key, decodeFloat64(text)]),
  );
}

/** Runs the case's whole input as one block through `kernel`, outputs in the case's dtype. */
export async function runOnKernel(
  kernel: RobustKernel,
  testCase: RobustCase,
): Promise<Record<string, FloatArray>> {
  const block = inputOf(testCase);
  const { dtype } = testCase;
  if (testCase.statistic === 'meanStd') {
    const params = meanStdParams(testCase.params);
    const out = robustOutputs('meanStd', dtype, windowsIn(block.length, params.window));
    await kernel.meanStd(block, params, out);
    return { mean: out.mean, std: out.std };
  }
  const params =
    testCase.statistic === 'medianMad'
      ? medianMadParams(testCase.params)
      : medianMadParams(testCase.params, 'robustZScore', NORMAL_MAD_SCALE);
  const count = windowsIn(block.length, params.window);
  const out = robustOutputs('medianMad', dtype, count);
  await kernel.medianMad(block, params, out);
  if (testCase.statistic === 'medianMad') return { median: out.median, mad: out.mad };
  const z = dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    // The MAD output is already scaled; the sample is the window's last.
    const last = block[i + params.window - 1] as number;
    z[i] = (last - (out.median[i] as number)) / (out.mad[i] as number);
  }
  return { z };
}
