// The STFT kernels in Node: the case table on js and on webgpu (the `webgpu` package's Dawn on
// SwiftShader), then what the table does not reach — batches split under small GPU limits,
// no adapter, params the GPU refuses, and the NaN rule.
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../accuracy.ts';
import { isAlgorithmError } from '../errors.ts';
import { nodeGpu } from '../gpu/test-support/node-gpu.suite.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { inputOf } from './spectral.suite.ts';
import {
  createStftKernels,
  jsStftKernel,
  runStftFrames,
  stftBlockFrames,
  stftOutputLength,
} from './stft-kernels.ts';
import { stftParams, type StftParams } from './stft.ts';
import { cases, expectedOf, rows, type StftBlockCase } from './webgpu/cases.suite.ts';
import { createWebgpuStftKernel, type WebgpuStftKernel } from './webgpu/kernel.ts';

const made: Promise<WebgpuStftKernel>[] = [];

function gpuKernel(limits?: Record<string, number>): Promise<WebgpuStftKernel> {
  const kernel = nodeGpu().then(({ gpu }) =>
    createWebgpuStftKernel(gpu, jsStftKernel, limits === undefined ? {} : { limits }),
  );
  made.push(kernel);
  return kernel;
}

let shared: Promise<WebgpuStftKernel> | undefined;
const webgpu = () => (shared ??= gpuKernel());

afterAll(async () => {
  for (const kernel of made) (await kernel.catch(() => undefined))?.context.close();
});

runCaseTable<StftBlockCase>({
  algorithm: 'stft kernels (Node)',
  cases,
  expected: expectedOf,
  backends: rows(jsStftKernel, webgpu),
  unavailable: async (backend) => {
    if (backend !== 'webgpu') return undefined;
    try {
      await webgpu();
      return undefined;
    } catch (error) {
      return `no WebGPU in Node here: ${error instanceof Error ? error.message : String(error)}`;
    }
  },
});

/** A deterministic float32 block (a chirp plus noise). */
function block(length: number): Float32Array {
  let state = 7;
  return Float32Array.from({ length }, (_, i) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return Math.sin(i * (0.01 + i * 1e-6)) + (state / 2 ** 31 - 0.5) * 0.1;
  });
}

async function framesOf(
  kernel: { frames: typeof jsStftKernel.frames },
  samples: Float32Array,
  params: StftParams,
): Promise<Float32Array> {
  const out = new Float32Array(stftOutputLength(params, stftBlockFrames(params, samples.length)));
  await kernel.frames(samples, params, out);
  return out;
}

const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;

