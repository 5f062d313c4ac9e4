// The windowed case table's cases and driver for the Chromium run (windowed.browser.test.ts):
// the same fixture, input casting and chunked streaming as windowed.test.ts, without the Node
// GPU that file brings in.
import { castTo, decodeFloat64 } from '../../test-support/fixtures.ts';
import type { FloatArray, FloatDtype } from '../../types.ts';
import fixture from '../fixtures/windowed.json' with { type: 'json' };
import type { WindowKernel } from '../kernels.ts';
import { windowed, windowedParams, type WindowedOutput } from '../reference.ts';
import { updateWithKernel } from '../run.ts';

export interface WindowedCase {
  name: string;
  dtype: FloatDtype;
  params: { window: number; partial: 'keep' | 'drop' };
  input: keyof typeof fixture.inputs;
  count: number;
  expected: Record<'min' | 'max' | 'mean' | 'count', string>;
}

export const cases = fixture.cases as WindowedCase[];
const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

export function inputOf(testCase: WindowedCase): FloatArray {
  const all = inputs.get(testCase.input);
  if (all === undefined) throw new Error(`no input ${testCase.input}`);
  return castTo(testCase.dtype, all.subarray(0, testCase.count));
}

export function expectedOf(testCase: WindowedCase): Record<string, Float64Array> {
  return {
    min: decodeFloat64(testCase.expected.min),
    max: decodeFloat64(testCase.expected.max),
    mean: decodeFloat64(testCase.expected.mean),
    count: decodeFloat64(testCase.expected.count),
  };
}

/** Streams the case's input in chunks of `chunk` samples through `kernel`, as a worker does. */
export async function stream(
  kernel: WindowKernel,
  testCase: WindowedCase,
  chunk: number,
): Promise<Record<string, number[]>> {
  const values = inputOf(testCase);
  const state = windowed.init(windowedParams(testCase.params), testCase.dtype);
  const parts: WindowedOutput[] = [];
  for (let at = 0; at < values.length; at += chunk) {
    parts.push(await updateWithKernel(kernel, state, values.subarray(at, at + chunk)));
  }
  parts.push(windowed.finish(state));
  const out: Record<string, number[]> = { min: [], max: [], mean: [], count: [] };
  for (const part of parts) {
    for (const key of ['min', 'max', 'mean', 'count'] as const) out[key]?.push(...part[key]);
  }
  return out;
}
