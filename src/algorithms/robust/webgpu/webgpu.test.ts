// The robust statistics' WebGPU kernel: its row of the case table (every float32 case of
// robust.json as one block; float64 skipped, WGSL has no f64) and what the table does not
// reach — no adapter, windows over the GPU's limits, blocks split under small limits, the NaN
// and ±∞ rule on bit patterns against the js kernel. Runtime-agnostic (testGpu(): Dawn on
// SwiftShader in Node, navigator.gpu in Chromium), so case-tables.browser.test.ts runs it too.
import { describe, expect, it } from 'vitest';
import { compareArrays } from '../../accuracy.ts';
import { isAlgorithmError } from '../../errors.ts';
import { lazyGpuKernel, testGpu } from '../../gpu/test-support/test-gpu.suite.ts';
import { createKernelRegistry } from '../../registry.ts';
import { runCaseTable } from '../../test-support/case-table.suite.ts';
import {
  jsRobustKernel,
  robustOutputs,
  runRobustBlock,
  windowsIn,
  type RobustKernel,
} from '../kernels.ts';
import { meanStdParams, type MeanStdParams } from '../meanStd.ts';
import { medianMadParams, type MedianMadParams } from '../medianMad.ts';
import { cases, expectedOf, runOnKernel } from './cases.suite.ts';
import {
  createWebgpuRobustKernel,
  MAX_GPU_MEDIAN_WINDOW,
  type WebgpuRobustKernel,
} from './kernel.ts';
import { PER_THREAD_MAX, usePerThread } from './shader.ts';

const gpu = lazyGpuKernel((found) => createWebgpuRobustKernel(found));

runCaseTable({
  algorithm: 'robust (webgpu)',
  cases,
  expected: expectedOf,
  unavailable: gpu.unavailable,
  backends: [
    {
      backend: 'webgpu',
      // Measured on SwiftShader: median exact; MAD ≤ 4e-8 (deviations rounded once to float32);
      // mean/std ≤ 3.5e-7 (float32 compensated sums); z ≤ 1.5e-6, computed from the float32
      // median/MAD outputs (as a job gets them). 2e-6, tighter than the 1e-5.
      tolerance: { float32: 2e-6 },
      skip: (testCase) =>
        testCase.dtype === 'float32' ? undefined : 'WebGPU has no float64 (WGSL has no f64 type)',
      run: async (testCase) => runOnKernel(await gpu.kernel(), testCase),
    },
  ],
});

/** This runtime's GPU; a test that needs one is skipped, with the reason, where there is none. */
async function gpuOrSkip(context: { skip: (note: string) => never }): Promise<GPU> {
  const { gpu: found, reason } = await testGpu();
  if (found === undefined) context.skip(`no WebGPU here: ${reason ?? 'unknown'}`);
  return found;
}

type Run = Record<string, Float32Array>;

async function meanStdOn(kernel: RobustKernel, block: Float32Array, params: MeanStdParams) {
  const out = robustOutputs('meanStd', 'float32', windowsIn(block.length, params.window));
  await kernel.meanStd(block, params, out);
  return out as unknown as Run;
}

async function medianMadOn(kernel: RobustKernel, block: Float32Array, params: MedianMadParams) {
  const out = robustOutputs('medianMad', 'float32', windowsIn(block.length, params.window));
  await kernel.medianMad(block, params, out);
  return out as unknown as Run;
}

/** Noise with NaN gaps and runs, ±∞, ±0, subnormals and extremes, deterministic. */
function signal(length: number, seed = 1, extremes = false): Float32Array {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const values = Float32Array.from({ length }, () => (next() - 0.5) * 10);
  for (let i = 0; i < length; i += 37) values[i] = Number.NaN;
  values.fill(Number.NaN, Math.floor(length / 3), Math.floor(length / 3) + 120);
  const specials: [number, number][] = [
    [50, Number.POSITIVE_INFINITY],
    [51, Number.POSITIVE_INFINITY],
    [90, Number.NEGATIVE_INFINITY],
    [200, Number.POSITIVE_INFINITY],
    [203, Number.NEGATIVE_INFINITY],
    [300, -0],
    [301, 0],
    [302, 1e-45],
    [303, -3e-39],
    [700, 1e20],
  ];
  // Beyond 2^126 the median kernel refuses the block (its deviations could overflow).
  if (extremes) specials.push([500, 3e38], [501, -3.4e38]);
  for (const [at, value] of specials) if (at < length) values[at] = value;
  return values;
}

