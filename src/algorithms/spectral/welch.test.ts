// Welch's case table (scipy.signal.welch fixtures) on every backend: js is welch.ts itself;
// wasm and webgpu stream the whole case through the kernel runner (welch-kernels.ts) on that
// backend alone, so a case a backend refuses is a skip reason here, never a silent js run.
// Then what the table does not reach: split invariance per backend, the GPU's binding splits,
// the NaN rule on each kernel, and the registry's fallthrough.
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../accuracy.ts';
import { isAlgorithmError } from '../errors.ts';
import { pffftUnsupported } from '../fft/pffft-kernel.ts';
import { lazyGpuKernel, testGpu } from '../gpu/test-support/test-gpu.suite.ts';
import { createKernelRegistry } from '../registry.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { decodeFloat64 } from '../test-support/fixtures.ts';
import type { BackendName, FloatArray, FloatDtype } from '../types.ts';
import { welch, welchParams, type WelchResult } from './index.ts';
import { CHUNK_SIZES, chunksOf, fixture, inputOf, type InputSpec } from './spectral.suite.ts';
import {
  createWelchKernels,
  createWelchRunner,
  jsWelchKernel,
  wasmWelchRefusal,
  type WelchKernel,
  type WelchLengths,
} from './welch-kernels.ts';
import { createWebgpuWelchKernel, webgpuWelchRefusal } from './webgpu/welch-kernel.ts';

interface WelchCase extends InputSpec {
  name: string;
  dtype: FloatDtype;
  params: Record<string, unknown>;
  segments: number;
  skippedSegments: number;
  expected: { frequencies: string; psd: string };
}

const cases: WelchCase[] = (fixture.welch as Omit<WelchCase, 'dtype'>[]).flatMap((testCase) =>
  (['float32', 'float64'] as const).map((dtype) => ({ ...testCase, dtype })),
);

/** Streams the input through welch in chunks, carrying the state through a structured clone. */
function run(testCase: WelchCase, chunks: FloatArray[]): WelchResult {
  let state = welch.init(welchParams(testCase.params), testCase.dtype);
  for (const chunk of chunks) {
    expect(welch.update(state, chunk)).toBeNull();
    state = structuredClone(state);
  }
  const result = welch.finish(state);
  if (result === null) throw new Error('welch.finish gave no result');
  return result;
}

const gpu = lazyGpuKernel((found) => createWebgpuWelchKernel(found));

afterAll(async () => {
  (await gpu.kernel().catch(() => undefined))?.context.close();
});

/** js (the reference kernel), pffft's wasm and this runtime's GPU, each alone by its name. */
const registry = createKernelRegistry<WelchKernel>();
registry.register({ backend: 'js', create: () => jsWelchKernel });
registry.register({
  backend: 'wasm',
  create: async () => await createWelchKernels({ gpu: null }).get('wasm'),
});
registry.register({ backend: 'webgpu', create: () => gpu.kernel() });

/** The case's segment and FFT lengths (a signal shorter than nperseg is one shorter segment). */
function lengthsOf(testCase: WelchCase): WelchLengths {
  const params = welchParams(testCase.params);
  const nperseg = Math.min(params.nperseg, testCase.count);
  return { nperseg, nfft: params.nfft ?? nperseg };
}

/** Streams the input through the runner on `backend` alone, the state structured-cloned. */
async function runOn(
  backend: BackendName,
  testCase: WelchCase,
  chunks: FloatArray[],
): Promise<WelchResult> {
  const runner = createWelchRunner(registry, [backend]);
  let state = runner.init(welchParams(testCase.params), testCase.dtype);
  for (const chunk of chunks) {
    expect(await runner.update(state, chunk)).toBeNull();
    state = structuredClone(state);
  }
  const result = await runner.finish(state);
  if (testCase.count > 0) expect([...runner.used]).toEqual([backend]);
  return result;
}

function outputs(result: WelchResult) {
  return {
    frequencies: result.frequencies,
    psd: result.psd,
    counts: [result.segments, result.skippedSegments],
  };
}

