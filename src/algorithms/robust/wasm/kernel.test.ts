// The wasm kernel against the js kernel (the reference over one block): the same float64
// operations in the same order, so the same bytes — on random blocks with NaN gaps, ±∞ and
// ties, across batches and slices, float32 blocks widened and outputs rounded once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlgorithmError } from '../../errors.ts';
import { arrayOf, type FloatArray, type FloatDtype } from '../../types.ts';
import {
  jsRobustKernel,
  robustOutputs,
  runRobustBlock,
  windowsIn,
  type RobustBlockRun,
  type RobustKernel,
} from '../kernels.ts';
import { MAX_MEAN_STD_WINDOW, meanStdParams, type MeanStdOutput } from '../meanStd.ts';
import { MAX_MEDIAN_WINDOW, medianMadParams, type MedianMadOutput } from '../medianMad.ts';
import { createWasmRobustKernel } from './kernel.ts';

const wasm = await createWasmRobustKernel();

async function both(
  kernel: RobustKernel,
  block: FloatArray,
  window: number,
  minPeriods: number,
  dtype: FloatDtype,
) {
  const meanStd = robustOutputs('meanStd', dtype, windowsIn(block.length, window));
  await kernel.meanStd(block, meanStdParams({ window, minPeriods, ddof: 1 }), meanStd);
  const medianMad = robustOutputs('medianMad', dtype, windowsIn(block.length, window));
  await kernel.medianMad(block, medianMadParams({ window, minPeriods, scale: 1.4826 }), medianMad);
  return { ...meanStd, ...medianMad };
}

/** Noise with an offset, a drift, NaN gaps, ±∞, ties and an outlier. */
function signal(n: number, seed: number): Float64Array {
  const values = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    const u = s / 2147483647;
    values[i] =
      u < 0.01
        ? Number.NaN
        : u < 0.012
          ? Number.POSITIVE_INFINITY
          : u < 0.014
            ? Number.NEGATIVE_INFINITY
            : u < 0.1
              ? 3
              : 1e6 + i * 1e-3 + (u - 0.5) * (i % 5000 === 0 ? 1e9 : 1);
  }
  return values;
}

describe('robust wasm kernel', () => {
  it('gives the js kernel bytes on random blocks (NaN, ±∞, ties, −0, minPeriods)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.double({ min: -1e3, max: 1e3, noNaN: true }),
            fc.integer({ min: -2, max: 2 }),
            fc.constantFrom(
              Number.NaN,
              Number.POSITIVE_INFINITY,
              Number.NEGATIVE_INFINITY,
              -0,
              1e6,
              1e300,
            ),
          ),
          { maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<FloatDtype>('float32', 'float64'),
        async (list, window, minPeriods, dtype) => {
          const block = arrayOf(dtype, list.length);
          block.set(list);
          const periods = Math.min(window, minPeriods);
          const got = await both(wasm, block, window, periods, dtype);
          expect(got).toEqual(await both(jsRobustKernel, block, window, periods, dtype));
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['w1000 over two batches', 70_000, 1000],
    ['w 70 000 (mean/std: a batch of a window)', 150_000, 70_000],
    ['w 64 over batches and slices', 150_000, 64],
  ])('gives the js kernel bytes %s', async (_title, n, window) => {
    const block = signal(n, 7);
    const periods = Math.max(1, window - 3);
    if (window <= MAX_MEDIAN_WINDOW) {
      expect(await both(wasm, block, window, periods, 'float64')).toEqual(
        await both(jsRobustKernel, block, window, periods, 'float64'),
      );
    } else {
      const params = meanStdParams({ window, minPeriods: periods });
      const got = robustOutputs('meanStd', 'float64', windowsIn(n, window));
      const want = robustOutputs('meanStd', 'float64', windowsIn(n, window));
      await wasm.meanStd(block, params, got);
      await jsRobustKernel.meanStd(block, params, want);
      expect(got).toEqual(want);
    }
  });

  it('streams chunks through runRobustBlock as one block (median/MAD bytes, mean/std 1e-15)', async () => {
    const values = signal(20_000, 11);
    const meanParams = meanStdParams({ window: 300, minPeriods: 290 });
    const medianParams = medianMadParams({ window: 300, minPeriods: 290 });
    const whole = {
      meanStd: robustOutputs('meanStd', 'float64', windowsIn(values.length, 300)),
      medianMad: robustOutputs('medianMad', 'float64', windowsIn(values.length, 300)),
    };
    await wasm.meanStd(values, meanParams, whole.meanStd);
    await wasm.medianMad(values, medianParams, whole.medianMad);
    for (const size of [1, 7, 299, 300, 1000, 4096]) {
      const parts = { mean: [] as number[], std: [] as number[], median: [] as number[] };
      const mad: number[] = [];
      let meanTail: FloatArray = new Float64Array(0);
      let medianTail: FloatArray = new Float64Array(0);
      for (let at = 0; at < values.length; at += size) {
        const chunk = values.subarray(at, at + size);
        const m: RobustBlockRun<MeanStdOutput> = await runRobustBlock(
          wasm,
          'meanStd',
          meanParams,
          meanTail,
          chunk,
        );
        const d: RobustBlockRun<MedianMadOutput> = await runRobustBlock(
          wasm,
          'medianMad',
          medianParams,
          medianTail,
          chunk,
        );
        meanTail = m.tail;
        medianTail = d.tail;
        parts.mean.push(...m.outputs.mean);
        parts.std.push(...m.outputs.std);
        parts.median.push(...d.outputs.median);
        mad.push(...d.outputs.mad);
      }
      expect(parts.median).toEqual([...whole.medianMad.median]);
      expect(mad).toEqual([...whole.medianMad.mad]);
      expect(parts.mean.length).toBe(whole.meanStd.mean.length);
      parts.mean.forEach((mean, i) => {
        const want = whole.meanStd.mean[i] as number;
        const std = whole.meanStd.std[i] as number;
        if (!Number.isFinite(want)) expect(mean).toBe(want);
        else expect(Math.abs(mean - want)).toBeLessThanOrEqual(1e-15 * Math.abs(want));
        if (!Number.isFinite(std)) expect(parts.std[i]).toBe(std);
        // The std's rounding: relative to itself, and to the 1e6 offset the sums cancel.
        else
          expect(Math.abs((parts.std[i] as number) - std)).toBeLessThanOrEqual(1e-12 * std + 1e-9);
      });
    }
  });

  it('refuses windows beyond the references’ limits and short outputs with bad_request', async () => {
    const block = new Float64Array(10);
    const cases: (() => unknown)[] = [
      () =>
        wasm.meanStd(
          block,
          { window: MAX_MEAN_STD_WINDOW + 1, minPeriods: 1, ddof: 0 },
          robustOutputs('meanStd', 'float64', 0),
        ),
      () =>
        wasm.medianMad(
          block,
          { window: MAX_MEDIAN_WINDOW + 1, minPeriods: 1, scale: 1 },
          robustOutputs('medianMad', 'float64', 0),
        ),
      () =>
        wasm.medianMad(
          block,
          { window: 4, minPeriods: 5, scale: 1 },
          robustOutputs('medianMad', 'float64', 7),
        ),
      () =>
        wasm.meanStd(
          block,
          { window: 4, minPeriods: 4, ddof: 0 },
          robustOutputs('meanStd', 'float64', 6),
        ),
    ];
    for (const run of cases) {
      try {
        await run();
        expect.unreachable();
      } catch (error) {
        expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
      }
    }
  });
});
