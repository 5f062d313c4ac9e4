// The WebGPU escalated maximum in Node (Dawn on SwiftShader) against the js kernel, bytes for
// bytes, and what the case table does not reach: pieces split under small GPU limits, frames
// too wide for a binding, no adapter, float64 and bad input.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../../errors.ts';
import type { GpuLimits } from '../../gpu/device.ts';
import { testGpu } from '../../gpu/test-support/test-gpu.suite.ts';
import { castTo } from '../../test-support/fixtures.ts';
import { concatArrays, type FloatArray } from '../../types.ts';
import {
  createEscalatedMaxKernels,
  jsEscalatedMaxKernel,
  type EscalatedMaxKernel,
} from '../kernels.ts';
import { escalatedMax } from '../reference.ts';
import { escalateWithKernel } from '../run.ts';
import { createWebgpuEscalatedMaxKernel, type WebgpuEscalatedMaxKernel } from './kernel.ts';
import { bitsOfKey, keyOfBits } from './shader.ts';

const made: Promise<WebgpuEscalatedMaxKernel>[] = [];

function gpuKernel(limits?: Partial<GpuLimits>): Promise<WebgpuEscalatedMaxKernel> {
  const kernel = testGpu().then(({ gpu }) =>
    createWebgpuEscalatedMaxKernel(gpu, limits === undefined ? {} : { limits }),
  );
  made.push(kernel);
  return kernel;
}

const full = gpuKernel();
// 64 samples a binding and one workgroup a dispatch: pieces of a few frames, grid-stride loops.
const tiny = gpuKernel({ maxStorageBufferBindingSize: 256, maxComputeWorkgroupsPerDimension: 1 });

afterAll(async () => {
  for (const kernel of made) (await kernel.catch(() => undefined))?.context.close();
});

const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;

/** Streams `values` through `kernel` cut at `cuts`; returns the output and the final state. */
async function streamed(
  kernel: EscalatedMaxKernel,
  values: Float32Array,
  channels: number,
  cuts: readonly number[] = [],
) {
  const state = escalatedMax.init({ channels }, 'float32');
  const parts: FloatArray[] = [];
  let from = 0;
  for (const to of [...cuts, values.length]) {
    parts.push(await escalateWithKernel(kernel, state, values.subarray(from, to)));
    from = to;
  }
  return { out: concatArrays('float32', parts) as Float32Array, state };
}

const bytes = (values: Float32Array) =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/** A deterministic float32 signal with NaN gaps, infinities and signed zeros. */
function signal(length: number): Float32Array {
  let seed = 11;
  return Float32Array.from({ length }, (_, i) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const r = seed / 2 ** 31;
    if (i % 97 === 5) return Number.NaN;
    if (i % 389 === 7) return i % 2 === 0 ? Infinity : -Infinity;
    if (i % 53 === 3) return -0;
    return (r - 0.6) * 1e3 + i * 0.01;
  });
}

describe('escalated-max keys', () => {
  it('orders the float32 bit patterns as numbers, NaN lowest, −0 as +0', () => {
    const samples = Float32Array.of(
      -Infinity,
      -3.5e38,
      -1,
      -1e-45,
      -0,
      0,
      1e-45,
      1,
      3.5e38,
      Infinity,
    );
    const bits = new Uint32Array(samples.buffer);
    const keys = Array.from(bits, keyOfBits);
    for (let i = 1; i < keys.length; i++) {
      expect(keys[i]).toBeGreaterThanOrEqual(keys[i - 1] as number);
    }
    expect(keys[4]).toBe(keys[5]);
    expect(keyOfBits(0x7fc00000)).toBe(0);
    expect(keyOfBits(0xffc00001)).toBe(0);
    expect(keys[0]).toBeGreaterThan(0);
    for (const [i, key] of keys.entries()) {
      expect(bitsOfKey(key)).toBe(i === 4 ? 0 : bits[i]);
    }
    expect(bitsOfKey(0)).toBe(0x7fc00000);
  });
});

