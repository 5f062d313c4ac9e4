// The shared pipeline helpers: the per-device cache (fake devices: only identity matters),
// the workgroup count, and, on this runtime's GPU (Dawn on SwiftShader in Node), a compile
// error turned into `unavailable` and a kernel context closed when its preparation fails.
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { acquireDevice, openKernelContext } from './device.ts';
import { bufferBindings, compilePipeline, perDevice, workgroupCount } from './pipelines.ts';
import { testGpu } from './test-support/test-gpu.suite.ts';

const fakeDevice = () => ({}) as GPUDevice;

async function gpuOrSkip(context: { skip: (note: string) => never }): Promise<GPU> {
  const { gpu, reason } = await testGpu();
  if (gpu === undefined) context.skip(`no WebGPU here: ${reason ?? 'unknown'}`);
  return gpu;
}

const WGSL = `
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@compute @workgroup_size(1) fn main() { data[0] = 1u; }
`;

describe('perDevice', () => {
  it('compiles once per device and again for a new device', async () => {
    const compiled: GPUDevice[] = [];
    const get = perDevice((device) => {
      compiled.push(device);
      return Promise.resolve(compiled.length);
    });
    const [a, b] = [fakeDevice(), fakeDevice()];
    expect(await get(a)).toBe(1);
    expect(await get(a)).toBe(1);
    expect(get(a)).toBe(get(a));
    expect(await get(b)).toBe(2);
    expect(compiled).toEqual([a, b]);
  });

  it('keeps a rejected compile for its device, and a new device tries again', async () => {
    let calls = 0;
    const get = perDevice(() => {
      calls++;
      return Promise.reject(new Error(`compile ${String(calls)} failed`));
    });
    const device = fakeDevice();
    await expect(get(device)).rejects.toThrow('compile 1 failed');
    await expect(get(device)).rejects.toThrow('compile 1 failed');
    expect(calls).toBe(1);
    await expect(get(fakeDevice())).rejects.toThrow('compile 2 failed');
    expect(calls).toBe(2);
  });

  it('keys the cache by keyOf(args) within a device', async () => {
    const compiled: string[] = [];
    const get = perDevice(
      (_device, input: string, entry: string) => {
        compiled.push(`${input}/${entry}`);
        return Promise.resolve(`${input}/${entry}`);
      },
      (input, entry) => `${input} ${entry}`,
    );
    const device = fakeDevice();
    expect(await get(device, 'values', 'perThread')).toBe('values/perThread');
    expect(await get(device, 'values', 'perGroup')).toBe('values/perGroup');
    expect(await get(device, 'values', 'perThread')).toBe('values/perThread');
    expect(await get(fakeDevice(), 'values', 'perThread')).toBe('values/perThread');
    expect(compiled).toEqual(['values/perThread', 'values/perGroup', 'values/perThread']);
  });
});

describe('workgroupCount', () => {
  const limits = { maxComputeWorkgroupsPerDimension: 10 };
  it('rounds up, gives at least one group and at most the dispatch limit', () => {
    expect(workgroupCount(0, 64, limits)).toBe(1);
    expect(workgroupCount(1, 64, limits)).toBe(1);
    expect(workgroupCount(64, 64, limits)).toBe(1);
    expect(workgroupCount(65, 64, limits)).toBe(2);
    expect(workgroupCount(64 * 10 + 1, 64, limits)).toBe(10);
  });
});

describe('bufferBindings', () => {
  it('binds the buffers as 0, 1, 2… in order, whole', () => {
    const [a, b] = [{ label: 'a' }, { label: 'b' }] as unknown as GPUBuffer[];
    expect(bufferBindings([a as GPUBuffer, b as GPUBuffer])).toEqual([
      { binding: 0, resource: { buffer: a } },
      { binding: 1, resource: { buffer: b } },
    ]);
  });
});

describe('compilePipeline and openKernelContext on this runtime GPU', () => {
  it('compiles WGSL, and turns a compile error into unavailable naming the shader', async (context) => {
    const gpu = await gpuOrSkip(context);
    const { device } = await acquireDevice(gpu);
    try {
      const pipeline = await compilePipeline(device, WGSL, 'main', 'test ok');
      expect(pipeline.getBindGroupLayout(0)).toBeDefined();
      const module = device.createShaderModule({ code: WGSL, label: 'test module' });
      await expect(compilePipeline(device, module, 'main', 'test module')).resolves.toBeDefined();
      for (const [shader, message] of [
        [undefined, /^webgpu: test broken shader did not compile: /],
        ['test shader (x)', /^webgpu: test shader \(x\) did not compile: /],
      ] as const) {
        const error: unknown = await compilePipeline(
          device,
          WGSL,
          'absent',
          'test broken',
          shader,
        ).catch((caught: unknown) => caught);
        expect(isAlgorithmError(error, 'unavailable')).toBe(true);
        expect((error as Error).message).toMatch(message);
      }
    } finally {
      device.destroy();
    }
  });

  it('closes the context when the preparation fails, and says why', async (context) => {
    const gpu = await gpuOrSkip(context);
    let prepared: GPUDevice | undefined;
    const error: unknown = await openKernelContext(gpu, {}, (device) => {
      prepared = device;
      return compilePipeline(device, WGSL, 'absent', 'test broken');
    }).catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'unavailable')).toBe(true);
    const lost = await (prepared as GPUDevice).lost;
    expect(lost.reason).toBe('destroyed');

    const opened = await openKernelContext(gpu, {}, (device) =>
      compilePipeline(device, WGSL, 'main', 'test ok'),
    );
    expect(await opened.context.acquire()).toBe(opened.acquired);
    opened.context.close();
  });

  it('rejects with unavailable where there is no GPU object', async () => {
    const error: unknown = await openKernelContext(undefined, {}, () => Promise.resolve()).catch(
      (caught: unknown) => caught,
    );
    expect(isAlgorithmError(error, 'unavailable')).toBe(true);
  });
});
