// The WebGPU window kernel in Node (the `webgpu` package on SwiftShader): what the case table
// does not reach — no adapter, a lost device, inputs split under small limits, windows longer
// than a workgroup, NaN/Inf bit patterns, pyramid levels chained on the GPU.
import { describe, expect, it } from 'vitest';
import { compareArrays } from '../../accuracy.ts';
import { isAlgorithmError } from '../../errors.ts';
import { nodeGpu } from '../../gpu/test-support/node-gpu.suite.ts';
import { createWindowKernels } from '../kernels.ts';
import { windowed, type WindowedOutput } from '../reference.ts';
import { createWebgpuWindowKernel, type WebgpuWindowKernel } from './kernel.ts';
import { nodeWebgpuWindowKernel } from './node-kernel.suite.ts';
import { usePerThread } from './shader.ts';

/** The reference, whole windows of `window` only (the kernels' contract). */
function reference(values: Float32Array, window: number): WindowedOutput {
  return windowed.update(windowed.init({ window, partial: 'drop' }, 'float32'), values);
}

function outputOf(length: number): WindowedOutput {
  return {
    min: new Float32Array(length),
    max: new Float32Array(length),
    mean: new Float32Array(length),
    count: new Float64Array(length),
  };
}

/** min, max and count bit for bit; the mean within 1e-6 norm-wise, NaN at the same places. */
function expectSame(got: WindowedOutput, want: WindowedOutput): void {
  expect(got.min).toEqual(want.min);
  expect(got.max).toEqual(want.max);
  expect(got.count).toEqual(want.count);
  const mean = compareArrays(got.mean, want.mean);
  expect(mean.mismatchAt).toBe(-1);
  expect(mean.relativeError).toBeLessThanOrEqual(1e-6);
}

async function reduce(kernel: WebgpuWindowKernel, values: Float32Array, window: number) {
  const whole = values.subarray(0, Math.floor(values.length / window) * window);
  const out = outputOf(whole.length / window);
  await kernel.reduce(whole, window, out, 0, false);
  return { got: out, want: reference(whole, window) };
}

/** Noise with NaN gaps, a NaN-only stretch and infinities, deterministic. */
function signal(length: number, seed = 1): Float32Array {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const values = Float32Array.from({ length }, () => (next() - 0.5) * 100);
  for (let i = 0; i < length; i += 97) values[i] = Number.NaN;
  values.fill(Number.NaN, Math.floor(length / 3), Math.floor(length / 3) + 600);
  if (length > 50) values[50] = Number.POSITIVE_INFINITY;
  if (length > 77) values[77] = Number.NEGATIVE_INFINITY;
  return values;
}

const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;

describe('webgpu window kernel: acquisition', () => {
  it('has a (SwiftShader) adapter in Node here, and says whether it is a fallback', async () => {
    const kernel = await nodeWebgpuWindowKernel();
    const acquired = await kernel.device();
    expect(typeof acquired.isFallbackAdapter).toBe('boolean');
    expect(acquired.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(2 ** 27);
    expect(acquired.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
  });

  it('turns a null adapter, a failed request and a missing GPU into unavailable, and the registry falls through', async () => {
    const failing = {
      requestAdapter: () => Promise.reject(new Error('driver crashed')),
    } as unknown as GPU;
    const nullDevice = {
      requestAdapter: () =>
        Promise.resolve({
          info: { isFallbackAdapter: false },
          limits: { maxStorageBufferBindingSize: 1, maxBufferSize: 1 },
          requestDevice: () => Promise.resolve(null),
        }),
    } as unknown as GPU;
    for (const [gpu, reason] of [
      [noAdapter, /requestAdapter\(\) returned null/],
      [failing, /requestAdapter failed: driver crashed/],
      [nullDevice, /requestDevice\(\) returned null/],
      [undefined, /no GPU object/],
    ] as const) {
      const error: unknown = await createWebgpuWindowKernel(gpu).catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'unavailable')).toBe(true);
      expect((error as Error).message).toMatch(reason);
    }
    const registry = createWindowKernels({ gpu: noAdapter });
    const chosen = await registry.first();
    expect(chosen.backend).not.toBe('webgpu');
    await expect(registry.get('webgpu')).rejects.toThrow(/returned null/);
  });

  it('acquires a new device after the device is lost, or says why it cannot', async () => {
    const { gpu } = await nodeGpu();
    let adapters = 0;
    let refuse = false;
    const flaky = {
      requestAdapter: (options?: GPURequestAdapterOptions) => {
        adapters++;
        return refuse ? Promise.resolve(null) : (gpu as GPU).requestAdapter(options);
      },
    } as unknown as GPU;
    const kernel = await createWebgpuWindowKernel(flaky);
    const values = signal(4096);
    const first = await kernel.device();
    first.device.destroy();
    await first.device.lost;
    expect(kernel.context.lost).toMatch(/destroyed/);
    const { got, want } = await reduce(kernel, values, 8);
    expectSame(got, want);
    expect(kernel.context.generation).toBe(2);

    // Lost while a reduction is in flight: the reduction reruns on a new device.
    const second = await kernel.device();
    const out = outputOf(512);
    const pending = kernel.reduce(values, 8, out, 0, false);
    second.device.destroy();
    await pending;
    expectSame(out, want);
    expect(kernel.context.generation).toBe(3);

    // Lost, and no adapter any more: unavailable, naming the loss.
    refuse = true;
    const third = await kernel.device();
    third.device.destroy();
    await third.device.lost;
    const error: unknown = await reduce(kernel, values, 8).catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/returned null.*after the device was lost/);
    expect(adapters).toBe(4);
    kernel.context.close();
  });
});

