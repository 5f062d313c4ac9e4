// The STFT kernels' case table, shared by Node (stft-backends.test.ts) and Chromium
// (stft-backends.browser.test.ts): scipy's stft fixtures, each case's signal turned into one
// block holding exactly its frames — boundary zeros in front and the trailing zeros its last
// frame takes (those are the stream's ends, which the kernels leave to their caller).
import type { BackendRow } from '../../test-support/case-table.suite.ts';
import { decodeFloat64 } from '../../test-support/fixtures.ts';
import { arrayOf, type FloatDtype } from '../../types.ts';
import { fixture, inputOf, type InputSpec } from '../spectral.suite.ts';
import type { StftKernel } from '../stft-kernels.ts';
import { stftParams, type StftParams } from '../stft.ts';
import { webgpuStftRefusal } from './kernel.ts';

export interface StftBlockCase extends InputSpec {
  name: string;
  dtype: FloatDtype;
  params: Record<string, unknown>;
  frames: number;
  bins: number;
  expected: { data: string };
}

export const cases: StftBlockCase[] = (fixture.stft as Omit<StftBlockCase, 'dtype'>[]).flatMap(
  (testCase) => (['float32', 'float64'] as const).map((dtype) => ({ ...testCase, dtype })),
);

export function paramsOf(testCase: StftBlockCase): StftParams {
  return stftParams(testCase.params);
}

/** The case's signal with its boundary zeros and end zeros: exactly `frames` frames long. */
export function blockOf(testCase: StftBlockCase) {
  const params = paramsOf(testCase);
  const signal = inputOf(testCase, testCase.dtype);
  const edge = params.boundary === 'zeros' ? Math.floor(params.nperseg / 2) : 0;
  const span = (testCase.frames - 1) * (params.nperseg - params.noverlap) + params.nperseg;
  const block = arrayOf(testCase.dtype, Math.max(span, edge + signal.length));
  block.set(signal, edge);
  return block.subarray(0, span);
}

export function expectedOf(testCase: StftBlockCase) {
  return {
    data: decodeFloat64(testCase.expected.data),
    shape: [testCase.frames, testCase.bins],
  };
}

/** The case on one kernel: its frames, and the shape they came in. */
export async function runOn(kernel: StftKernel, testCase: StftBlockCase) {
  const params = paramsOf(testCase);
  const block = blockOf(testCase);
  const out = arrayOf(testCase.dtype, testCase.frames * 2 * testCase.bins);
  const frames = await kernel.frames(block, params, out);
  return { data: out, shape: [frames, out.length / (2 * Math.max(1, frames))] };
}

/** The js and webgpu rows (the webgpu kernel from `webgpu()`, per runtime). */
export function rows(
  js: StftKernel,
  webgpu: () => Promise<StftKernel>,
): BackendRow<StftBlockCase>[] {
  return [
    {
      backend: 'js',
      // stftInto itself: float64 arithmetic, float32 output rounded once.
      tolerance: { float32: 1e-6, float64: 1e-12 },
      run: (testCase) => runOn(js, testCase),
    },
    {
      backend: 'webgpu',
      tolerance: { float32: 1e-5 },
      skip: (testCase) => webgpuStftRefusal(paramsOf(testCase), testCase.dtype),
      run: async (testCase) => runOn(await webgpu(), testCase),
    },
  ];
}
