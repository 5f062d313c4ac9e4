// testGpu() finds this runtime's GPU: Dawn on SwiftShader in Node, navigator.gpu in Chromium
// (case-tables.browser.test.ts imports this file), so the webgpu rows of the tables run in both.
import { expect, it } from 'vitest';
import { acquireDevice } from '../device.ts';
import { lazyGpuKernel, testGpu } from './test-gpu.suite.ts';

it('finds an adapter and a device in this runtime', async () => {
  const { gpu, reason } = await testGpu();
  expect(reason).toBeUndefined();
  const acquired = await acquireDevice(gpu);
  expect(acquired.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  acquired.device.destroy();
});

it('reports why a kernel is unavailable, for the webgpu row only', async () => {
  const lazy = lazyGpuKernel(() => Promise.reject(new Error('no adapter in this test')));
  expect(await lazy.unavailable('js')).toBeUndefined();
  expect(await lazy.unavailable('webgpu')).toBe('no WebGPU here: no adapter in this test');
});