/** Why the wasm kernel does not run a case (data: the kernel's own refusal). */
function wasmSkip(testCase: WelchCase): string | undefined {
  return wasmWelchRefusal({ unsupported: pffftUnsupported }, testCase.dtype, lengthsOf(testCase));
}

function webgpuSkip(testCase: WelchCase): string | undefined {
  return webgpuWelchRefusal(testCase.dtype, lengthsOf(testCase));
}

runCaseTable<WelchCase>({
  algorithm: 'welch',
  cases,
  expected: (testCase) => ({
    frequencies: decodeFloat64(testCase.expected.frequencies),
    psd: decodeFloat64(testCase.expected.psd),
    counts: [testCase.segments, testCase.skippedSegments],
  }),
  backends: [
    {
      backend: 'js',
      // float64 arithmetic throughout; float32 inputs are exact, so both meet 1e-12.
      tolerance: { float32: 1e-12, float64: 1e-12 },
      run: async (testCase) => {
        const result = run(testCase, chunksOf(inputOf(testCase, testCase.dtype), 1000));
        return outputs(result);
      },
    },
    {
      backend: 'wasm',
      // pffft's float32 transform (~1e-7 relative) between float64 detrend/window and
      // float64 sums; float64 streams are refused (they stay on js).
      tolerance: { float32: 1e-5 },
      skip: wasmSkip,
      run: async (testCase) =>
        outputs(await runOn('wasm', testCase, chunksOf(inputOf(testCase, testCase.dtype), 1000))),
    },
    {
      backend: 'webgpu',
      // float32 on the GPU throughout (webgpu/welch-kernel.ts: window, FFT, sums of ≤ 64).
      tolerance: { float32: 1e-5 },
      skip: webgpuSkip,
      run: async (testCase) =>
        outputs(await runOn('webgpu', testCase, chunksOf(inputOf(testCase, testCase.dtype), 1000))),
    },
  ],
  unavailable: gpu.unavailable,
});

/** A deterministic float32 signal (a chirp plus noise on an offset). */
function signal(length: number): Float32Array {
  let state = 7;
  return Float32Array.from({ length }, (_, i) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 3 + Math.sin(i * (0.01 + i * 1e-6)) + (state / 2 ** 31 - 0.5) * 0.1;
  });
}

const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;

