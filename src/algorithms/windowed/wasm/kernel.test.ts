// The wasm kernel against the js kernel (the oracle) on arbitrary input, and the in-memory API
// that the worker pool and the benchmark call on a shared memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../../errors.ts';
import type { FloatArray, FloatDtype } from '../../types.ts';
import { jsWindowKernel } from '../kernels.ts';
import type { WindowedOutput } from '../reference.ts';
import { bindWindowedWasm } from './in-memory.ts';
import { BATCH_SAMPLES, createWasmWindowKernel } from './kernel.ts';

const kernel = createWasmWindowKernel();

function outputs(dtype: FloatDtype, n: number): WindowedOutput {
  const Out = dtype === 'float32' ? Float32Array : Float64Array;
  return { min: new Out(n), max: new Out(n), mean: new Out(n), count: new Float64Array(n) };
}

async function both(values: FloatArray, window: number, nanFree = false) {
  const dtype: FloatDtype = values instanceof Float32Array ? 'float32' : 'float64';
  const n = Math.floor(values.length / window);
  const body = values.subarray(0, n * window);
  const js = outputs(dtype, n);
  const wasm = outputs(dtype, n);
  await jsWindowKernel.reduce(body, window, js, 0, false);
  await (await kernel).reduce(body, window, wasm, 0, nanFree);
  return { js, wasm };
}

/** The first window where wasm and js differ (min, max, count bit for bit; the mean within
 * its summation error), described, or undefined. One `expect` per call: inputs are long. */
function firstDifference(
  values: FloatArray,
  window: number,
  js: WindowedOutput,
  wasm: WindowedOutput,
): string | undefined {
  const float32 = values instanceof Float32Array;
  for (let i = 0; i < js.min.length; i++) {
    const describe = (name: keyof WindowedOutput) =>
      `window ${String(i)}: ${name} ${String(wasm[name][i])} vs ${String(js[name][i])}`;
    if (!Object.is(wasm.min[i], js.min[i])) return describe('min');
    if (!Object.is(wasm.max[i], js.max[i])) return describe('max');
    if (wasm.count[i] !== js.count[i]) return describe('count');
    const a = wasm.mean[i] as number;
    const b = js.mean[i] as number;
    if (!Number.isFinite(b)) {
      if (!Object.is(a, b)) return describe('mean');
      continue;
    }
    // Reordered float64 sums differ by at most ~n·2⁻⁵³·Σ|x|; float32 output adds one rounding.
    let scale = 0;
    for (let j = i * window; j < (i + 1) * window; j++) {
      const x = values[j] as number;
      if (Number.isFinite(x)) scale += Math.abs(x);
    }
    const bound =
      (float32 ? 2 ** -23 * Math.abs(b) : 0) + 1e-13 * (scale / (js.count[i] as number));
    if (!(Math.abs(a - b) <= bound)) return describe('mean');
  }
  return undefined;
}

// Finite magnitudes stay below 1e290 so that no float64 partial sum overflows: where one does,
// Infinity depends on the order of the additions and neither order is the wrong one.
const sample = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e290, max: 1e290, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0),
  },
);
const windowSize = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 300 }));

describe('wasm window kernel', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`equals the js kernel on ${dtype} with NaN, ±Infinity and −0, windows 1 to 300`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(sample, { maxLength: 2000, size: 'max' }),
          windowSize,
          fc.boolean(),
          async (list, window, nanFree) => {
            const values = dtype === 'float32' ? Float32Array.from(list) : Float64Array.from(list);
            // nanFree is a promise about the input: make it only where it holds.
            const promise = nanFree && !values.some(Number.isNaN);
            const { js, wasm } = await both(values, window, promise);
            expect(firstDifference(values, window, js, wasm)).toBeUndefined();
          },
        ),
        // No shrinking: the inputs are long, and a shrunk counterexample took minutes.
        { numRuns: 300, endOnFailure: true },
      );
    });
  }

  it('splits a long input into batches of whole windows, and takes windows longer than a batch', async () => {
    const values = new Float32Array(BATCH_SAMPLES + 3000);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.001) * 1000 + (i % 7);
    values[BATCH_SAMPLES + 5] = Number.NaN;
    values[17] = -Infinity;
    for (const window of [3, 1000, 4099, BATCH_SAMPLES + 1]) {
      const { js, wasm } = await both(values, window);
      expect(js.min.length).toBe(Math.floor(values.length / window));
      expect(firstDifference(values, window, js, wasm)).toBeUndefined();
    }
  });

  it('writes a window of only NaN as NaN with count 0, and −0 as 0', async () => {
    const values = Float64Array.from([Number.NaN, Number.NaN, Number.NaN, -0, -0, Number.NaN]);
    const { wasm } = await both(values, 3);
    expect([...wasm.min]).toEqual([Number.NaN, 0]);
    expect(
      Object.is(wasm.min[1], 0) && Object.is(wasm.max[1], 0) && Object.is(wasm.mean[1], 0),
    ).toBe(true);
    expect([...wasm.count]).toEqual([0, 2]);
  });
});