describe('stft kernels', () => {
  it('splits a big batch into submissions under a small binding limit, with the same frames', async () => {
    const full = await webgpu();
    // 64 KiB bindings: 8192 complex values, so 32 frames of nfft 256 per submission; one
    // workgroup per dispatch makes every pass loop grid-stride.
    const small = await gpuKernel({
      maxStorageBufferBindingSize: 65536,
      maxComputeWorkgroupsPerDimension: 1,
    });
    const samples = block(128 * 200 + 128);
    // One window per side: stft.ts caches its setup by window, sizes, scaling and fs but not
    // `onesided`, so the js kernel would reuse the one-sided bin count (reported).
    for (const [onesided, window] of [
      [true, 'hann'],
      [false, 'hamming'],
    ] as const) {
      const params = stftParams({ nperseg: 256, noverlap: 128, onesided, window });
      const before = small.stats.submits;
      const split = await framesOf(small, samples, params);
      expect(small.stats.submits - before).toBe(Math.ceil(200 / 32));
      const whole = await framesOf(full, samples, params);
      expect(Array.from(split)).toEqual(Array.from(whole));
      const js = await framesOf(jsStftKernel, samples, params);
      expect(compareArrays(whole, js).relativeError).toBeLessThanOrEqual(1e-5);
    }
  });

  it('writes from frame `at` and refuses a short output', async () => {
    const kernel = await webgpu();
    const params = stftParams({ nperseg: 64, noverlap: 16, nfft: 128 });
    const samples = block(64 + 48 * 9);
    const alone = await framesOf(kernel, samples, params);
    const out = new Float32Array(alone.length + stftOutputLength(params, 3));
    expect(await kernel.frames(samples, params, out, 3)).toBe(10);
    expect(Array.from(out.subarray(stftOutputLength(params, 3)))).toEqual(Array.from(alone));
    const error: unknown = await kernel
      .frames(samples, params, new Float32Array(10))
      .catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
    expect(await kernel.frames(samples.subarray(0, 63), params, new Float32Array(0))).toBe(0);
  });

  it('makes a null adapter unavailable, and the registry and runStftFrames fall through to js', async () => {
    const registry = createStftKernels({ gpu: noAdapter });
    const error: unknown = await registry.get('webgpu').catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    expect(String(error)).toMatch(/requestAdapter\(\) returned null/);
    expect((await registry.first()).backend).toBe('js');
    const params = stftParams({ nperseg: 128 });
    const samples = block(1000);
    const out = new Float32Array(stftOutputLength(params, stftBlockFrames(params, 1000)));
    const ran = await runStftFrames(registry, samples, params, out);
    expect(ran).toEqual({ backend: 'js', frames: 14 });
    expect(out).toEqual(await framesOf(jsStftKernel, samples, params));
  });

  it('refuses float64, non-power-of-two nfft, detrend and frames over a binding; runStftFrames then runs js', async () => {
    const { gpu } = await nodeGpu();
    const registry = createStftKernels({
      gpu: gpu ?? null,
      gpuOptions: { limits: { maxStorageBufferBindingSize: 4096 } },
    });
    const kernel = await registry.get('webgpu');
    const samples = block(2000);
    for (const [params, values] of [
      [stftParams({ nperseg: 128 }), Float64Array.from(samples)],
      [stftParams({ nperseg: 100 }), samples],
      [stftParams({ nperseg: 128, detrend: 'constant' }), samples],
      // 1024 complex values need 8 KiB, over the 4 KiB binding injected here.
      [stftParams({ nperseg: 1024 }), samples],
    ] as const) {
      const out = new Float64Array(stftOutputLength(params, stftBlockFrames(params, 2000)));
      const error: unknown = await kernel
        .frames(values, params, out)
        .catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
      const ran = await runStftFrames(registry, values, params, out);
      expect(ran.backend).toBe('js');
      const want = new Float64Array(out.length);
      await jsStftKernel.frames(values, params, want);
      expect(out).toEqual(want);
    }
    (
      (await registry.get('webgpu').catch(() => undefined)) as WebgpuStftKernel | undefined
    )?.context.close();
  });

  it('makes only the frames holding NaN or ±Infinity non-finite, as stft.ts does', async () => {
    const kernel = await webgpu();
    const params = stftParams({ nperseg: 128, noverlap: 64 });
    const clean = inputOf({ input: 'sine', count: 2000 }, 'float32') as Float32Array;
    const dirty = Float32Array.from(clean);
    dirty[300] = Number.NaN; // frames 3 and 4
    dirty[1000] = Number.POSITIVE_INFINITY; // frames 14 and 15
    dirty[1919] = Number.NaN; // frames 28 and 29 (the last, samples 1856 to 1983)
    dirty[1990] = Number.NaN; // after the last frame: no frame
    const bad = new Set([3, 4, 14, 15, 28, 29]);
    const js = await framesOf(jsStftKernel, dirty, params);
    const gpu = await framesOf(kernel, dirty, params);
    const reference = await framesOf(kernel, clean, params);
    const stride = stftOutputLength(params, 1);
    const frames = js.length / stride;
    expect(frames).toBe(30);
    for (let f = 0; f < frames; f++) {
      const ofJs = js.subarray(f * stride, (f + 1) * stride);
      const ofGpu = gpu.subarray(f * stride, (f + 1) * stride);
      // The reference's rule: every value of a bad frame non-finite, none of a good one.
      expect(
        ofJs.every((value) => !Number.isFinite(value)),
        `js frame ${f}`,
      ).toBe(bad.has(f));
      if (bad.has(f)) {
        expect(Array.from(ofGpu), `frame ${f}`).toEqual(Array.from(ofJs));
      } else {
        expect(Array.from(ofGpu)).toEqual(
          Array.from(reference.subarray(f * stride, (f + 1) * stride)),
        );
      }
    }
  });
});
