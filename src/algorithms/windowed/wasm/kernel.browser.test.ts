// The wasm kernels in real Chromium: the module compiles and validates there (SIMD128), and
// windowed statistics and the escalated maximum give the js kernels' answers.
import { describe, expect, it } from 'vitest';
import { createEscalatedMaxKernels } from '../../escalated-max/kernels.ts';
import { escalatedMax } from '../../escalated-max/reference.ts';
import { escalateWithKernel } from '../../escalated-max/run.ts';
import { createWindowKernels, jsWindowKernel } from '../kernels.ts';
import type { WindowedOutput } from '../reference.ts';
import { bindWindowedWasm } from './in-memory.ts';

function outputs(n: number): WindowedOutput {
  const out = () => new Float32Array(n);
  return { min: out(), max: out(), mean: out(), count: new Float64Array(n) };
}

/** Deterministic float32 input with NaN, ±Infinity and −0 sprinkled in. */
function input(length: number): Float32Array {
  const values = new Float32Array(length);
  let seed = 7;
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    values[i] = (seed / 2 ** 31 - 0.5) * 1000;
  }
  for (let i = 3; i < length; i += 101) values[i] = Number.NaN;
  for (let i = 50; i < length; i += 997) values[i] = i % 2 === 0 ? Infinity : -Infinity;
  for (let i = 10; i < length; i += 333) values[i] = -0;
  values.fill(Number.NaN, 2000, 2100);
  return values;
}

describe('wasm kernels in Chromium', () => {
  it('reduces windows as the js kernel does (min, max, count exact)', async () => {
    const { backend, kernel } = await createWindowKernels().first(['wasm']);
    expect(backend).toBe('wasm');
    const values = input(100_000);
    for (const window of [1, 3, 100, 1024]) {
      const n = Math.floor(values.length / window);
      const body = values.subarray(0, n * window);
      const [js, wasm] = [outputs(n), outputs(n)];
      await jsWindowKernel.reduce(body, window, js, 0, false);
      await kernel.reduce(body, window, wasm, 0, false);
      expect(wasm.min).toEqual(js.min);
      expect(wasm.max).toEqual(js.max);
      expect(wasm.count).toEqual(js.count);
      for (let i = 0; i < n; i++) {
        const b = js.mean[i] as number;
        if (Number.isNaN(b)) expect(wasm.mean[i]).toBeNaN();
        else
          expect(Math.abs((wasm.mean[i] as number) - b)).toBeLessThanOrEqual(
            1e-4 * (1 + Math.abs(b)),
          );
      }
    }
  });

  it('reduces in a shared memory when the page is cross-origin isolated, else an ordinary one', async () => {
    const shared = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 8, shared });
    const wasm = await bindWindowedWasm(memory);
    new Float32Array(memory.buffer, 0, 8).set([3, Number.NaN, -2, 1, Infinity, 0, Number.NaN, 5]);
    wasm.minMaxInMemory('float32', 0, 8, 4, { min: 1024, max: 2048 });
    expect([...new Float32Array(memory.buffer, 1024, 2)]).toEqual([-2, 0]);
    expect([...new Float32Array(memory.buffer, 2048, 2)]).toEqual([3, Infinity]);
  });

  it('escalates as the js kernel does, channels in lanes and not', async () => {
    const kernels = createEscalatedMaxKernels();
    const [wasm, js] = [await kernels.get('wasm'), await kernels.get('js')];
    const values = input(4096 * 3);
    for (const channels of [1, 3, 8]) {
      const results = [];
      for (const kernel of [js, wasm]) {
        const state = escalatedMax.init({ channels }, 'float32');
        results.push(await escalateWithKernel(kernel, state, values));
      }
      expect(results[1]).toEqual(results[0]);
    }
  });
});
