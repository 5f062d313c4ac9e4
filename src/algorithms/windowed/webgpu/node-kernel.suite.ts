// The WebGPU window kernel in Node tests: one per test file, on the `webgpu` package's GPU
// (Dawn on SwiftShader), destroyed after the file so the process can exit.
import { afterAll } from 'vitest';
import { nodeGpu } from '../../gpu/test-support/node-gpu.suite.ts';
import { createWebgpuWindowKernel, type WebgpuWindowKernel } from './kernel.ts';

let kernel: Promise<WebgpuWindowKernel> | undefined;

export function nodeWebgpuWindowKernel(): Promise<WebgpuWindowKernel> {
  kernel ??= nodeGpu().then(({ gpu }) => createWebgpuWindowKernel(gpu));
  return kernel;
}

/** Why the webgpu row cannot run in this Node, or undefined when it can. */
export async function webgpuAbsence(): Promise<string | undefined> {
  try {
    await nodeWebgpuWindowKernel();
    return undefined;
  } catch (error) {
    return `no WebGPU in Node here: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The skip reason of a dtype the WebGPU kernel does not take (data for the case table). */
export function webgpuDtypeSkip(dtype: string): string | undefined {
  return dtype === 'float32' ? undefined : 'WebGPU has no float64 (WGSL has no f64 type)';
}

afterAll(async () => {
  const created = await kernel?.catch(() => undefined);
  created?.context.close();
});
