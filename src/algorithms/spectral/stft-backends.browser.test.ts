// The STFT kernels' case table in Chromium: the js kernel, and the WebGPU kernel on
// navigator.gpu (SwiftShader here, launched with --enable-unsafe-webgpu by scripts/chromium.mjs).
import { afterAll, expect, it } from 'vitest';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { inputOf } from './spectral.suite.ts';
import { jsStftKernel, stftBlockFrames, stftOutputLength } from './stft-kernels.ts';
import { stftParams } from './stft.ts';
import { cases, expectedOf, rows, type StftBlockCase } from './webgpu/cases.suite.ts';
import { createWebgpuStftKernel, type WebgpuStftKernel } from './webgpu/kernel.ts';

let created: Promise<WebgpuStftKernel> | undefined;
const webgpu = () => (created ??= createWebgpuStftKernel(navigator.gpu, jsStftKernel));

runCaseTable<StftBlockCase>({
  algorithm: 'stft kernels (Chromium)',
  cases,
  expected: expectedOf,
  backends: rows(jsStftKernel, webgpu),
  unavailable: async (backend) => {
    if (backend !== 'webgpu') return undefined;
    try {
      await webgpu();
      return undefined;
    } catch (error) {
      return `no WebGPU in this Chromium: ${error instanceof Error ? error.message : String(error)}`;
    }
  },
});

it('splits under a small binding limit on navigator.gpu, with the same frames', async () => {
  const small = await createWebgpuStftKernel(navigator.gpu, jsStftKernel, {
    limits: { maxStorageBufferBindingSize: 16384 },
  });
  try {
    const params = stftParams({ nperseg: 128, noverlap: 64 });
    const samples = inputOf({ input: 'sine', count: 64 * 40 + 64 }, 'float32');
    const length = stftOutputLength(params, stftBlockFrames(params, samples.length));
    const [split, whole] = [new Float32Array(length), new Float32Array(length)];
    expect(await small.frames(samples, params, split)).toBe(40);
    // 16 KiB: 2048 complex values, 16 frames of 128 per submission.
    expect(small.stats.submits).toBe(3);
    await (await webgpu()).frames(samples, params, whole);
    expect(Array.from(split)).toEqual(Array.from(whole));
  } finally {
    small.context.close();
  }
});

afterAll(async () => {
  (await created?.catch(() => undefined))?.context.close();
});