/** The NaN/±∞ pattern exactly and values within `tolerance` norm-wise, per output. */
function expectClose(got: Run, want: Run, tolerance: number, what: string): void {
  for (const [name, values] of Object.entries(want)) {
    const comparison = compareArrays(got[name] as Float32Array, values);
    expect(comparison.lengthMatches, `${what} ${name} length`).toBe(true);
    expect(comparison.mismatchAt, `${what} ${name}: NaN/Infinity pattern`).toBe(-1);
    expect(comparison.relativeError, `${what} ${name}`).toBeLessThanOrEqual(tolerance);
  }
}

const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;

describe('webgpu robust kernel: acquisition and limits', () => {
  it('is created wherever this runtime has a GPU (a shader that does not compile fails here)', async (context) => {
    await gpuOrSkip(context);
    const kernel = await gpu.kernel();
    expect(kernel.backend).toBe('webgpu');
    expect(kernel.unsupported('meanStd', meanStdParams({ window: 1000 }), 'float32')).toBe(
      undefined,
    );
  });

  it('turns a null adapter or a missing GPU into unavailable, and a registry falls through', async () => {
    for (const [found, reason] of [
      [noAdapter, /requestAdapter\(\) returned null/],
      [undefined, /no GPU object/],
    ] as const) {
      const error: unknown = await createWebgpuRobustKernel(found).catch(
        (caught: unknown) => caught,
      );
      expect(isAlgorithmError(error, 'unavailable')).toBe(true);
      expect((error as Error).message).toMatch(reason);
    }
    const registry = createKernelRegistry<RobustKernel>();
    registry.register({ backend: 'webgpu', create: () => createWebgpuRobustKernel(noAdapter) });
    registry.register({ backend: 'js', create: () => jsRobustKernel });
    expect((await registry.first()).backend).toBe('js');
    await expect(registry.get('webgpu')).rejects.toThrow(/returned null/);
  });

  it('says why not for float64 and for windows over the GPU limits, and throws unavailable', async (context) => {
    const found = await gpuOrSkip(context);
    const kernel = await gpu.kernel();
    const wide = medianMadParams({ window: MAX_GPU_MEDIAN_WINDOW + 1 });
    expect(kernel.unsupported('medianMad', wide, 'float32')).toMatch(
      /median\/MAD windows over 4096/,
    );
    expect(kernel.unsupported('meanStd', meanStdParams({ window: 7 }), 'float64')).toMatch(/f64/);
    expect(
      kernel.unsupported(
        'meanStd',
        meanStdParams({ window: MAX_GPU_MEDIAN_WINDOW + 1 }),
        'float32',
      ),
    ).toBeUndefined();
    const refusals: (() => Promise<unknown>)[] = [
      () => medianMadOn(kernel, new Float32Array(MAX_GPU_MEDIAN_WINDOW + 10), wide),
      async () =>
        kernel.meanStd(new Float64Array(20), meanStdParams({ window: 7 }), {
          mean: new Float64Array(14),
          std: new Float64Array(14),
        }),
      // |x − median| could overflow float32: the block goes back to the js kernel.
      () => medianMadOn(kernel, Float32Array.of(1, 2, 2 ** 126, 3), medianMadParams({ window: 2 })),
    ];
    for (const refusal of refusals) {
      const error: unknown = await refusal().catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    }

    // The longest median window the GPU takes, exactly as the js kernel.
    const longest = medianMadParams({ window: MAX_GPU_MEDIAN_WINDOW, minPeriods: 100 });
    const block = signal(MAX_GPU_MEDIAN_WINDOW + 12, 4);
    const got = await medianMadOn(kernel, block, longest);
    const want = await medianMadOn(jsRobustKernel, block, longest);
    expect(got.median).toEqual(want.median);
    expectClose(got, want, 1e-7, 'longest median window');

    // A binding of 4 KiB holds 1024 samples: a longer mean/std window cannot run.
    const small = await createWebgpuRobustKernel(found, {
      limits: { maxStorageBufferBindingSize: 4096 },
    });
    try {
      expect(small.unsupported('meanStd', meanStdParams({ window: 1024 }), 'float32')).toBe(
        undefined,
      );
      expect(small.unsupported('meanStd', meanStdParams({ window: 1025 }), 'float32')).toMatch(
        /exceeds one GPU storage binding \(1024 samples\)/,
      );
      const error: unknown = await meanStdOn(
        small,
        new Float32Array(2000),
        meanStdParams({ window: 1025 }),
      ).catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'unavailable')).toBe(true);
    } finally {
      small.context.close();
    }
  });

  it('splits blocks beyond the binding and dispatch limits into submissions, same bytes', async (context) => {
    const found = await gpuOrSkip(context);
    const kernel = await gpu.kernel();
    // 4 KiB bindings: 1024 samples or 256 records per pass; 2 workgroups per dispatch.
    const small = await createWebgpuRobustKernel(found, {
      limits: { maxStorageBufferBindingSize: 4096, maxComputeWorkgroupsPerDimension: 2 },
    });
    try {
      const block = signal(1500, 9);
      // 300: one workgroup per window (fewer than 2048 windows), the others one invocation.
      for (const window of [1, 7, 64, 300]) {
        const stats = meanStdParams({ window, minPeriods: Math.ceil(window / 2), ddof: 1 });
        const medians = medianMadParams({
          window,
          minPeriods: Math.ceil(window / 2),
          scale: 1.4826,
        });
        const before = small.stats.submits;
        const split = {
          ...(await meanStdOn(small, block, stats)),
          ...(await medianMadOn(small, block, medians)),
        };
        // 256 records per pass at most: every statistic takes several submissions.
        expect(small.stats.submits - before).toBeGreaterThanOrEqual(
          2 * Math.ceil(windowsIn(block.length, window) / 256),
        );
        const whole = {
          ...(await meanStdOn(kernel, block, stats)),
          ...(await medianMadOn(kernel, block, medians)),
        };
        for (const [name, values] of Object.entries(whole)) {
          expect(
            new Uint32Array((split[name] as Float32Array).buffer),
            `${name} w${window}`,
          ).toEqual(new Uint32Array(values.buffer));
        }
      }
    } finally {
      small.context.close();
    }
  });

  it('acquires a new device after the device is lost', async (context) => {
    const found = await gpuOrSkip(context);
    const kernel = await createWebgpuRobustKernel(found);
    try {
      const block = signal(400, 2);
      const params = meanStdParams({ window: 9, minPeriods: 3 });
      const before = await meanStdOn(kernel, block, params);
      const first = await kernel.device();
      first.device.destroy();
      await first.device.lost;
      const after = await meanStdOn(kernel, block, params);
      expect(kernel.context.generation).toBe(2);
      expect(after).toEqual(before);
    } finally {
      kernel.context.close();
    }
  });
});