describe('welch on its kernels', () => {
  // Per backend: js gives welch.ts's bytes and wasm its own bytes whatever the chunking (each
  // segment's arithmetic does not depend on the block it came in); the GPU's float32 sums are
  // grouped per block, so they move within 1e-6. Chunks of 1 (8192 updates, each cloned) are
  // the reference's own test; here the sizes that cut segments and blocks differently.
  for (const backend of ['js', 'wasm', 'webgpu'] as const) {
    it(`gives the same result whatever the chunk sizes on ${backend}`, async (context) => {
      if ((await gpu.unavailable(backend)) !== undefined) return context.skip('no WebGPU here');
      const skip = backend === 'wasm' ? wasmSkip : backend === 'webgpu' ? webgpuSkip : undefined;
      for (const testCase of cases.filter(
        (c) => c.dtype === 'float32' && skip?.(c) === undefined,
      )) {
        const input = inputOf(testCase, testCase.dtype);
        const once = await runOn(backend, testCase, [input]);
        if (backend === 'js') expect(once).toEqual(run(testCase, [input]));
        const sizes = backend === 'webgpu' ? [300, 4099] : [7, 127, 128, 257, 1000, 4099];
        for (const size of sizes) {
          const split = await runOn(backend, testCase, chunksOf(input, size));
          const title = `${backend}: ${testCase.name}, chunks of ${size}`;
          if (backend === 'webgpu') {
            expect([split.segments, split.skippedSegments], title).toEqual([
              once.segments,
              once.skippedSegments,
            ]);
            expect(compareArrays(split.psd, once.psd).relativeError, title).toBeLessThan(1e-6);
          } else {
            expect(split, title).toEqual(once);
          }
        }
      }
    });
  }

  it('splits segments over submissions under a small GPU binding, with the same sums', async (context) => {
    const { gpu: found } = await testGpu();
    if (found === undefined) return context.skip('no WebGPU here');
    const full = await gpu.kernel();
    // 64 KiB bindings: 8192 complex values, 32 segments of nfft 256 per submission; one
    // workgroup per dispatch makes every pass loop grid-stride (the mean pass over segments).
    const small = await createWebgpuWelchKernel(found, {
      limits: { maxStorageBufferBindingSize: 65536, maxComputeWorkgroupsPerDimension: 1 },
    });
    try {
      const samples = signal(128 * 200 + 128);
      for (const average of ['mean', 'median'] as const) {
        const params = welchParams({ nperseg: 256, noverlap: 128, average });
        const lengths = { nperseg: 256, nfft: 256 };
        const sinks = [full, small, jsWelchKernel].map(() => ({
          sum: new Float64Array(129),
          spectra: [] as Float64Array[],
        }));
        const before = small.stats.submits;
        const [a, b, c] = sinks as [(typeof sinks)[0], (typeof sinks)[0], (typeof sinks)[0]];
        expect(await small.segments(samples, params, lengths, b)).toEqual({
          added: 200,
          skipped: [],
        });
        expect(small.stats.submits - before).toBe(Math.ceil(200 / 32));
        await full.segments(samples, params, lengths, a);
        await jsWelchKernel.segments(samples, params, lengths, c);
        if (average === 'mean') {
          // Groups of 64 segments per float32 sum, so the split (32 per piece) changes how
          // the sums are grouped: close, not equal.
          expect(compareArrays(b.sum, a.sum).relativeError).toBeLessThan(1e-6);
          expect(compareArrays(a.sum, c.sum).relativeError).toBeLessThan(1e-5);
        } else {
          expect(b.spectra).toEqual(a.spectra);
          expect(a.spectra.length).toBe(200);
          expect(
            compareArrays(
              a.spectra.flatMap((x) => [...x]),
              c.spectra.flatMap((x) => [...x]),
            ).relativeError,
          ).toBeLessThan(1e-5);
        }
      }
    } finally {
      small.context.close();
    }
  });

  it('skips and reports the segments holding NaN or ±Infinity on every kernel, as the reference', async () => {
    const params = welchParams({ nperseg: 128, noverlap: 64 });
    const lengths = { nperseg: 128, nfft: 128 };
    const dirty = signal(2000);
    dirty[300] = Number.NaN; // segments 3 and 4
    dirty[1000] = Number.POSITIVE_INFINITY; // segments 14 and 15
    dirty[1919] = Number.NEGATIVE_INFINITY; // segments 28 and 29 (the last, 1856 to 1983)
    dirty[1990] = Number.NaN; // after the last segment: none
    const clean = Float32Array.from(dirty, (x) => (Number.isFinite(x) ? x : 0));
    const want = { sum: new Float64Array(65), spectra: [] };
    expect(await jsWelchKernel.segments(dirty, params, lengths, want)).toEqual({
      added: 24,
      skipped: [3, 4, 14, 15, 28, 29],
    });
    const backends: BackendName[] = ['wasm'];
    if ((await gpu.unavailable('webgpu')) === undefined) backends.push('webgpu');
    for (const backend of backends) {
      const kernel = await registry.get(backend);
      const got = { sum: new Float64Array(65), spectra: [] };
      expect(await kernel.segments(dirty, params, lengths, got), backend).toEqual({
        added: 24,
        skipped: [3, 4, 14, 15, 28, 29],
      });
      expect(got.sum.every(Number.isFinite), backend).toBe(true);
      expect(compareArrays(got.sum, want.sum).relativeError, backend).toBeLessThan(1e-5);
      // The zeros put in place of the bad samples reached no kept segment.
      const zeroed = { sum: new Float64Array(65), spectra: [] };
      await kernel.segments(clean, params, lengths, zeroed);
      expect(compareArrays(got.sum, zeroed.sum).relativeError, backend).toBeGreaterThan(0);
    }
  });

  it('falls through to the next backend: no adapter → wasm, float64 or nfft 200 → js', async () => {
    const kernels = createWelchKernels({ gpu: noAdapter });
    const error: unknown = await kernels.get('webgpu').catch((caught: unknown) => caught);
    expect(isAlgorithmError(error, 'unavailable'), String(error)).toBe(true);
    for (const [nperseg, dtype, backend] of [
      [256, 'float32', 'wasm'],
      [256, 'float64', 'js'],
      [200, 'float32', 'js'],
    ] as const) {
      const runner = createWelchRunner(kernels);
      const params = welchParams({ nperseg });
      const state = runner.init(params, dtype);
      const input = dtype === 'float32' ? signal(5000) : Float64Array.from(signal(5000));
      await runner.update(state, input);
      const result = await runner.finish(state);
      expect([...runner.used]).toEqual([backend]);
      const reference = welch.init(params, dtype);
      welch.update(reference, input);
      const want = welch.finish(reference);
      if (want === null) throw new Error('no result');
      expect(compareArrays(result.psd, want.psd).relativeError).toBeLessThan(
        backend === 'js' ? 1e-15 : 1e-5,
      );
    }
  });

  it('refuses what a kernel cannot run with unavailable, adding nothing', async () => {
    const params = welchParams({ nperseg: 200 });
    const sink = { sum: new Float64Array(101), spectra: [] };
    const backends: BackendName[] = ['wasm'];
    if ((await gpu.unavailable('webgpu')) === undefined) backends.push('webgpu');
    for (const backend of backends) {
      const kernel = await registry.get(backend);
      for (const block of [new Float64Array(1000), new Float32Array(1000)]) {
        const error: unknown = await kernel
          .segments(block, params, { nperseg: 200, nfft: 200 }, sink)
          .catch((caught: unknown) => caught);
        expect(isAlgorithmError(error, 'unavailable'), `${backend}: ${String(error)}`).toBe(true);
      }
      // A runner limited to this backend says why.
      const runner = createWelchRunner(registry, [backend]);
      const state = runner.init(params, 'float32');
      const failed: unknown = await runner
        .update(state, new Float32Array(1000))
        .catch((caught: unknown) => caught);
      expect(String(failed)).toMatch(/no backend runs this/);
    }
    expect(sink.sum.every((x) => x === 0)).toBe(true);
  });
});