describe('webgpu window kernel: results', () => {
  it('reduces windows shorter and longer than a workgroup (256), powers of two or not', async () => {
    const kernel = await nodeWebgpuWindowKernel();
    const values = signal(20_000);
    for (const window of [1, 2, 31, 32, 33, 100, 255, 256, 257, 1000, 4099, 20_000]) {
      const { got, want } = await reduce(kernel, values, window);
      expectSame(got, want);
    }
    // Many windows: one invocation per window whatever its length (no workgroup tree).
    const many = signal(2048 * 100 + 3, 5);
    expect(usePerThread(100, 2048)).toBe(true);
    const { got, want } = await reduce(kernel, many, 100);
    expectSame(got, want);
  });

  it('follows the NaN rule on bit patterns: every NaN, ±Inf, −0, subnormals, extremes', async () => {
    const kernel = await nodeWebgpuWindowKernel();
    const words = new Uint32Array([
      // window 0: quiet, negative, signalling and all-ones NaN only → NaN, count 0
      0x7fc00000, 0xffc00000, 0x7f800001, 0xffffffff,
      // window 1: +Inf and −Inf only → extremes, mean NaN, count 0
      0x7f800000, 0xff800000, 0x7fc00001, 0x7f800000,
      // window 2: −0, +0, smallest subnormals → min −subnormal, mean 0
      0x80000000, 0x00000000, 0x00000001, 0x80000001,
      // window 3: largest finite values and a NaN → sum overflows float32
      0x7f7fffff, 0x7f7fffff, 0x7fc00000, 0x7f7fffff,
      // window 4: NaN between ordinary values and −Inf
      0x3f800000, 0x7fc00000, 0xff800000, 0xc0000000,
    ]);
    const values = new Float32Array(words.buffer);
    const { got, want } = await reduce(kernel, values, 4);
    expectSame(got, want);
    expect(Array.from(got.count)).toEqual([0, 0, 4, 3, 2]);
    expect(got.min[0]).toBeNaN();
    expect(got.max[1]).toBe(Number.POSITIVE_INFINITY);
    expect(got.min[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(got.mean[1]).toBeNaN();
    // The float32 sum of window 3 overflowed on the GPU; the reference's float64 mean stands.
    expect(got.mean[3]).toBe(want.mean[3]);
    expect(Number.isFinite(got.mean[3])).toBe(true);
    expect(Object.is(got.max[2], 1.401298464324817e-45)).toBe(true);
  });

  it('chains pyramid levels on the GPU, each level equal to the reference', async () => {
    const kernel = await nodeWebgpuWindowKernel();
    const values = signal(1024 * 16 * 3 + 700, 7);
    const before = kernel.stats.submits;
    const levels = await kernel.reduceLevels(values, [1024, 4, 4]);
    expect(kernel.stats.submits - before).toBe(1);
    expect(levels.map((level) => level.min.length)).toEqual([48, 12, 3]);
    for (const [level, window] of [1024, 4096, 16384].entries()) {
      expectSame(levels[level] as WindowedOutput, reference(values, window));
    }
    expect((await kernel.reduceLevels(values.subarray(0, 100), [1024, 4]))[1]?.min.length).toBe(0);
    // Records reduced by a workgroup tree (64 per window, few windows).
    const [, tree] = await kernel.reduceLevels(values, [16, 64]);
    expect(usePerThread(64, (tree as WindowedOutput).min.length)).toBe(false);
    expectSame(tree as WindowedOutput, reference(values, 1024));
  });

  it('refuses float64, partial windows and bad level windows', async () => {
    const kernel = await nodeWebgpuWindowKernel();
    const out = outputOf(1);
    const attempts: (() => unknown)[] = [
      () => kernel.reduce(new Float64Array(4), 4, out, 0, false),
      () => kernel.reduce(new Float32Array(5), 4, out, 0, false),
      () => kernel.reduceLevels(new Float32Array(8), []),
      () => kernel.reduceLevels(new Float32Array(8), [4, 0]),
      () => kernel.reduceLevels(new Float32Array(8), [2 ** 31, 2 ** 31, 2 ** 31]),
    ];
    for (const attempt of attempts) {
      const error: unknown = await Promise.resolve()
        .then(attempt)
        .catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
    }
  });
});

describe('webgpu window kernel: inputs beyond the limits', () => {
  // 4 KiB bindings: 1024 samples or 204 records per pass; 3 workgroups per dispatch.
  const limits = { maxStorageBufferBindingSize: 4096, maxComputeWorkgroupsPerDimension: 3 };

  it('splits into several submissions and still matches the reference', async () => {
    const { gpu } = await nodeGpu();
    const kernel = await createWebgpuWindowKernel(gpu, { limits });
    try {
      const values = signal(12_000, 3);
      for (const window of [1, 7, 300, 1024, 1025, 5000]) {
        const before = kernel.stats.submits;
        const { got, want } = await reduce(kernel, values, window);
        expectSame(got, want);
        expect(kernel.stats.submits - before).toBeGreaterThan(1);
      }
      // Level windows deeper than a pass are merged on the CPU from the pieces' records.
      for (const windows of [
        [64, 4, 8],
        [2000, 2],
        [16, 4, 4],
      ]) {
        const levels = await kernel.reduceLevels(values, windows);
        let span = 1;
        for (const [level, window] of windows.entries()) {
          span *= window;
          expectSame(levels[level] as WindowedOutput, reference(values, span));
        }
      }
    } finally {
      kernel.context.close();
    }
  });
});