describe('webgpu robust kernel: streaming through runRobustBlock', () => {
  it('gives the bytes of one block in chunks of any size (every window is computed alone)', async (context) => {
    await gpuOrSkip(context);
    const kernel = await gpu.kernel();
    // A submission per chunk and statistic: few chunks, SwiftShader submits are not free.
    const block = signal(600, 11);
    for (const window of [7, 64]) {
      const stats = meanStdParams({ window, minPeriods: Math.ceil(window / 2) });
      const medians = medianMadParams({ window, minPeriods: Math.ceil(window / 2) });
      const once = {
        ...(await meanStdOn(kernel, block, stats)),
        ...(await medianMadOn(kernel, block, medians)),
      };
      for (const size of [5, 97, 333]) {
        const parts: Run[] = [];
        let meanTail: Float32Array = new Float32Array(0);
        let medianTail: Float32Array = new Float32Array(0);
        for (let at = 0; at < block.length; at += size) {
          const chunk = block.subarray(at, at + size);
          const first = await runRobustBlock(kernel, 'meanStd', stats, meanTail, chunk);
          const second = await runRobustBlock(kernel, 'medianMad', medians, medianTail, chunk);
          meanTail = first.tail as Float32Array;
          medianTail = second.tail as Float32Array;
          parts.push({ ...first.outputs, ...second.outputs } as unknown as Run);
        }
        for (const [name, values] of Object.entries(once)) {
          const joined = Float32Array.from(parts.flatMap((part) => Array.from(part[name] ?? [])));
          expect(new Uint32Array(joined.buffer), `${name} w${window} chunks of ${size}`).toEqual(
            new Uint32Array(values.buffer),
          );
        }
      }
    }
  });
});