describe('wasm windowed kernels in memory', () => {
  it('reduces float32 already in a shared memory, with no copy', async () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
    const wasm = await bindWindowedWasm(memory);
    const input = new Float32Array(memory.buffer, 4, 10); // deliberately not 16-byte aligned
    input.set([5, -1, Number.NaN, 2, Infinity, 3, Number.NaN, Number.NaN, 0.5, -0]);
    wasm.minMaxInMemory('float32', 4, 10, 5, { min: 1024, max: 2048 });
    expect([...new Float32Array(memory.buffer, 1024, 2)]).toEqual([-1, 0]);
    expect([...new Float32Array(memory.buffer, 2048, 2)]).toEqual([Infinity, 3]);
    wasm.reduceInMemory('float32', 4, 10, 5, { min: 1024, max: 2048, mean: 3072, count: 4096 });
    expect([...new Float32Array(memory.buffer, 3072, 2)]).toEqual([2, Math.fround(3.5 / 3)]);
    expect([...new Float64Array(memory.buffer, 4096, 2)]).toEqual([3, 3]);
  });

  it('cuts a long in-memory run into several kernel calls without losing a window', async () => {
    const window = 1000;
    const length = 8_000 * window; // 32 MB of float32: three calls of about 16 MiB
    const memory = new WebAssembly.Memory({ initial: 600 });
    const wasm = await bindWindowedWasm(memory);
    const values = new Float32Array(memory.buffer, 0, length);
    for (let i = 0; i < length; i++) values[i] = Math.cos(i * 0.0007) * (i % 13) - (i % 5);
    values[4_194_000 * 1 + 7] = Number.NaN; // in the window at the first cut
    const at = { min: 4 * length, max: 4 * length + 32_000, mean: 4 * length + 64_000 };
    const out = { ...at, count: 4 * length + 96_000 };
    wasm.reduceInMemory('float32', 0, length, window, out);
    const js = outputs('float32', 8_000);
    await jsWindowKernel.reduce(values, window, js, 0, false);
    const got: WindowedOutput = {
      min: new Float32Array(memory.buffer, out.min, 8_000),
      max: new Float32Array(memory.buffer, out.max, 8_000),
      mean: new Float32Array(memory.buffer, out.mean, 8_000),
      count: new Float64Array(memory.buffer, out.count, 8_000),
    };
    expect(firstDifference(values, window, js, got)).toBeUndefined();
  });

  it('reduces float64 in an ordinary memory, and sees the memory grow', async () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const wasm = await bindWindowedWasm(memory);
    memory.grow(1);
    const at = 65536;
    new Float64Array(memory.buffer, at, 6).set([1, 2, 3, -4, Number.NaN, 6]);
    wasm.reduceInMemory('float64', at, 6, 3, { min: 0, max: 16, mean: 32, count: 48 });
    expect([...new Float64Array(memory.buffer, 0, 8)]).toEqual([1, -4, 3, 6, 2, 1, 3, 2]);
  });

  it('refuses regions outside the memory and lengths that are not whole windows', async () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const wasm = await bindWindowedWasm(memory);
    const refusals = [
      () => {
        wasm.minMaxInMemory('float32', 65536 - 8, 4, 4, { min: 0, max: 16 });
      },
      () => {
        wasm.minMaxInMemory('float32', 0, 10, 4, { min: 1024, max: 2048 });
      },
      () => {
        wasm.minMaxInMemory('float32', 0, 8, 0, { min: 1024, max: 2048 });
      },
      () => {
        wasm.minMaxInMemory('float64', 0, 8, 4, { min: 65536 - 8, max: 2048 });
      },
      () => {
        wasm.reduceInMemory('float64', 0, 8, 4, { min: 1024, max: 2048, mean: 3072, count: -8 });
      },
      () => {
        wasm.minMaxInMemory('float32', 1.5, 4, 4, { min: 1024, max: 2048 });
      },
    ];
    for (const refusal of refusals) {
      try {
        refusal();
        expect.unreachable();
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
      }
    }
  });
});
