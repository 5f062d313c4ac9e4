// The wasm plan's zero-copy buffers (`plan.wasmBuffers`): the same spectrum as `forward`,
// views made again after the module's memory grows (stale ones refused), refused after
// dispose; and `forward`/`inverse` on the cached views agree with the js plans.
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../accuracy.ts';
import { isAlgorithmError } from '../errors.ts';
import { createFftKernels, fftPlan, type FftPlanOptions } from './index.ts';

const registry = createFftKernels();
afterAll(async () => {
  (await registry.get('wasm').catch(() => undefined))?.dispose();
});

function signal(length: number, seed: number): Float32Array {
  return Float32Array.from(
    { length },
    (_, j) => Math.sin(j * 0.31 + seed) + ((j * 7919) % 17) / 17,
  );
}

function expectError(call: () => unknown, pattern: RegExp): void {
  try {
    call();
    expect.unreachable();
  } catch (error) {
    expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
    expect(String(error)).toMatch(pattern);
  }
}

const real = { kind: 'real', dtype: 'float32' } as const;
const complex = { kind: 'complex', dtype: 'float32' } as const;
const shapes: [number, FftPlanOptions][] = [
  [1024, real],
  [480, real], // 2^5·3·5
  [512, complex],
  [240, complex], // 2^4·3·5
];

describe('pffft wasmBuffers', () => {
  it('runs the forward transform in place, equal to forward() and to the js plan', async () => {
    const wasm = await registry.get('wasm');
    for (const [n, options] of shapes) {
      const plan = wasm.plan(n, options);
      const x = signal(plan.timeLength, n);
      const expected = plan.forward(x);
      const buffers = plan.wasmBuffers;
      if (buffers === undefined) throw new Error('a wasm plan has wasmBuffers');
      expect(buffers.input.length).toBe(plan.timeLength);
      expect(buffers.output.length).toBe(plan.frequencyLength);
      buffers.input.set(x);
      buffers.run();
      expect(buffers.output).toEqual(expected);
      expect(buffers.input).toEqual(x); // the transform leaves its input as it was
      // forward() given the views themselves (no copy either way) gives the same.
      buffers.output.fill(0);
      expect(plan.forward(buffers.input, buffers.output)).toBe(buffers.output);
      expect(buffers.output).toEqual(expected);
      const js = fftPlan(n, { ...options, dtype: 'float64' }).forward(Float64Array.from(x));
      expect(compareArrays(buffers.output, js).relativeError).toBeLessThan(1e-6);
    }
  });

  it('is absent on js plans', () => {
    expect(fftPlan(1024, real).wasmBuffers).toBeUndefined();
  });

  it('inverse ignores the imaginary parts of bins 0 and N/2, as the js plan does', async () => {
    const n = 256;
    const plan = (await registry.get('wasm')).plan(n, real);
    const bins = plan.forward(signal(n, 3));
    bins[1] = 5;
    bins[n + 1] = -7;
    const back = plan.inverse(bins);
    const js = fftPlan(n, real).inverse(bins);
    expect(compareArrays(back, js).relativeError).toBeLessThan(1e-6);
  });

  it('makes new views after the memory grows, and refuses stale ones', async () => {
    const wasm = await registry.get('wasm');
    const plan = wasm.plan(2048, real);
    const x = signal(2048, 11);
    const expected = plan.forward(x);
    const before = plan.wasmBuffers;
    if (before === undefined) throw new Error('a wasm plan has wasmBuffers');
    expect(plan.wasmBuffers).toBe(before); // cached while the memory stays
    before.input.set(x);
    // 2^21 complex points: three buffers of 16 MiB, more than the module's initial memory.
    const big = wasm.plan(2 ** 21, complex);
    try {
      expect(before.input.length).toBe(0); // detached by the growth
      expectError(() => {
        before.run();
      }, /read plan.wasmBuffers again/);
      const after = plan.wasmBuffers;
      if (after === undefined) throw new Error('a wasm plan has wasmBuffers');
      expect(after).not.toBe(before);
      expect(after.input).toEqual(x); // the growth kept what was written
      after.run();
      expect(after.output).toEqual(expected);
      expect(plan.forward(x)).toEqual(expected);
      expect(compareArrays(plan.inverse(expected), x).relativeError).toBeLessThan(1e-6);
    } finally {
      big.dispose();
    }
  });

  it('refuses run() after dispose, and gives empty views', async () => {
    const plan = (await registry.get('wasm')).plan(64, complex);
    const buffers = plan.wasmBuffers;
    if (buffers === undefined) throw new Error('a wasm plan has wasmBuffers');
    plan.dispose();
    expectError(() => {
      buffers.run();
    }, /disposed/);
    expect(plan.wasmBuffers?.input.length).toBe(0);
    expectError(() => plan.wasmBuffers?.run(), /disposed/);
    expectError(() => plan.forward(new Float32Array(128)), /disposed/);
  });
});

describe('pffft real transforms of non-finite input', () => {
  it('make every bin non-finite, and bins 0 and n/2 NaN in their imaginary parts (numpy too)', async () => {
    const plan = (await registry.get('wasm')).plan(256, real);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const input = signal(256, 1);
      input[17] = bad;
      const spectrum = plan.forward(input);
      for (let bin = 0; bin <= 128; bin++) {
        const parts = [spectrum[2 * bin], spectrum[2 * bin + 1]] as number[];
        expect(
          parts.some((value) => !Number.isFinite(value)),
          `bin ${bin}`,
        ).toBe(true);
      }
      expect([spectrum[1], spectrum[257]]).toEqual([Number.NaN, Number.NaN]);
    }
    // A finite frame keeps exact zeros there.
    const spectrum = plan.forward(signal(256, 2));
    expect([spectrum[1], spectrum[257]]).toEqual([0, 0]);
  });
});
