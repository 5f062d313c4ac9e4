import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../errors.ts';
import { lazyGpuKernel } from '../gpu/test-support/test-gpu.suite.ts';
import { runCaseTable } from '../test-support/case-table.suite.ts';
import { runSplit } from '../test-support/split-run.suite.ts';
import { castTo, decodeFloat64 } from '../test-support/fixtures.ts';
import { concatArrays, type FloatArray, type FloatDtype } from '../types.ts';
import fixture from './fixtures/escalated_max.json' with { type: 'json' };
import { jsEscalatedMaxKernel, type EscalatedMaxKernel } from './kernels.ts';
import { escalatedMax, escalatedMaxParams } from './reference.ts';
import { escalateWithKernel } from './run.ts';
import { createWasmEscalatedMaxKernel } from './wasm/kernel.ts';
import { createWebgpuEscalatedMaxKernel } from './webgpu/kernel.ts';

interface EscalatedMaxCase {
  name: string;
  dtype: FloatDtype;
  params: { channels: number };
  input: keyof typeof fixture.inputs;
  count: number;
  expected: string;
}

const wasmKernel = createWasmEscalatedMaxKernel();
// Rejections are reported by the case table's `unavailable`; not an unhandled one meanwhile.
wasmKernel.catch(() => undefined);
// This runtime's GPU: Dawn on SwiftShader in Node, navigator.gpu in Chromium.
const gpu = lazyGpuKernel((found) => createWebgpuEscalatedMaxKernel(found));

const cases = fixture.cases as EscalatedMaxCase[];
const inputs = new Map(
  Object.entries(fixture.inputs).map(([key, text]) => [key, decodeFloat64(text)]),
);

function inputOf(testCase: EscalatedMaxCase): FloatArray {
  const all = inputs.get(testCase.input);
  if (all === undefined) throw new Error(`no input ${testCase.input}`);
  return castTo(testCase.dtype, all.subarray(0, testCase.count));
}

/** Streams the case in chunks of `chunk` samples (mid-frame cuts included) through `kernel`. */
async function stream(kernel: EscalatedMaxKernel, testCase: EscalatedMaxCase, chunk: number) {
  const values = inputOf(testCase);
  const state = escalatedMax.init(escalatedMaxParams(testCase.params), testCase.dtype);
  const parts: FloatArray[] = [];
  for (let at = 0; at < values.length; at += chunk) {
    parts.push(await escalateWithKernel(kernel, state, values.subarray(at, at + chunk)));
  }
  parts.push(escalatedMax.finish(state));
  return { max: concatArrays(testCase.dtype, parts) };
}

runCaseTable<EscalatedMaxCase>({
  algorithm: 'escalated-max',
  cases,
  expected: (testCase) => ({ max: decodeFloat64(testCase.expected) }),
  backends: [
    {
      backend: 'js',
      // Every output is one of the input samples: exact in both dtypes.
      tolerance: { float32: 0, float64: 0 },
      run: (testCase) => stream(jsEscalatedMaxKernel, testCase, 1000),
    },
    {
      backend: 'wasm',
      // The same comparisons in SIMD lanes or the module's scalar loop: exact.
      tolerance: { float32: 0, float64: 0 },
      run: async (testCase) => stream(await wasmKernel, testCase, 1000),
    },
    {
      backend: 'webgpu',
      // Max-scan over u32 keys of the samples' bits (webgpu/shader.ts): exact.
      tolerance: { float32: 0 },
      skip: (testCase) =>
        testCase.dtype === 'float64' ? 'WebGPU has no float64 (WGSL has no f64 type)' : undefined,
      // Chunks of 1000 cut frames of 3, 7 and 8 channels: the CPU's head and tail run too.
      run: async (testCase) => stream(await gpu.kernel(), testCase, 1000),
    },
  ],
  unavailable: async (backend) => {
    if (backend === 'webgpu') return gpu.unavailable(backend);
    if (backend !== 'wasm') return undefined;
    try {
      await wasmKernel;
      return undefined;
    } catch (error) {
      if (isAlgorithmError(error, 'unavailable')) return error.message;
      throw error;
    }
  },
});

function runWhole(values: Float64Array, channels: number): Float64Array {
  const state = escalatedMax.init({ channels }, 'float64');
  const out = escalatedMax.update(state, values);
  escalatedMax.finish(state);
  return out as Float64Array;
}

describe('escalated-max', () => {
  it('ignores NaN, shows NaN before a channel has a value, keeps ±Infinity, writes −0 as 0', () => {
    const nan = Number.NaN;
    const out = runWhole(
      Float64Array.from([nan, -0, nan, -Infinity, 2, nan, 1, Infinity, 3, 4]),
      2,
    );
    expect([...out]).toEqual([nan, 0, nan, 0, 2, 0, 2, Infinity, 3, Infinity]);
    expect(Object.is(out[1], 0)).toBe(true);
  });

  it('gives the same bytes whatever the split of the input, mid-frame cuts included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.oneof(fc.double(), fc.constant(Number.NaN)), { maxLength: 300 }),
        fc.array(fc.nat(300), { maxLength: 6 }),
        (channels, list, cuts) => {
          const values = Float64Array.from(list.slice(0, list.length - (list.length % channels)));
          const whole = runWhole(values, channels);
          const parts = runSplit(escalatedMax, { channels }, 'float64', values, cuts);
          expect(concatArrays('float64', parts)).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the bytes of the js kernel on wasm, for any channel count and chunk cuts', async () => {
    const kernel = await wasmKernel;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('float32', 'float64') as fc.Arbitrary<FloatDtype>,
        fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(4, 8, 12, 16, 64)),
        fc.array(
          fc.oneof(
            fc.double({ min: -1e30, max: 1e30 }),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0),
          ),
          { maxLength: 600, size: 'max' },
        ),
        fc.array(fc.nat(600), { maxLength: 5 }),
        async (dtype, channels, list, cuts) => {
          const all = castTo(dtype, Float64Array.from(list));
          const values = all.subarray(0, all.length - (all.length % channels));
          const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort(
            (a, b) => a - b,
          );
          const outputs: FloatArray[] = [];
          for (const use of [jsEscalatedMaxKernel, kernel]) {
            const state = escalatedMax.init({ channels }, dtype);
            const parts: FloatArray[] = [];
            let from = 0;
            for (const to of [...points, values.length]) {
              parts.push(await escalateWithKernel(use, state, values.subarray(from, to)));
              from = to;
            }
            parts.push(escalatedMax.finish(state));
            outputs.push(concatArrays(dtype, parts));
          }
          const [js, wasm] = outputs as [FloatArray, FloatArray];
          // Bytes, so −0 against 0 and NaN payloads would show.
          expect(new Uint8Array(wasm.buffer)).toEqual(new Uint8Array(js.buffer));
        },
      ),
      { numRuns: 300, endOnFailure: true },
    );
  });

  it('refuses bad channel counts and an input that ends mid-frame', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, '2', 2 ** 20]) {
      expect(() => escalatedMaxParams({ channels: bad })).toThrow(/channels must be an integer/);
    }
    expect(escalatedMaxParams({})).toEqual({ channels: 1 });
    const state = escalatedMax.init({ channels: 3 }, 'float32');
    escalatedMax.update(state, Float32Array.from([1, 2, 3, 4]));
    try {
      escalatedMax.finish(state);
      expect.unreachable();
    } catch (error) {
      expect(isAlgorithmError(error, 'bad_request')).toBe(true);
      expect(String(error)).toMatch(/ended mid-frame/);
    }
  });
});