describe('webgpu robust kernel: the NaN and ±∞ rule against the js kernel', () => {
  const windows = [1, 2, 3, 7, 64, 257, 300];

  it('mean/std: NaN gaps, minPeriods, ±∞ (mean ±∞ or NaN, std NaN), ±0, subnormals, extremes', async (context) => {
    await gpuOrSkip(context);
    const kernel: WebgpuRobustKernel = await gpu.kernel();
    const block = signal(1500, 3, true);
    for (const window of windows) {
      // Both paths: one invocation per window and one workgroup per window.
      expect(usePerThread(window, windowsIn(block.length, window))).toBe(window <= PER_THREAD_MAX);
      for (const minPeriods of new Set([1, Math.ceil(window / 2), window])) {
        // Workgroup windows are slow on SwiftShader (barriers): one ddof each there.
        const ddofs = window > PER_THREAD_MAX ? [minPeriods === 1 ? 0 : 1] : [0, 1];
        for (const ddof of ddofs as (0 | 1)[]) {
          const params = meanStdParams({ window, minPeriods, ddof });
          const got = await meanStdOn(kernel, block, params);
          const want = await meanStdOn(jsRobustKernel, block, params);
          expectClose(got, want, 1e-6, `w${window} minPeriods ${minPeriods} ddof ${ddof}`);
        }
      }
    }
  });

  it('mean/std of bit patterns: every NaN, ±∞ alone or together, ±0, subnormals, float32 extremes', async (context) => {
    await gpuOrSkip(context);
    const kernel = await gpu.kernel();
    const words = new Uint32Array([
      // quiet, negative, signalling and all-ones NaN only → NaN (any minPeriods)
      0x7fc00000, 0xffc00000, 0x7f800001, 0xffffffff,
      // +∞ twice and a NaN → mean +∞, std NaN
      0x7f800000, 0x7fc00001, 0x7f800000, 0x3f800000,
      // +∞ and −∞ → mean NaN
      0x7f800000, 0xff800000, 0x3f800000, 0x40000000,
      // −0, +0 and the smallest subnormals → tiny mean, tiny std
      0x80000000, 0x00000000, 0x00000001, 0x80000001,
      // the largest finite values: the float32 sums would overflow, the scaled ones do not
      0x7f7fffff, 0x7f7fffff, 0xff7fffff, 0x7f7fffff,
    ]);
    const block = new Float32Array(words.buffer);
    for (const window of [1, 2, 4, 5]) {
      for (const minPeriods of new Set([1, Math.min(2, window), window])) {
        const params = meanStdParams({ window, minPeriods, ddof: 0 });
        const got = await meanStdOn(kernel, block, params);
        const want = await meanStdOn(jsRobustKernel, block, params);
        expectClose(got, want, 1e-7, `w${window} minPeriods ${minPeriods}`);
      }
    }
    const fours = await meanStdOn(kernel, block, meanStdParams({ window: 4, minPeriods: 1 }));
    expect(Array.from(fours.mean?.filter((_, i) => i % 4 === 0) ?? [])).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      0,
      1.7014117331926443e38,
    ]);
    // [M, M, −M, M] for the largest float32 M: std M·√3/2, still finite.
    const std = fours.std?.[16] as number;
    expect(
      Math.abs(std / Math.fround((3.4028234663852886e38 * Math.sqrt(3)) / 2) - 1),
    ).toBeLessThan(1e-7);
  });

  it('median/MAD: the order statistics exactly, NaN gaps, ±∞ ordered, infinite medians', async (context) => {
    await gpuOrSkip(context);
    const kernel = await gpu.kernel();
    const block = signal(1500, 5);
    // Ties too: a MAD of 0 where half a window is one value.
    for (let i = 900; i < 1000; i++) if (i % 3 !== 0) block[i] = 2;
    for (const window of windows) {
      for (const minPeriods of new Set([1, Math.ceil(window / 2), window])) {
        const params = medianMadParams({ window, minPeriods, scale: 1.4826 });
        const got = await medianMadOn(kernel, block, params);
        const want = await medianMadOn(jsRobustKernel, block, params);
        const what = `w${window} minPeriods ${minPeriods}`;
        // The median is the reference's own selection (and mean of two, in float64): exact.
        expect(got.median, what).toEqual(want.median);
        // The MAD's deviations are rounded once to float32 before the mean of two.
        expectClose(got, want, 1e-7, what);
      }
    }
  });
});
