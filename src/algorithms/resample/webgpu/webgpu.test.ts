// The WebGPU polyphase kernel in Node (Dawn on SwiftShader) and the async block runner, beyond
// the case table: the js kernel as oracle on random factors and chunks, pieces split under small
// GPU limits (the unsplit bytes), the NaN rule's CPU outputs, no adapter, float64 and bad input.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../../accuracy.ts';
import { isAlgorithmError } from '../../errors.ts';
import type { GpuLimits } from '../../gpu/device.ts';
import { testGpu } from '../../gpu/test-support/test-gpu.suite.ts';
import { concatArrays, type FloatArray, type FloatDtype } from '../../types.ts';
import { decimate } from '../decimate.ts';
import { createPolyphaseKernels, jsPolyphaseKernel, type AnyPolyphaseKernel } from '../kernels.ts';
import {
  finishPolyphase,
  finishPolyphaseAsync,
  initPolyphase,
  updatePolyphase,
  updatePolyphaseAsync,
  type PolyphaseState,
} from '../polyphase.ts';
import { resamplePoly } from '../reference.ts';
import { createWasmPolyphaseKernel } from '../wasm/kernel.ts';
import { createWebgpuPolyphaseKernel, type WebgpuPolyphaseKernel } from './kernel.ts';

const made: Promise<WebgpuPolyphaseKernel>[] = [];

function gpuKernel(limits?: Partial<GpuLimits>): Promise<WebgpuPolyphaseKernel> {
  const kernel = testGpu().then(({ gpu }) =>
    createWebgpuPolyphaseKernel(gpu, jsPolyphaseKernel, limits === undefined ? {} : { limits }),
  );
  made.push(kernel);
  return kernel;
}

const full = gpuKernel();
// 128 float32 a binding and one workgroup a dispatch: pieces of a few dozen outputs.
const tiny = gpuKernel({ maxStorageBufferBindingSize: 512, maxComputeWorkgroupsPerDimension: 1 });

afterAll(async () => {
  for (const kernel of made) (await kernel.catch(() => undefined))?.context.close();
});

const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;

/** Streams `values` cut at `cuts` through the async runner on `kernel`. */
async function streamAsync(
  state: PolyphaseState,
  values: FloatArray,
  cuts: readonly number[],
  kernel: AnyPolyphaseKernel,
): Promise<FloatArray> {
  const parts: FloatArray[] = [];
  let from = 0;
  for (const to of [...cuts, values.length]) {
    parts.push(await updatePolyphaseAsync(state, values.subarray(from, to), kernel));
    from = to;
  }
  parts.push(await finishPolyphaseAsync(state, kernel));
  return concatArrays(state.dtype, parts);
}

function streamSync(
  state: PolyphaseState,
  values: FloatArray,
  cuts: readonly number[],
  kernel = jsPolyphaseKernel,
): FloatArray {
  const parts: FloatArray[] = [];
  let from = 0;
  for (const to of [...cuts, values.length]) {
    parts.push(updatePolyphase(state, values.subarray(from, to), kernel));
    from = to;
  }
  parts.push(finishPolyphase(state, kernel));
  return concatArrays(state.dtype, parts);
}

const resampler = (up: number, down: number, dtype: FloatDtype = 'float32') =>
  resamplePoly.init(resamplePoly.params({ up, down }), dtype);

function chirp(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(i * (0.01 + i * 2e-5)) + (i % 5) / 7);
}

const bytes = (values: FloatArray) =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

const nanAt = (values: ArrayLike<number>) => Array.from(values, Number.isNaN);
const infAt = (values: ArrayLike<number>) => Array.from(values, (v) => Math.abs(v) === Infinity);

describe('the async block runner', () => {
  it('gives the bytes of the sync API on js and wasm', async () => {
    const wasm = await createWasmPolyphaseKernel();
    const values = chirp(3000);
    values[700] = Number.NaN;
    for (const [up, down] of [
      [2, 3],
      [1, 4],
      [5, 2],
    ] as const) {
      for (const kernel of [jsPolyphaseKernel, wasm]) {
        const sync = streamSync(resampler(up, down), values, [1, 999, 2000], kernel);
        const async = await streamAsync(resampler(up, down), values, [1, 999, 2000], kernel);
        expect(bytes(async)).toEqual(bytes(sync));
      }
    }
  });

  it('refuses updates after finish and finishing twice, as the sync API does', async () => {
    const state = resampler(2, 3, 'float64');
    await finishPolyphaseAsync(state, jsPolyphaseKernel);
    await expect(
      updatePolyphaseAsync(state, new Float64Array(3), jsPolyphaseKernel),
    ).rejects.toThrow(/after finish/);
    await expect(finishPolyphaseAsync(state, jsPolyphaseKernel)).rejects.toThrow(/twice/);
  });
});

