// The windowed case table in Chromium: the js kernel, the wasm SIMD kernel, and the WebGPU
// kernel on navigator.gpu (SwiftShader here, launched with --enable-unsafe-webgpu by
// scripts/chromium.mjs).
import { afterAll, describe, expect, it } from 'vitest';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { jsWindowKernel } from './kernels.ts';
import { windowed } from './reference.ts';
import { createWasmWindowKernel, type WasmWindowKernel } from './wasm/kernel.ts';
import { cases, expectedOf, stream, type WindowedCase } from './webgpu/cases.suite.ts';
import { createWebgpuWindowKernel, type WebgpuWindowKernel } from './webgpu/kernel.ts';

let created: Promise<WebgpuWindowKernel> | undefined;
let wasm: Promise<WasmWindowKernel> | undefined;
const wasmKernel = () => (wasm ??= createWasmWindowKernel());
const webgpuKernel = () => (created ??= createWebgpuWindowKernel(navigator.gpu));

runCaseTable<WindowedCase>({
  algorithm: 'windowed (Chromium)',
  cases,
  expected: expectedOf,
  backends: [
    {
      backend: 'js',
      tolerance: { float32: 0, float64: 1e-14 },
      run: (testCase) => stream(jsWindowKernel, testCase, 1000),
    },
    {
      backend: 'wasm',
      // As in Node (windowed.test.ts): min, max and count exact; the mean from float64 lane sums.
      tolerance: { float32: 1e-6, float64: 1e-14 },
      run: async (testCase) => stream(await wasmKernel(), testCase, 1000),
    },
    {
      backend: 'webgpu',
      // min, max and count exact; the mean from compensated float32 sums (1e-5 norm-wise).
      tolerance: { float32: 1e-5 },
      skip: (testCase) =>
        testCase.dtype === 'float32' ? undefined : 'WebGPU has no float64 (WGSL has no f64 type)',
      run: async (testCase) => stream(await webgpuKernel(), testCase, 1000),
    },
  ],
  unavailable: async (backend) => {
    if (backend !== 'webgpu') return undefined;
    try {
      await webgpuKernel();
      return undefined;
    } catch (error) {
      return `no WebGPU in this Chromium: ${error instanceof Error ? error.message : String(error)}`;
    }
  },
});

describe('windowed on navigator.gpu', () => {
  it('has an adapter (SwiftShader: a fallback, no speed figure) and chains pyramid levels', async () => {
    const kernel = await webgpuKernel();
    const acquired = await kernel.device();
    expect(typeof acquired.isFallbackAdapter).toBe('boolean');
    const values = Float32Array.from({ length: 1024 * 16 + 5 }, (_, i) => Math.sin(i / 10) * i);
    values[3] = Number.NaN;
    const levels = await kernel.reduceLevels(values, [256, 4, 4]);
    for (const [level, window] of [256, 1024, 4096].entries()) {
      const want = windowed.update(windowed.init({ window, partial: 'drop' }, 'float32'), values);
      expect(levels[level]?.min).toEqual(want.min);
      expect(levels[level]?.max).toEqual(want.max);
      expect(levels[level]?.count).toEqual(want.count);
    }
  });
});

afterAll(async () => {
  const kernel = await created?.catch(() => undefined);
  kernel?.context.close();
});
