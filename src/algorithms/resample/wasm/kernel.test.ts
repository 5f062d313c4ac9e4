// The wasm polyphase kernel against the js kernel (the oracle) on arbitrary factors, filters,
// lengths and chunkings, through the streaming core as the algorithms run it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatArrays, type FloatArray, type FloatDtype } from '../../types.ts';
import { jsPolyphaseKernel, type PolyphaseKernel } from '../kernels.ts';
import { finishPolyphase, initPolyphase, updatePolyphase } from '../polyphase.ts';
import { resamplePoly } from '../reference.ts';
import { createWasmPolyphaseKernel } from './kernel.ts';

const wasm = createWasmPolyphaseKernel();
// Batches of a few samples/outputs, so short inputs cross many batch edges.
const tinyBatches = createWasmPolyphaseKernel({ batchSamples: 5, batchOutputs: 3 });

interface Job {
  dtype: FloatDtype;
  up: number;
  down: number;
  h: Float64Array;
  values: FloatArray;
  cuts: number[];
}

function run(kernel: PolyphaseKernel, job: Job, abs = false): FloatArray {
  const h = abs ? job.h.map(Math.abs) : job.h;
  const state = initPolyphase(job.dtype, job.up, job.down, h);
  const values = abs ? job.values.map(Math.abs) : job.values;
  const parts: FloatArray[] = [];
  let from = 0;
  for (const to of [...job.cuts, values.length]) {
    parts.push(updatePolyphase(state, values.subarray(from, to), kernel));
    from = to;
  }
  parts.push(finishPolyphase(state, kernel));
  return concatArrays(job.dtype, parts);
}

/**
 * The first output where wasm and js differ beyond the reordering of a float64 sum of n
 * products (≤ n·2⁻⁵³·Σ|products|, Σ|products| from the js kernel on absolute values), plus one
 * float32 rounding for float32 output; non-finite outputs must be identical.
 */
function firstDifference(job: Job, got: FloatArray): string | undefined {
  const js = run(jsPolyphaseKernel, job);
  const scale = run(jsPolyphaseKernel, { ...job, dtype: 'float64' }, true);
  if (got.length !== js.length) return `length ${String(got.length)} vs ${String(js.length)}`;
  const n = job.h.length + job.down + 2;
  for (let k = 0; k < js.length; k++) {
    const a = got[k] as number;
    const b = js[k] as number;
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (!Object.is(a, b)) return `output ${String(k)}: ${String(a)} vs ${String(b)}`;
      continue;
    }
    const bound =
      n * 2 ** -53 * (scale[k] as number) + (job.dtype === 'float32' ? 2 ** -23 * Math.abs(b) : 0);
    if (!(Math.abs(a - b) <= bound)) return `output ${String(k)}: ${String(a)} vs ${String(b)}`;
  }
  return undefined;
}

const sample = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
);

const jobs = fc
  .record({
    float32: fc.boolean(),
    up: fc.integer({ min: 1, max: 9 }),
    down: fc.integer({ min: 1, max: 9 }),
    taps: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 40 }),
    list: fc.array(sample, { maxLength: 400 }),
    cuts: fc.array(fc.nat(400), { maxLength: 5 }),
  })
  .map(({ float32, up, down, taps, list, cuts }): Job => {
    const values = float32 ? Float32Array.from(list) : Float64Array.from(list);
    const points = [...new Set(cuts.map((cut) => cut % (values.length + 1)))].sort((a, b) => a - b);
    // float32 streams carry float32 taps (as resample_poly designs them) or float64 ones (a
    // caller FIR): both occur.
    const h = Float64Array.from(taps, (tap, i) =>
      float32 && i % 2 === 0 ? Math.fround(tap) : tap,
    );
    return { dtype: float32 ? 'float32' : 'float64', up, down, h, values, cuts: points };
  });

describe('wasm polyphase kernel', () => {
  it('matches the js kernel on random factors, filters, lengths and chunks (NaN/∞ included)', async () => {
    const kernel = await wasm;
    const small = await tinyBatches;
    fc.assert(
      fc.property(jobs, (job) => {
        expect(firstDifference(job, run(kernel, job))).toBeUndefined();
        expect(firstDifference(job, run(small, job))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same bytes whatever the split and the batch size', async () => {
    const kernel = await wasm;
    const small = await tinyBatches;
    const values = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.01) + (i % 7) / 9);
    const job: Job = {
      dtype: 'float32',
      up: 2,
      down: 3,
      h: resamplePoly.init(resamplePoly.params({ up: 2, down: 3 }), 'float32').taps,
      values,
      cuts: [],
    };
    const whole = run(kernel, job);
    expect(run(kernel, { ...job, cuts: [1, 2, 333, 4000] })).toEqual(whole);
    expect(run(small, { ...job, cuts: [17, 2500] })).toEqual(whole);
  });

  it('keeps interleaved streams with different filters apart (the taps copy follows the state)', async () => {
    const kernel = await wasm;
    const values = Float64Array.from({ length: 3000 }, (_, i) => Math.cos(i * 0.37));
    const a = resamplePoly.init(resamplePoly.params({ up: 3, down: 2 }), 'float64');
    const b = resamplePoly.init(resamplePoly.params({ up: 5, down: 7 }), 'float64');
    const aAlone = resamplePoly.init(resamplePoly.params({ up: 3, down: 2 }), 'float64');
    const bAlone = resamplePoly.init(resamplePoly.params({ up: 5, down: 7 }), 'float64');
    for (let at = 0; at < values.length; at += 500) {
      const chunk = values.subarray(at, at + 500);
      const outA = updatePolyphase(a, chunk, kernel);
      const outB = updatePolyphase(b, chunk, kernel);
      expect(outA).toEqual(updatePolyphase(aAlone, chunk, await createWasmPolyphaseKernel()));
      expect(outB).toEqual(updatePolyphase(bAlone, chunk, await createWasmPolyphaseKernel()));
    }
  });

  it('refuses to read past the samples it is given rather than read stale memory', async () => {
    const kernel = await wasm;
    const out = new Float64Array(4);
    expect(() => {
      kernel.run(new Float64Array(3), new Float64Array(4), 2, 2, 3, 0, 4, out);
    }).toThrow(RangeError);
  });
});