describe('polyphase on webgpu', () => {
  it('is within float32 rounding of the js kernel, with its NaN/Infinity footprint, on random jobs', async () => {
    const kernel = await full;
    const sample = fc.oneof(
      { weight: 30, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.array(sample, { maxLength: 400 }),
        fc.array(fc.nat(400), { maxLength: 3 }),
        async (up, down, taps, list, cuts) => {
          const values = Float32Array.from(list);
          const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort(
            (a, b) => a - b,
          );
          const h = Float64Array.from(taps, Math.fround);
          const js = streamSync(initPolyphase('float32', up, down, h), values, points);
          const gpu = await streamAsync(
            initPolyphase('float32', up, down, h),
            values,
            points,
            kernel,
          );
          expect(gpu.length).toBe(js.length);
          expect(nanAt(gpu)).toEqual(nanAt(js));
          expect(infAt(gpu)).toEqual(infAt(js));
          // Per output: each float32 product rounded once, relative to Σ|taps·samples|, and
          // float32 subnormals, which WGSL lets a GPU flush to zero — results, and operands: a
          // subnormal tap (or sample) flushed loses its product, up to 2^-126 × the other side.
          const largest = (array: ArrayLike<number>) =>
            Array.from(array).reduce(
              (m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m),
              1,
            );
          const tiny = (h.length + down) * 2 ** -126 * largest(values) * largest(h);
          const scale = streamSync(
            initPolyphase('float64', up, down, h.map(Math.abs)),
            Float64Array.from(values, Math.abs),
            points,
          );
          for (let k = 0; k < js.length; k++) {
            const [a, b] = [gpu[k] as number, js[k] as number];
            if (!Number.isFinite(b)) continue;
            const bound = 2 ** -22 * (scale[k] as number) + 2 ** -23 * Math.abs(b) + tiny;
            expect(Math.abs(a - b), `output ${String(k)}`).toBeLessThanOrEqual(bound);
          }
        },
      ),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('splits into pieces under small limits and gives the unsplit bytes', async () => {
    const [whole, split] = [await full, await tiny];
    const values = chirp(4000);
    values[1234] = Number.NaN;
    for (const [algorithm, params] of [
      [resamplePoly, { up: 2, down: 3 }],
      [resamplePoly, { up: 3, down: 1 }],
      [decimate, { q: 4 }],
    ] as const) {
      const init = () =>
        (algorithm as typeof resamplePoly).init(
          (algorithm as typeof resamplePoly).params(params),
          'float32',
        );
      const before = split.stats.submits;
      const a = await streamAsync(init(), values, [1, 2500], whole);
      const b = await streamAsync(init(), values, [1, 2500], split);
      expect(bytes(b)).toEqual(bytes(a));
      // Many pieces: at most 128 samples or outputs each.
      expect(split.stats.submits - before).toBeGreaterThan(Math.max(a.length, values.length) / 128);
      const js = streamSync(init(), values, []);
      expect(nanAt(a)).toEqual(nanAt(js));
      expect(compareArrays(a, js).relativeError).toBeLessThan(1e-6);
    }
  });

  it('computes the outputs reading NaN/±Infinity on the CPU, and those whose float32 sum overflows', async () => {
    const kernel = await full;
    const values = chirp(2000);
    values[300] = Number.NaN;
    values[1000] = Infinity;
    values[1001] = -Infinity;
    const state = () => resampler(3, 2);
    const js = streamSync(state(), values, []);
    const cpuBefore = kernel.stats.cpuOutputs;
    const gpu = await streamAsync(state(), values, [], kernel);
    expect(nanAt(gpu)).toEqual(nanAt(js));
    expect(nanAt(gpu).filter(Boolean).length).toBeGreaterThan(0);
    // Only the outputs whose window holds one: a window is perPhase samples, up outputs a sample.
    const { perPhase } = state();
    expect(kernel.stats.cpuOutputs - cpuBefore).toBeLessThanOrEqual(3 * (3 * perPhase) + 3);
    expect(compareArrays(gpu, js).mismatchAt).toBe(-1);
    // A float32 sum overflows midway (3e38 + 3e38) though output 1 (3e38 + 3e38 − 3e38) is
    // finite: taps [1, 1, 1] at down 2 read x[2k − 1 … 2k + 1].
    const huge = Float32Array.of(5, 3e38, 3e38, -3e38, 1, 2);
    const overflow = () => initPolyphase('float32', 1, 2, Float64Array.of(1, 1, 1));
    const want = streamSync(overflow(), huge, []);
    const got = await streamAsync(overflow(), huge, [], kernel);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Number.isFinite(want[1])).toBe(true);
  });

  it('refuses float64 and taps over a binding as unavailable, leaving the state as it was', async () => {
    const kernel = await tiny;
    const state = resampler(2, 3, 'float64');
    const before = structuredClone(state);
    const values = Float64Array.from(chirp(500));
    const f64: unknown = await updatePolyphaseAsync(state, values, kernel).catch(
      (caught: unknown) => caught,
    );
    expect(isAlgorithmError(f64, 'unavailable'), String(f64)).toBe(true);
    expect(String(f64)).toMatch(/float32 only/);
    expect(state).toEqual(before);
    // The caller goes on with the next backend from the same state.
    expect(await streamAsync(state, values, [], jsPolyphaseKernel)).toEqual(
      streamSync(resampler(2, 3, 'float64'), values, []),
    );
    // 147/160: 147·22 taps, over the 128 a binding holds here.
    const wide = resampler(147, 160);
    const tooMany: unknown = await updatePolyphaseAsync(wide, chirp(500), kernel).catch(
      (caught: unknown) => caught,
    );
    expect(isAlgorithmError(tooMany, 'unavailable'), String(tooMany)).toBe(true);
    expect(kernel.dtypes).toEqual(['float32']);
  });

  it('refuses bad calls with bad_request', async () => {
    const kernel = await full;
    const out = new Float32Array(4);
    const taps = new Float64Array(4);
    for (const call of [
      // Four outputs read more than the three samples given.
      () => kernel.run(new Float64Array(3), taps, 2, 2, 3, 0, 4, out),
      () => kernel.run(new Float64Array(30), new Float64Array(5), 2, 2, 3, 0, 4, out),
      () => kernel.run(new Float64Array(30), taps, 2, 2, 3, 2, 4, out),
      () => kernel.run(new Float64Array(30), taps, 2, 2, 3, 0, 5, out),
      () => kernel.run(new Float64Array(30), taps, 2, 2, 0, 0, 4, out),
      () => kernel.run(new Float64Array(30), taps, 2, 2, 3, 0.5, 4, out),
    ]) {
      const error: unknown = await call().catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
    }
  });

  it('makes a null adapter unavailable, and the registry falls through to wasm', async () => {
    const registry = createPolyphaseKernels({ gpu: noAdapter });
    expect(registry.backends()).toEqual(['webgpu', 'wasm', 'js']);
    const error: unknown = await registry.get('webgpu').catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    expect(String(error)).toMatch(/requestAdapter\(\) returned null/);
    const first = await registry.first();
    expect(first.backend).toBe('wasm');
    const values = chirp(1500);
    expect(bytes(await streamAsync(resampler(2, 3), values, [700], first.kernel))).toEqual(
      bytes(streamSync(resampler(2, 3), values, [700], await createWasmPolyphaseKernel())),
    );
    // Without options the registry holds only the synchronous kernels updatePolyphase takes.
    expect(createPolyphaseKernels().backends()).toEqual(['wasm', 'js']);
  });

  it('is what the registry gives first where this runtime has a GPU', async () => {
    const { gpu } = await testGpu();
    const first = await createPolyphaseKernels({ gpu: gpu ?? null }).first();
    expect(first.backend).toBe('webgpu');
    (first.kernel as WebgpuPolyphaseKernel).context.close();
  });
});