describe('escalated-max on webgpu', () => {
  it('gives the bytes of the js kernel, for any channel count and chunk cuts', async () => {
    const kernel = await full;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 64, 300)),
        fc.array(
          fc.oneof(
            fc.double({ min: -1e30, max: 1e30 }),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0),
          ),
          { maxLength: 900, size: 'max' },
        ),
        fc.array(fc.nat(900), { maxLength: 4 }),
        async (channels, list, cuts) => {
          const all = castTo('float32', Float64Array.from(list)) as Float32Array;
          const values = all.subarray(0, all.length - (all.length % channels));
          const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort(
            (a, b) => a - b,
          );
          const js = await streamed(jsEscalatedMaxKernel, values, channels, points);
          const gpu = await streamed(kernel, values, channels, points);
          expect(bytes(gpu.out)).toEqual(bytes(js.out));
          expect(gpu.state.next).toBe(js.state.next);
          // The maxima agree as numbers (+0 here where the reference may keep −0).
          expect(gpu.state.max.map((m) => m + 0)).toEqual(js.state.max.map((m) => m + 0));
        },
      ),
      { numRuns: 40, endOnFailure: true },
    );
  });

  it('splits into pieces under small limits and gives the unsplit bytes', async () => {
    const [whole, split] = [await full, await tiny];
    for (const [channels, length] of [
      [1, 5000],
      [3, 3001],
      [7, 1400],
      [32, 640],
    ] as const) {
      const values = signal(length - (length % channels));
      const before = split.stats.submits;
      const a = await streamed(whole, values, channels, [1, 333]);
      const b = await streamed(split, values, channels, [1, 333]);
      const js = await streamed(jsEscalatedMaxKernel, values, channels, [1, 333]);
      expect(bytes(b.out)).toEqual(bytes(a.out));
      expect(bytes(a.out)).toEqual(bytes(js.out));
      expect(b.state.max).toEqual(a.state.max);
      // 64 samples a binding: at least one submission per 64 samples.
      expect(split.stats.submits - before).toBeGreaterThanOrEqual(Math.floor(length / 64));
    }
  });

  it('refuses frames too wide for a binding, float64 and a short output, leaving the maxima as they were', async () => {
    const kernel = await tiny;
    const max = [1, Number.NaN, ...new Array<number>(38).fill(-5)];
    const before = max.slice();
    // 40 channels: two frames need 320 bytes, over the 256 injected.
    const wide = await Promise.resolve(
      kernel.run(signal(120), new Float32Array(120), max, 0),
    ).catch((caught: unknown) => caught);
    expect(isAlgorithmError(wide, 'unavailable'), String(wide)).toBe(true);
    expect(max).toEqual(before);
    const f64 = await Promise.resolve(
      kernel.run(new Float64Array(80), new Float64Array(80), max, 0),
    ).catch((caught: unknown) => caught);
    expect(isAlgorithmError(f64, 'unavailable'), String(f64)).toBe(true);
    expect(String(f64)).toMatch(/float32 only/);
    const short = await Promise.resolve(
      kernel.run(signal(80), new Float32Array(79), [0, 0], 0),
    ).catch((caught: unknown) => caught);
    expect(isAlgorithmError(short, 'bad_request'), String(short)).toBe(true);
    expect(kernel.dtypes).toEqual(['float32']);
  });

  it('makes a null adapter unavailable, and the registry falls through to wasm', async () => {
    const registry = createEscalatedMaxKernels({ gpu: noAdapter });
    const error: unknown = await registry.get('webgpu').catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    expect(String(error)).toMatch(/requestAdapter\(\) returned null/);
    const first = await registry.first();
    expect(first.backend).toBe('wasm');
    const values = signal(999);
    const got = await streamed(first.kernel, values, 3);
    expect(bytes(got.out)).toEqual(bytes((await streamed(jsEscalatedMaxKernel, values, 3)).out));
    const none = await createEscalatedMaxKernels({ gpu: null })
      .get('webgpu')
      .catch((caught: unknown) => caught);
    expect(isAlgorithmError(none, 'unavailable'), String(none)).toBe(true);
  });

  it('is what the registry gives first where this runtime has a GPU', async () => {
    const { gpu } = await testGpu();
    const registry = createEscalatedMaxKernels({ gpu: gpu ?? null });
    const first = await registry.first();
    expect(first.backend).toBe('webgpu');
    (first.kernel as WebgpuEscalatedMaxKernel).context.close();
  });
});