describe('welch', () => {
  it('gives the same output whatever the chunk sizes', () => {
    for (const testCase of cases.filter((c) => c.dtype === 'float32')) {
      const input = inputOf(testCase, testCase.dtype);
      const once = run(testCase, [input]);
      for (const size of CHUNK_SIZES) {
        const split = run(testCase, chunksOf(input, size));
        expect(split, `${testCase.name}, chunks of ${size}`).toEqual(once);
      }
    }
  });

  it('gives empty arrays for an empty signal', () => {
    const state = welch.init(welchParams({}), 'float64');
    const result = welch.finish(state);
    expect(result?.psd.length).toBe(0);
    expect(result?.segments).toBe(0);
  });

  it('gives NaN in every bin when every segment held NaN', () => {
    const state = welch.init(welchParams({ nperseg: 8 }), 'float64');
    welch.update(
      state,
      Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? NaN : i)),
    );
    const result = welch.finish(state);
    expect(result?.segments).toBe(0);
    expect(result?.skippedSegments).toBe(3);
    expect(result?.psd.every((value) => Number.isNaN(value))).toBe(true);
  });

  it('refuses chunks of another dtype than the stream', () => {
    const state = welch.init(welchParams({}), 'float64');
    expect(() => welch.update(state, new Float32Array(4))).toThrow(/Float64Array/);
  });

  it('refuses bad parameters with bad_request', () => {
    const bad: unknown[] = [
      null,
      { nperseg: 0 },
      { nperseg: 16, noverlap: 16 },
      { nperseg: 16, noverlap: -1 },
      { nperseg: 16, nfft: 8 },
      { fs: 0 },
      { fs: Number.NaN },
      { window: 'kaiser' },
      { detrend: 'linear' },
      { scaling: 'magnitude' },
      { average: 'max' },
      { onesided: 'yes' },
    ];
    for (const params of bad) {
      try {
        welchParams(params);
        expect.unreachable(JSON.stringify(params));
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
      }
    }
  });
});
